// Property tests (issue 13) of dedup-exact's parsers of untrusted input: canonical keys (equal
// values give equal keys whatever their key order; different values give different keys) and the
// index loader (a mutated index file is a clean error, never a crash, never a silently smaller
// set). FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { keyText, loadIndex, main } from '@ldt/dedup-exact';
import { LdtError } from '@ldt/errors';
import { xxh64Stream } from '@ldt/hash';
import { fcParams, runInProcess, tmpDir } from '@ldt/testkit';
import fc from 'fast-check';

/** The same value with the keys of every object in another order (by a seeded shuffle). */
function reorder(v: unknown, r: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(x, r));
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  for (let i = keys.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [keys[i], keys[j]] = [keys[j], keys[i]];
  }
  // fromEntries defines own properties: a "__proto__" key stays a key (an assignment would set the prototype).
  return Object.fromEntries(keys.map((k) => [k, reorder((v as Record<string, unknown>)[k], r)]));
}

/** JSON with object keys sorted: the reference for "the same value". */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${sortedJson((v as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Values as a JSON line gives them (strings with escapes and any code point, big and odd numbers). */
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const key = (v: unknown) => keyText({ x: v } as never, { mode: 'auto' }, 'none');

test('canonical keys: the same value in any key order gives the same key; different values give different keys', () => {
  fc.assert(
    fc.property(jsonValue, jsonValue, fc.integer(), (a, b, seed) => {
      let s = seed >>> 0;
      const r = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      assert.equal(key(reorder(a, r)), key(a), 'key order does not matter');
      assert.equal(key(JSON.parse(JSON.stringify(a))), key(a), 'a copy has the same key');
      assert.equal(key(a) === key(b), sortedJson(a) === sortedJson(b), `${sortedJson(a)} vs ${sortedJson(b)}`);
    }),
    fcParams('dedup-exact canonical keys', 300),
  );
});

// A real index, written by dedup-exact itself.
const dir = tmpDir('ldt-dedup-exact-prop-');
const input = join(dir, 'in.ndjson');
writeFileSync(input, `${Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `row ${i % 30}` })).join('\n')}\n`);
const idx = join(dir, 'idx');
const made = await runInProcess(main, ['--save-index', idx, input]);
assert.equal(made.code, 0, made.stderr);
const ORIGINAL = readFileSync(idx);
const EXPECT = { key_mode: 'json', normalize: JSON.parse(ORIGINAL.toString('utf8', 16, 16 + ORIGINAL.readUInt32LE(12))).normalize as string };

/** Load `bytes` as an index: the key count, or the error (which must be one of ldt's). */
async function load(bytes: Uint8Array): Promise<number | LdtError> {
  const p = join(dir, 'mutated');
  writeFileSync(p, bytes);
  try {
    return (await loadIndex(p, EXPECT)).set.size;
  } catch (e) {
    if (e instanceof LdtError) return e;
    throw e;
  }
}

/** Edits of a file: bytes set, a cut, bytes appended. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), bytes: fc.constant(new Uint8Array()) }),
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);
function apply(src: Uint8Array, edits: { kind: 'set' | 'cut' | 'add'; at: number; bytes: Uint8Array }[]): Uint8Array {
  let b = Uint8Array.from(src);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === 'set') for (let i = 0; i < e.bytes.length && at + i < b.length; i++) b[at + i] = e.bytes[i];
    else if (e.kind === 'cut') b = b.subarray(0, at);
    else b = Uint8Array.from([...b, ...e.bytes]);
  }
  return b;
}
/** The trailer an editor who knows the format would write (XXH3-64 of all bytes before it). */
function resum(b: Uint8Array): Uint8Array {
  if (b.length < 8) return b;
  const h = xxh64Stream();
  h.update(b.subarray(0, b.length - 8));
  const out = Uint8Array.from(b);
  out.set(h.digest(), b.length - 8);
  return out;
}

test('index loader: a mutated index is an error of ldt (never a crash); only the exact bytes load', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
      const b = apply(ORIGINAL, edits);
      const r = await load(b);
      if (typeof r === 'number') assert.ok(Buffer.from(b).equals(ORIGINAL), 'a changed index loaded');
    }),
    fcParams('dedup-exact index bytes', 150),
  );
});

