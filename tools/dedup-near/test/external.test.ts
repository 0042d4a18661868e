import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BandKeys, main } from '@ldt/dedup-near';
import { DataError } from '@ldt/errors';
import { Prng } from '@ldt/hash';
import { repoRoot, runInProcess, runShell, tmpDir, waitFor, writeNdjson } from '@ldt/testkit';

/**
 * Rows with near-duplicates spread across shards, exact duplicates (many rows sharing every band
 * key), rows whose normalised text is empty and a row without the compared field (a reject).
 */
function rows(seed: number, n: number) {
  const rng = new Prng(seed);
  const word = () => `w${rng.nextInt(3000)}`;
  const out: Record<string, unknown>[] = [];
  const bases: string[][] = [];
  for (let i = 0; i < n; i++) {
    const pick = rng.nextInt(20);
    if (pick === 0) out.push({ id: i, text: '!!! ...' });
    else if (pick === 1 && bases.length > 0) out.push({ id: i, text: bases[0].join(' ') });
    else if (pick < 9 && bases.length > 0) {
      const v = [...bases[rng.nextInt(bases.length)]];
      for (let k = rng.nextInt(5); k > 0; k--) v[rng.nextInt(v.length)] = word();
      if (rng.nextInt(4) === 0) v.push(word(), word(), word());
      out.push({ id: i, text: v.join(' ') });
    } else {
      const b = Array.from({ length: 40 + rng.nextInt(60) }, word);
      bases.push(b);
      out.push({ id: i, text: b.join(' ') });
    }
  }
  out[Math.floor(n / 2)] = { id: Math.floor(n / 2), other: 'no text field' };
  return out;
}

async function ok(argv: string[]) {
  const r = await runInProcess(main, argv);
  assert.equal(r.code, 0, `${argv.join(' ')}\n${r.stderr}`);
  return r;
}

const SORT_NOTES = ['band_key_runs', 'band_key_merge_passes', 'band_key_temp_bytes'];

/** The --stats notes without the counters of the band-key sort (which say whether it spilled). */
function notesOf(file: string): Record<string, unknown> {
  const n = JSON.parse(readFileSync(file, 'utf8')).notes as Record<string, unknown>;
  return Object.fromEntries(Object.entries(n).filter(([k]) => !SORT_NOTES.includes(k)));
}

function sortNotes(file: string): { band_key_runs: number; band_key_merge_passes: number; band_key_temp_bytes: number } {
  return JSON.parse(readFileSync(file, 'utf8')).notes;
}

