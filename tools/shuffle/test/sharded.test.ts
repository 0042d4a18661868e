// The sharded form (issue 16): shuffle per shard with --first-index and --keys-out, then
// `shuffle merge` = one shuffle over the concatenated shards, byte for byte.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/shuffle';
import { runInProcess, tmpDir } from '@ldt/testkit';

const dir = tmpDir('ldt-shuffle-sharded-');
const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, text: `row ${i} ${'x'.repeat(i % 37)}` }));
const whole = join(dir, 'whole.ndjson');
writeFileSync(whole, `${rows.join('\n')}\n`);

async function run(argv: string[]): Promise<string> {
  const r = await runInProcess(main, argv);
  assert.equal(r.code, 0, `shuffle ${argv.join(' ')}\n${r.stderr}`);
  return r.stdout;
}

/** Cut the rows at `cuts` (row counts per shard; 0 = an empty shard), shuffle each shard with `flags`, return the merge's argv pairs. */
async function shardRun(name: string, sizes: number[], flags: string[]): Promise<string[]> {
  const files: string[] = [];
  let at = 0;
  for (const [k, n] of sizes.entries()) {
    const f = join(dir, `${name}-${k}.ndjson`);
    writeFileSync(
      f,
      rows
        .slice(at, at + n)
        .map((r) => `${r}\n`)
        .join(''),
    );
    at += n;
    files.push(f);
  }
  assert.equal(at, rows.length);
  const offsets = (await run(['offsets', ...files])).trimEnd().split('\n');
  const pairs: string[] = [];
  for (const line of offsets) {
    const [first, f] = line.split('\t');
    const out = await run([...flags, '--first-index', first, '--keys-out', `${f}.keys`, f]);
    writeFileSync(`${f}.rows`, out);
    pairs.push(`${f}.rows`, `${f}.keys`);
  }
  return pairs;
}

const splits: [string, number[]][] = [
  ['one-shard', [300]],
  ['three-even', [100, 100, 100]],
  ['uneven', [1, 150, 2, 147]],
  ['empty-shards', [0, 120, 0, 0, 180, 0]],
  ['one-row-each-then-rest', [1, 1, 1, 297]],
];

for (const [name, sizes] of splits) {
  test(`sharded (${name}: ${sizes.join('+')}) = one shuffle over the whole input, byte for byte`, async () => {
    const single = await run(['--seed', '9', whole]);
    const pairs = await shardRun(name, sizes, ['--seed', '9']);
    assert.equal(await run(['merge', '--seed', '9', ...pairs]), single);
  });
}

test('sharded through the external path (--memory 16K: many sorted runs per shard) = the in-memory single shuffle', async () => {
  const single = await run(['--seed', '3', whole]);
  const pairs = await shardRun('external', [90, 0, 210], ['--seed', '3', '--memory', '16K']);
  assert.equal(await run(['merge', '--seed', '3', ...pairs]), single);
});

test('sharded --sample N, random and input order, from full shards and from sampled shards = shuffle --sample N', async () => {
  const full = await shardRun('sample-full', [70, 0, 130, 100], ['--seed', '4']);
  const sampled = await shardRun('sample-20', [70, 0, 130, 100], ['--seed', '4', '--sample', '20']);
  for (const order of ['random', 'input']) {
    const single = await run(['--seed', '4', '--sample', '20', '--sample-order', order, whole]);
    assert.equal(single.trimEnd().split('\n').length, 20);
    assert.equal(await run(['merge', '--seed', '4', '--sample', '20', '--sample-order', order, ...full]), single, `full shards, ${order}`);
    assert.equal(await run(['merge', '--seed', '4', '--sample', '20', '--sample-order', order, ...sampled]), single, `sampled shards, ${order}`);
  }
  const more = await runInProcess(main, ['merge', '--seed', '4', '--sample', '21', ...sampled]);
  assert.equal(more.code, 2);
  assert.match(more.stderr, /holds a --sample 20 of its shard; --sample 21 needs at least 21 rows of each shard/);
});

test('offsets: rows before each shard, blank lines not counted', async () => {
  const a = join(dir, 'blank-a.ndjson');
  const b = join(dir, 'blank-b.ndjson');
  writeFileSync(a, '{"a":1}\n\n   \n{"a":2}\r\n');
  writeFileSync(b, '{"b":1}\n');
  assert.equal(await run(['offsets', a, b, a]), `0\t${a}\n2\t${b}\n3\t${a}\n`);
});

test('merge refuses shards that do not fit together: another seed, a gap, swapped order, a truncated keys file, mismatched pairs', async () => {
  const pairs = await shardRun('bad', [100, 200], ['--seed', '1']);
  const fail = async (argv: string[], code: number, re: RegExp) => {
    const r = await runInProcess(main, ['merge', ...argv]);
    assert.equal(r.code, code, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, re);
  };
  await fail(['--seed', '2', ...pairs], 1, /bad-0\.ndjson\.keys:1: made with --seed 1; this merge has --seed 2/);
  await fail(['--seed', '1', pairs[2], pairs[3]], 1, /bad-1\.ndjson\.keys:1: this shard starts at row 100, but the shards before it hold 0 rows/);
  await fail(['--seed', '1', pairs[2], pairs[3], pairs[0], pairs[1]], 1, /starts at row 100, but the shards before it hold 0 rows/);
  await fail(['--seed', '1', pairs[0]], 2, /expected pairs ROWS KEYS/);
  await fail(['--seed', '1', pairs[2], pairs[1]], 1, /bad-1\.ndjson\.rows:101: holds more rows than its keys file/);
  const cut = join(dir, 'cut.keys');
  writeFileSync(cut, readFileSync(pairs[1]));
  truncateSync(cut, readFileSync(cut).length - 5);
  await fail(['--seed', '1', pairs[0], cut], 1, /cut\.keys:1: truncated keys file/);
  await fail(['--seed', '1', pairs[0], pairs[0]], 1, /expected a ldt-shuffle-keys\/1 file/);
});

test('--keys-out with --sample-order input is a usage error (the shard must be in key order)', async () => {
  const r = await runInProcess(main, ['--sample', '3', '--sample-order', 'input', '--keys-out', join(dir, 'x.keys'), whole]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--keys-out writes the shard in key order/);
});
