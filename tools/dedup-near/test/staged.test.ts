import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/dedup-near';
import { Prng } from '@ldt/hash';
import { parseNdjson, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';

/** Rows with near-duplicates spread across shards (a variant often lands in another shard than its original). */
function rows(seed: number) {
  const rng = new Prng(seed);
  const word = () => `w${rng.nextInt(5000)}`;
  const out: { id: number; text: string }[] = [];
  const bases: string[][] = [];
  for (let i = 0; i < 150; i++) {
    if (bases.length > 0 && rng.nextInt(3) === 0) {
      const v = [...bases[rng.nextInt(bases.length)]];
      for (let k = rng.nextInt(4); k > 0; k--) v[rng.nextInt(v.length)] = word();
      if (rng.nextInt(4) === 0) v.push(word(), word(), word());
      out.push({ id: i, text: v.join(' ') });
    } else {
      const b = Array.from({ length: 80 + rng.nextInt(80) }, word);
      bases.push(b);
      out.push({ id: i, text: b.join(' ') });
    }
  }
  return out;
}

async function ok(argv: string[]) {
  const r = await runInProcess(main, argv);
  assert.equal(r.code, 0, `${argv.join(' ')}\n${r.stderr}`);
  return r;
}

test('staged sign → cluster → apply on 3 shards gives byte-identical output to the one-shot run (issue 4)', async () => {
  const dir = tmpDir();
  const all = rows(21);
  const ref = writeNdjson(dir, 'ref.ndjson', [{ q: all[10].text }, { q: 'nothing like the rest' }]);
  const shards = [writeNdjson(dir, 's1.ndjson', all.slice(0, 50)), writeNdjson(dir, 's2.ndjson', all.slice(50, 100)), writeNdjson(dir, 's3.ndjson', all.slice(100))];
  for (const flags of [[], ['--keep', 'longest', '--threshold', '0.7'], ['--against', ref, '--against-fields', 'q']]) {
    const clusterFlags = flags.filter((f) => f !== '--threshold' && f !== '0.7');
    const signFlags = flags.includes('--threshold') ? ['--threshold', '0.7'] : [];
    const cf = flags.includes('--threshold') ? [...clusterFlags, '--threshold', '0.7'] : clusterFlags;
    for (const mark of [false, true]) {
      const m = mark ? ['--mark'] : [];
      const d = mark ? [] : ['--dups', join(dir, 'one.dups')];
      const one = await ok([...flags, ...m, ...d, ...shards]);
      const signs: string[] = [];
      for (const s of shards) {
        const r = await ok(['sign', ...signFlags, s]);
        const p = `${s}.sign`;
        writeFileSync(p, r.stdout);
        signs.push(p);
      }
      const assign = join(dir, 'assign.ndjson');
      writeFileSync(assign, (await ok(['cluster', ...cf, ...signs])).stdout);
      let staged = '';
      let dups = '';
      for (const s of shards) {
        staged += (await ok(['apply', '--assignment', assign, ...m, ...(mark ? [] : ['--dups', join(dir, 'staged.dups')]), s])).stdout;
        if (!mark) dups += readFileSync(join(dir, 'staged.dups'), 'utf8');
      }
      assert.ok(one.stdout.length > 0);
      assert.equal(staged, one.stdout, `flags ${flags.join(' ')} ${m.join(' ')}`);
      if (!mark) {
        assert.ok(dups.length > 0);
        assert.equal(dups, readFileSync(join(dir, 'one.dups'), 'utf8'));
      }
      if (!mark) assert.ok(parseNdjson(one.stdout).length < all.length, 'some rows are dropped');
    }
  }
});

test('cluster refuses sign files made with other parameters; apply refuses a shard the assignment does not know', async () => {
  const dir = tmpDir();
  const a = writeNdjson(dir, 'a.ndjson', rows(3).slice(0, 20));
  const b = writeNdjson(dir, 'b.ndjson', rows(4).slice(0, 20));
  writeFileSync(join(dir, 'a.sign'), (await ok(['sign', a])).stdout);
  writeFileSync(join(dir, 'b.sign'), (await ok(['sign', '--ngram', '3', b])).stdout);
  const r = await runInProcess(main, ['cluster', join(dir, 'a.sign'), join(dir, 'b.sign')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /b\.sign:1: this sign file was made with other parameters than the first one/);
  writeFileSync(join(dir, 'a.assign'), (await ok(['cluster', join(dir, 'a.sign')])).stdout);
  const x = await runInProcess(main, ['apply', '--assignment', join(dir, 'a.assign'), b]);
  assert.equal(x.code, 1);
  assert.match(x.stderr, /the assignment file has no rows for shard/);
  const u = await runInProcess(main, ['apply', a]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /apply needs --assignment FILE/);
});
