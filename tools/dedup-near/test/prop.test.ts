// Property tests (issue 13) of dedup-near's parsers of untrusted input, through its command line
// (in-process): the index file (`--index`) and the sign files of `cluster`. Mutated bytes give a
// clean error (exit 1 or 2, a message naming the file), never an internal error.
// FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/dedup-near';
import { xxh64Stream } from '@ldt/hash';
import { fcParams, runInProcess, tmpDir } from '@ldt/testkit';
import fc from 'fast-check';

const dir = tmpDir('ldt-dedup-near-prop-');
const input = join(dir, 'in.ndjson');
writeFileSync(
  input,
  `${Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `the quick brown fox jumps over the lazy dog number ${i % 20} again and again` })).join('\n')}\n`,
);
const idx = join(dir, 'idx');
const saved = await runInProcess(main, ['--save-index', idx, input]);
assert.equal(saved.code, 0, saved.stderr);
const INDEX = readFileSync(idx);
const signed = await runInProcess(main, ['sign', input]);
assert.equal(signed.code, 0, signed.stderr);
const SIGN = Buffer.from(signed.stdout);

/** What no run may print. */
function assertClean(r: { code: number; stderr: string }, file: string): void {
  assert.doesNotMatch(r.stderr, /internal error|This is a bug/, r.stderr);
  assert.ok(r.code === 0 || r.code === 1 || r.code === 2, `exit ${r.code}`);
  if (r.code !== 0) assert.ok(r.stderr.includes(file), `the message names ${file}: ${r.stderr}`);
}

const edit = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), bytes: fc.constant(new Uint8Array()) }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);
function apply(src: Uint8Array, edits: { kind: 'set' | 'cut' | 'add'; at: number; bytes: Uint8Array }[], region?: [number, number]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const e of edits) {
    const [lo, hi] = region ?? [0, b.length];
    const at = hi <= lo ? lo : lo + (e.at % (hi - lo));
    if (e.kind === 'set') for (let i = 0; i < e.bytes.length && at + i < b.length; i++) b[at + i] = e.bytes[i];
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else b = Uint8Array.from([...b.subarray(0, at), ...e.bytes, ...b.subarray(at)]);
  }
  return b;
}
function resum(b: Uint8Array): Uint8Array {
  if (b.length < 8) return b;
  const h = xxh64Stream();
  h.update(b.subarray(0, b.length - 8));
  const out = Uint8Array.from(b);
  out.set(h.digest(), b.length - 8);
  return out;
}

test('index loader: mutated index files (raw, or with the checksum made right again) are a clean error or load', async () => {
  const hlen = INDEX.readUInt32LE(12);
  const header = fc.oneof(
    fc.constant(INDEX.toString('utf8', 16, 16 + hlen)),
    fc.json(),
    fc.json().map((j) => INDEX.toString('utf8', 16, 16 + hlen).replace(/"rows_saved":\d+/, `"rows_saved":${j}`)),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), header, async (edits, fixSum, h) => {
      let b: Uint8Array;
      if (fixSum) {
        const head = Buffer.from(h);
        const pre = Buffer.from(INDEX.subarray(0, 16));
        pre.writeUInt32LE(head.length, 12);
        const body = apply(INDEX.subarray(16 + hlen, INDEX.length - 8), edits);
        b = resum(Buffer.concat([pre, head, body, Buffer.alloc(8)]));
      } else b = apply(INDEX, edits);
      const p = join(dir, 'mutated.idx');
      writeFileSync(p, b);
      assertClean(await runInProcess(main, ['--index', p, input]), p);
    }),
    fcParams('dedup-near index', 50),
  );
});

test('sign files: mutated lines of a sign file are a clean error in cluster, or cluster', async () => {
  const firstNl = SIGN.indexOf(10);
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), async (edits, headerToo) => {
      const b = apply(SIGN, edits, headerToo ? undefined : [firstNl + 1, SIGN.length]);
      const p = join(dir, 'mutated.sign');
      writeFileSync(p, b);
      assertClean(await runInProcess(main, ['cluster', p]), p);
    }),
    fcParams('dedup-near sign file bytes', 50),
  );
});

test('sign files: records with any JSON in each field are a clean error in cluster, or cluster', async () => {
  const lines = SIGN.toString('utf8').trimEnd().split('\n');
  const rec = JSON.parse(lines[1]) as Record<string, unknown>;
  const fields = [...Object.keys(rec), 'params'];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), fc.nat(lines.length - 1), async (field, value, at) => {
      const parsed = JSON.parse(lines[at]) as Record<string, unknown>;
      if (at === 0 && field !== 'params') parsed.dedup_near_sign = value;
      else if (field === 'params' && at === 0) (parsed.params as Record<string, unknown>)[Object.keys(parsed.params as object)[0]] = value;
      else parsed[field] = value;
      const out = [...lines];
      out[at] = JSON.stringify(parsed);
      const p = join(dir, 'edited.sign');
      writeFileSync(p, `${out.join('\n')}\n`);
      assertClean(await runInProcess(main, ['cluster', p]), p);
    }),
    fcParams('dedup-near sign file fields', 60),
  );
});

test('sign files: a header without params, or with params no sign run writes, is a clean error (found by a long run)', async () => {
  const lines = SIGN.toString('utf8').trimEnd().split('\n');
  const head = JSON.parse(lines[0]) as { params: Record<string, unknown> };
  for (const [params, says] of [
    [undefined, /sign file header: no "params" object/],
    [{ ...head.params, num_perm: 1e9 }, /params\.num_perm is not an integer in \[2, 1024\]/],
    [{ ...head.params, bands: 200, rows: 200 }, /params\.bands x params\.rows is more than params\.num_perm/],
  ] as const) {
    const p = join(dir, 'params.sign');
    writeFileSync(p, `${[JSON.stringify({ dedup_near_sign: 1, params }), ...lines.slice(1)].join('\n')}\n`);
    const r = await runInProcess(main, ['cluster', p]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, says);
    assert.match(r.stderr, /params\.sign:1: /);
  }
});

test('sign files: a record whose set is not whole 4-byte hashes is a clean error (found by a long run)', async () => {
  const lines = SIGN.toString('utf8').trimEnd().split('\n');
  const rec = JSON.parse(lines[1]) as Record<string, unknown>;
  rec.set = '++';
  const p = join(dir, 'set.sign');
  writeFileSync(p, `${[lines[0], JSON.stringify(rec), ...lines.slice(2)].join('\n')}\n`);
  const r = await runInProcess(main, ['cluster', p]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /set\.sign:2: expected a dedup-near sign record/);
});

test('sign files: an empty sign file is an error naming it (found by a long run)', async () => {
  const p = join(dir, 'empty.sign');
  writeFileSync(p, '');
  const r = await runInProcess(main, ['cluster', p]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^dedup-near cluster: \S*empty\.sign: no sign file header \(no rows\)\n/);
});