test('--memory: one-shot and staged runs through sorted runs give the in-memory output, dups, assignments and counts (issue 4)', async () => {
  const dir = tmpDir();
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const all = rows(5, 640);
  const ref = writeNdjson(dir, 'ref.ndjson', [{ q: String(all[30].text) }, { q: 'nothing like the rest' }]);
  const shards = [0, 1, 2, 3].map((k) => writeNdjson(dir, `s${k}.ndjson`, all.slice(k * 160, (k + 1) * 160)));
  const rj = join(dir, 'rejects.ndjson');
  const signs: string[] = [];
  for (const s of shards) {
    const p = `${s}.sign`;
    writeFileSync(p, (await ok(['sign', '--rejects', rj, s])).stdout);
    signs.push(p);
  }
  const st = (name: string) => join(dir, `${name}.stats.json`);
  for (const flags of [[], ['--keep', 'longest'], ['--against', ref, '--against-fields', 'q']]) {
    const what = flags.join(' ') || 'defaults';
    // The in-memory reference: the default --memory (1 GiB) holds these keys.
    const base = await ok([...flags, '--rejects', rj, '--dups', join(dir, 'base.dups'), '--stats', st('base'), ...shards]);
    const baseDups = readFileSync(join(dir, 'base.dups'), 'utf8');
    assert.equal(sortNotes(st('base')).band_key_runs, 0, 'the reference run sorts in memory');
    assert.ok(baseDups.length > 0 && base.stdout.length > 0);
    const baseAssign = (await ok(['cluster', ...flags, '--stats', st('cbase'), ...signs])).stdout;
    const baseNotes = notesOf(st('base'));
    assert.ok((baseNotes.candidate_pairs as number) > (baseNotes.verified_pairs as number), 'some candidates are rejected');
    for (const memory of ['1000', '16K']) {
      const tag = `${what}, --memory ${memory}`;
      const one = await ok([...flags, '--memory', memory, '--tmp-dir', tmp, '--rejects', rj, '--dups', join(dir, 'one.dups'), '--stats', st('one'), ...shards]);
      assert.equal(one.stdout, base.stdout, tag);
      assert.equal(readFileSync(join(dir, 'one.dups'), 'utf8'), baseDups, tag);
      assert.deepEqual(notesOf(st('one')), baseNotes, tag);
      const s = sortNotes(st('one'));
      assert.ok(s.band_key_runs > 1, `${tag}: ${s.band_key_runs} runs`);
      if (memory === '1000') assert.ok(s.band_key_merge_passes > 0, `${tag}: intermediate merges`);
      assert.ok(s.band_key_temp_bytes >= 640 * 14 * 4, tag);

      const assign = (await ok(['cluster', ...flags, '--memory', memory, '--tmp-dir', tmp, '--stats', st('cluster'), ...signs])).stdout;
      assert.equal(assign, baseAssign, tag);
      assert.ok(sortNotes(st('cluster')).band_key_runs > 1, tag);
      const cn = notesOf(st('cluster'));
      assert.deepEqual(cn, notesOf(st('cbase')), tag);
      for (const k of ['candidate_pairs', 'verified_pairs', 'rejected_pairs', 'empty_text_rows']) assert.equal(cn[k], baseNotes[k], `${tag}: ${k}`);
      const assignFile = join(dir, 'assign.ndjson');
      writeFileSync(assignFile, assign);
      let staged = '';
      let dups = '';
      for (const sh of shards) {
        staged += (await ok(['apply', '--assignment', assignFile, '--dups', join(dir, 'staged.dups'), sh])).stdout;
        dups += readFileSync(join(dir, 'staged.dups'), 'utf8');
      }
      assert.equal(staged, base.stdout, tag);
      assert.equal(dups, baseDups, tag);
      assert.deepEqual(readdirSync(tmp), [], `${tag}: the temporary directory is removed`);
    }
  }
  // --mark through the external sort: the same marked rows.
  const markBase = await ok(['--mark', '--rejects', rj, ...shards]);
  const markOne = await ok(['--mark', '--memory', '1000', '--tmp-dir', tmp, '--rejects', rj, ...shards]);
  assert.equal(markOne.stdout, markBase.stdout);
  assert.deepEqual(readdirSync(tmp), []);
});