test('index loader: edits with a correct checksum (the header as any JSON, keys, lengths) are an error of ldt or a consistent set', async () => {
  const hlen = ORIGINAL.readUInt32LE(12);
  const body = ORIGINAL.subarray(16 + hlen, ORIGINAL.length - 8);
  const header = fc.oneof(
    fc.json(),
    fc
      .record({
        tool: fc.constant('dedup-exact'),
        hash: fc.constant('xxh3-128'),
        key_mode: fc.constantFrom('json', 'line', 7),
        normalize: fc.constantFrom(EXPECT.normalize, 'none', null),
        keys: fc.oneof(fc.integer(), fc.double(), fc.constant(-1), fc.constant(2 ** 53), fc.string()),
      })
      .map((h) => JSON.stringify(h)),
  );
  await fc.assert(
    fc.asyncProperty(header, fc.array(edit, { maxLength: 2 }), fc.option(fc.nat(), { nil: undefined }), async (h, edits, hlenLie) => {
      const head = Buffer.from(h, 'utf8');
      const pre = Buffer.from(ORIGINAL.subarray(0, 16));
      pre.writeUInt32LE(hlenLie ?? head.length, 12);
      const keys = apply(body, edits);
      const b = resum(Buffer.concat([pre, head, keys, Buffer.alloc(8)]));
      const r = await load(b);
      if (typeof r === 'number') assert.equal(r, JSON.parse(h).keys, 'the set holds the keys the header counts');
    }),
    fcParams('dedup-exact index with checksum', 150),
  );
});

test('output lines are the full-parse lines (JSON.parse, meta.content_hash set, serializeWithMeta) on random rows, also where meta is extended as bytes', async () => {
  const { serializeWithMeta } = await import('@ldt/ndjson');
  const metaText = fc.oneof(
    fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((m) => JSON.stringify(m)),
    fc.constantFrom('{}', '{"content_hash":"x"}', '{ "a" : 1 }', '{"a":1.0}', '{"n":12345678901234567890}', '{"s":"\\u00e9"}', '{"b":1,"1":2}', '[]', '"m"'),
  );
  const row = fc
    .record({
      id: fc.nat(),
      text: fc.string({ unit: 'grapheme' }),
      meta: fc.option(metaText, { nil: undefined }),
      after: fc.boolean(),
      dup: fc.constantFrom('', '', ',"id":-1', ',"meta":{"z":1}'),
      space: fc.constantFrom('', ' ', '\t'),
      trail: fc.constantFrom('', ' ', '\r'),
    })
    .map(({ id, text, meta, after, dup, space, trail }) => {
      const members = [`"text":${JSON.stringify(text)}`, `${space}"id":${id}`];
      if (meta !== undefined) members.splice(after ? 1 : 2, 0, `"meta":${meta}`);
      return `{${members.join(',')}${dup}${space}}${trail}`;
    });
  await fc.assert(
    fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 30 }), async (rows) => {
      // Distinct rows (a duplicate would be dropped): the index as the last key of the text.
      const lines = rows.map((r, i) => r.replace('"text":"', `"text":"${i}:`));
      const input = `${lines.join('\n')}\n`;
      const raws = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
      const r = await runInProcess(main, ['--quiet', '--rejects', join(dir, 'rejects.ndjson')], { stdin: input });
      assert.equal(r.code, 0, r.stderr);
      const out = r.stdout.split('\n');
      assert.equal(out.pop(), '');
      let k = 0;
      for (const raw of raws) {
        const value = JSON.parse(raw) as Record<string, unknown>;
        const m = value.meta;
        if (m !== undefined && (m === null || typeof m !== 'object' || Array.isArray(m))) continue; // rejected (bad_meta)
        const line = out[k++];
        assert.ok(line !== undefined, `a line for ${raw}`);
        const hash = (JSON.parse(line) as { meta: { content_hash: string } }).meta.content_hash;
        if (m === undefined) value.meta = { content_hash: hash };
        else (m as Record<string, unknown>).content_hash = hash;
        assert.equal(line, serializeWithMeta(raw, value as never, m !== undefined), raw);
      }
      assert.equal(k, out.length);
    }),
    fcParams('dedup-exact output against the full parse', 100),
  );
});