test('the README worked example (split, sign per shard in parallel, cluster with a small --memory, apply per shard) equals the one-shot run', () => {
  const dir = tmpDir();
  mkdirSync(join(dir, 'scratch'));
  writeNdjson(
    dir,
    'big.ndjson',
    rows(13, 500).filter((r) => r.text !== undefined),
  );
  const script = [
    'split -n l/4 -d --additional-suffix=.ndjson big.ndjson shard-',
    "printf '%s\\n' shard-*.ndjson | xargs -P2 -I{} sh -c 'dedup-near sign --fields text --threads 1 {} > {}.sign'",
    'dedup-near cluster --memory 4K --tmp-dir scratch --stats cluster.json shard-*.ndjson.sign > assignment.ndjson',
    'mkdir -p dedup',
    "printf '%s\\n' shard-*.ndjson | xargs -P2 -I{} sh -c 'dedup-near apply --assignment assignment.ndjson --dups dedup/{}.dups {} > dedup/{}'",
    'cat dedup/shard-*.ndjson > unique.ndjson',
    'cat dedup/shard-*.ndjson.dups > dups.ndjson',
    'dedup-near --fields text --dups one.dups shard-*.ndjson > one.ndjson',
  ].join(' && ');
  const r = runShell(script, { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    readdirSync(dir).filter((f) => /^shard-\d\d\.ndjson$/.test(f)),
    ['shard-00.ndjson', 'shard-01.ndjson', 'shard-02.ndjson', 'shard-03.ndjson'],
  );
  const unique = readFileSync(join(dir, 'unique.ndjson'), 'utf8');
  assert.ok(unique.length > 0);
  assert.equal(unique, readFileSync(join(dir, 'one.ndjson'), 'utf8'));
  const dups = readFileSync(join(dir, 'dups.ndjson'), 'utf8');
  assert.ok(dups.split('\n').length > 20, 'near-duplicates were dropped');
  assert.equal(dups, readFileSync(join(dir, 'one.dups'), 'utf8'));
  assert.ok(JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')).notes.band_key_runs > 1);
  assert.deepEqual(readdirSync(join(dir, 'scratch')), []);
});

test('--memory: --save-index after an external sort writes the same index, and --index loads into one', async () => {
  const dir = tmpDir();
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const all = rows(9, 400);
  const a = writeNdjson(dir, 'a.ndjson', all.slice(0, 200));
  const b = writeNdjson(dir, 'b.ndjson', all.slice(200));
  const rj = join(dir, 'rejects.ndjson');
  await ok(['--rejects', rj, '--save-index', join(dir, 'mem.idx'), a]);
  await ok(['--rejects', rj, '--memory', '1000', '--tmp-dir', tmp, '--save-index', join(dir, 'ext.idx'), a]);
  const idx = readFileSync(join(dir, 'mem.idx'));
  assert.ok(idx.length > 1000);
  assert.ok(readFileSync(join(dir, 'ext.idx')).equals(idx), 'byte-identical index');
  const mem = await ok(['--rejects', rj, '--index', join(dir, 'mem.idx'), '--stats', join(dir, 'm.json'), b]);
  const ext = await ok(['--rejects', rj, '--index', join(dir, 'mem.idx'), '--memory', '2K', '--tmp-dir', tmp, '--stats', join(dir, 'e.json'), b]);
  assert.equal(ext.stdout, mem.stdout);
  assert.match(ext.stderr, /in_index \d+/);
  assert.deepEqual(notesOf(join(dir, 'e.json')), notesOf(join(dir, 'm.json')));
  assert.ok(sortNotes(join(dir, 'e.json')).band_key_runs > 1);
  assert.deepEqual(readdirSync(tmp), []);
});

test('--memory: an error after runs were written still removes the temporary directory', async () => {
  const dir = tmpDir();
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const all = rows(3, 300).filter((r) => r.text !== undefined);
  const input = writeNdjson(dir, 'in.ndjson', all);
  appendFileSync(input, '{"text": broken\n');
  const r = await runInProcess(main, ['--memory', '1000', '--tmp-dir', tmp, input]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`in\\.ndjson:${all.length + 1}: `));
  assert.deepEqual(readdirSync(tmp), []);
  // cluster: a damaged sign record after many rows.
  const sign = join(dir, 'in.sign');
  writeFileSync(sign, (await ok(['sign', writeNdjson(dir, 'ok.ndjson', all)])).stdout);
  appendFileSync(sign, '{"shard":"x","row":1,"len":3}\n');
  const c = await runInProcess(main, ['cluster', '--memory', '1000', '--tmp-dir', tmp, sign]);
  assert.equal(c.code, 1);
  assert.match(c.stderr, new RegExp(`in\\.sign:${all.length + 2}: expected a dedup-near sign record`));
  assert.deepEqual(readdirSync(tmp), []);
});

test('--memory: a bad size is a usage error (exit 2) naming the flag and the expected form; a missing --tmp-dir is an error naming it', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', [{ text: 'a b c' }]);
  for (const [argv, re] of [
    [['--memory', '12Q', input], /--memory must be a size like 1000000, 512MB or 1GiB; got "12Q"/],
    [['--memory', '-5', input], /--memory must be a size like 1000000, 512MB or 1GiB; got "-5"/],
    [['--memory', '10', input], /--memory must be at least 1000; got "10"/],
    [['cluster', '--memory', 'lots', input], /--memory must be a size like 1000000, 512MB or 1GiB; got "lots"/],
  ] as [string[], RegExp][]) {
    const r = await runInProcess(main, argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.stderr, re);
    assert.equal(r.stdout, '');
  }
  const missing = join(dir, 'no-such-dir');
  const sign = join(dir, 'in.sign');
  writeFileSync(sign, (await ok(['sign', input])).stdout);
  for (const argv of [
    ['--tmp-dir', missing, input],
    ['cluster', '--tmp-dir', missing, sign],
  ]) {
    const t = await runInProcess(main, argv);
    assert.equal(t.code, 1, argv.join(' '));
    assert.match(t.stderr, new RegExp(`cannot create a temporary directory in --tmp-dir ${missing}: no such directory`));
    assert.match(t.stderr, /--tmp-dir DIR/);
  }
  const r = await ok(['--memory', '1.5G', input]);
  assert.equal(r.stdout, '{"text":"a b c"}\n');
});

test('BandKeys: the external sort yields the same groups, in the same order, as the in-memory sort', () => {
  const rng = new Prng(17);
  const B = 3;
  const n = 3000;
  const keys = Array.from({ length: n }, () => Uint32Array.from({ length: B }, () => (rng.nextInt(4) === 0 ? 0xffffffff - rng.nextInt(50) : rng.nextInt(400))));
  const eligible = Array.from({ length: n }, () => rng.nextInt(5) !== 0);
  // The reference: per band, eligible (key, id) sorted, runs of equal keys of length ≥ 2.
  const want: string[] = [];
  for (let j = 0; j < B; j++) {
    const pairs = keys.flatMap((k, id) => (eligible[id] ? [[k[j], id]] : [])).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    for (let s = 0; s < pairs.length; ) {
      let e = s + 1;
      while (e < pairs.length && pairs[e][0] === pairs[s][0]) e++;
      if (e - s > 1) want.push(`${j}:${pairs.slice(s, e).map((p) => p[1])}`);
      s = e;
    }
  }
  for (const memory of [1 << 30, 5000, 1000]) {
    const dir = tmpDir('ldt-bandkeys-');
    const bk = new BandKeys(B, memory, dir, (id) => eligible[id]);
    for (let id = 0; id < n; id++) bk.add(eligible[id] ? keys[id] : new Uint32Array(0));
    const got: string[] = [];
    for (let j = 0; j < B; j++) bk.forBand(j, (ids, s, e) => got.push(`${j}:${[...ids.subarray(s, e)]}`));
    // Twice: sweeps with --against visit every band again.
    const again: string[] = [];
    for (let j = 0; j < B; j++) bk.forBand(j, (ids, s, e) => again.push(`${j}:${[...ids.subarray(s, e)]}`));
    assert.deepEqual(got, want, `memory ${memory}`);
    assert.deepEqual(again, want, `memory ${memory}, second sweep`);
    for (let id = 0; id < n; id++) if (eligible[id]) assert.deepEqual([...bk.keysOf(id)], [...keys[id]], `keysOf(${id})`);
    assert.equal(bk.stats.band_key_runs === 0, memory === 1 << 30, `memory ${memory}: ${bk.stats.band_key_runs} runs`);
    if (memory === 1000) assert.ok(bk.stats.band_key_merge_passes >= 2);
    bk.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('BandKeys: a band-key run file truncated while the run goes on is a data error naming the file and the byte (issue 21)', () => {
  const dir = tmpDir('ldt-bandkeys-trunc-');
  const bk = new BandKeys(2, 1000, dir, () => true);
  for (let id = 0; id < 500; id++) bk.add(Uint32Array.of(id % 7, id % 11));
  assert.ok(bk.spilled);
  truncateSync(join(dir, 'band-run-1.bin'), 12);
  assert.throws(
    () => bk.forBand(0, () => {}),
    (e: Error) => {
      assert.ok(e instanceof DataError, `${e.name}: ${e.message}`);
      assert.match(e.message, /^temporary file .*band-run-\d+\.bin ended early at byte \d+/);
      return true;
    },
  );
  bk.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM while band-key runs are being written removes the temporary directory', async () => {
  const dir = tmpDir('ldt-dedup-near-sig-');
  const bin = join(repoRoot(), 'node_modules', '.bin', 'dedup-near');
  const child = spawn(bin, ['--memory', '1000', '--threads', '1', '--tmp-dir', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  // Enough rows for several runs, then keep stdin open so the tool is mid-way when the signal comes.
  child.stdin.write(
    rows(11, 400)
      .map((r) => `${JSON.stringify({ text: r.text ?? 'x' })}\n`)
      .join(''),
  );
  const sawRuns = await waitFor(() => {
    const sub = readdirSync(dir);
    return sub.length === 1 && readdirSync(join(dir, sub[0])).some((f) => f.startsWith('band-run-'));
  });
  assert.ok(sawRuns, `no run files appeared; stderr: ${stderr}`);
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.kill('SIGTERM');
  const { code, signal } = await exit;
  assert.ok(signal === 'SIGTERM' || code === 143, `code ${code} signal ${signal}`);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true, force: true });
});
