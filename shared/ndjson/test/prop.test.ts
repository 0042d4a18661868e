// Property tests (issue 13) of @ldt/ndjson's parsers of untrusted bytes: the line reader (any
// bytes — invalid UTF-8, CR, BOM — read in chunks of any size give the rows and rejects of a
// plain reference splitter; without --rejects the first bad line is the error, with file:line),
// and the span scanner and meta splice (the spliced line parses to the row with its new meta).
// FC_SEED / FC_RUNS / FC_TIME_MS as in @ldt/testkit's fcParams (which this package cannot import:
// testkit depends on @ldt/cli, which depends on this package), read here the same way.
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { DataError } from '@ldt/errors';
import {
  byteSpansInOrder,
  byteTopLevelValue,
  JSON_AMPERSAND,
  JSON_ESCAPE_URBF,
  JSON_NON_ASCII,
  JSON_OBJECT,
  JsonChecker,
  MAX_DEPTH,
  nestingDepth,
  readRows,
  serializeWithMeta,
  spansInOrder,
  topLevelSpans,
} from '@ldt/ndjson';
import fc from 'fast-check';

function params(name: string, runs: number) {
  const env = process.env;
  const seed = env.FC_SEED === 'random' ? (Math.random() * 2 ** 31) | 0 : Number(env.FC_SEED ?? 20261207) | 0;
  const t0 = Date.now();
  return {
    seed,
    numRuns: env.FC_RUNS ? Number(env.FC_RUNS) : runs,
    ...(env.FC_PATH ? { path: env.FC_PATH } : {}),
    ...(env.FC_TIME_MS ? { interruptAfterTimeLimit: Number(env.FC_TIME_MS), markInterruptAsFailure: false } : {}),
    reporter(d: fc.RunDetails<any>) {
      if (env.FC_LOG)
        writeFileSync(
          env.FC_LOG,
          `${JSON.stringify({ name, runs: d.numRuns, seed: d.seed, ms: Date.now() - t0, interrupted: d.interrupted, failed: d.failed, path: d.counterexamplePath, error: d.failed ? String(d.errorInstance).slice(0, 2000) : undefined })}\n`,
          { flag: 'a' },
        );
      if (d.failed)
        throw new Error(
          `property "${name}" failed after ${d.numRuns} runs (replay: FC_SEED=${d.seed} FC_PATH=${d.counterexamplePath})\n${fc.stringify(d.counterexample).slice(0, 3000)}\n${d.errorInstance instanceof Error ? d.errorInstance.stack : String(d.errorInstance)}`,
        );
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ldt-ndjson-prop-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const stdin = Readable.from([]);

// ---------------------------------------------------------------------------------------------
// The line reader against a reference splitter.

const enc = (s: string) => Buffer.from(s, 'utf8');
/** Pieces lines are made of: JSON rows and values, white space, CR, BOMs and bad UTF-8. */
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => enc(JSON.stringify(v))) },
  { weight: 4, arbitrary: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((v) => enc(JSON.stringify(v))) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\t', '\r', '{', '}', '"', ',', ':', '\\', '\ufeff', '\u2028', '[]', 'null', '{"a":1}', ' {"b":"\\u00e9"}').map(enc) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      Buffer.from([0xff]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xe2, 0x82]),
      Buffer.from([0x80]),
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from([0xf4, 0x90, 0x80, 0x80]),
    ),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)) },
);
const line = fc.array(piece, { maxLength: 4 }).map((ps) => Buffer.concat(ps).filter((b) => b !== 10));
const input = fc
  .record({ bom: fc.boolean(), lines: fc.array(line, { maxLength: 12 }), lastNewline: fc.boolean(), deep: fc.option(fc.nat(11), { nil: undefined }) })
  .map(({ bom, lines, lastNewline, deep }) => {
    const ls = lines.map((l) => Buffer.from(l));
    if (deep !== undefined && deep < ls.length) ls[deep] = enc(`{"d":${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}}`);
    const body = Buffer.concat(ls.flatMap((l, i) => (i < ls.length - 1 || lastNewline ? [l, enc('\n')] : [l])));
    return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
  });

interface Out {
  rows: { raw: string; line: number; value: unknown }[];
  rejects: { reason: string; raw: string; line: number }[];
  lines: number;
  blank: number;
}

function depth(text: string): number {
  let d = 0;
  let max = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++d);
    else if (c === ']' || c === '}') d--;
  }
  return max;
}

/** What the reader must give: split on \n, a BOM only at the very start, one trailing \r stripped. */
function reference(bytes: Buffer): Out {
  const out: Out = { rows: [], rejects: [], lines: 0, blank: 0 };
  let b = bytes;
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, start)) {
    parts.push(b.subarray(start, i));
    start = i + 1;
  }
  if (start < b.length) parts.push(b.subarray(start));
  for (const [i, p0] of parts.entries()) {
    const line = i + 1;
    const p = p0.length > 0 && p0[p0.length - 1] === 13 ? p0.subarray(0, -1) : p0;
    if (!isUtf8(p0)) {
      out.lines++;
      out.rejects.push({ reason: 'invalid_utf8', raw: p.toString('latin1'), line });
      continue;
    }
    const raw = p.toString('utf8');
    if (/^[ \t\r]*$/.test(raw)) {
      out.blank++;
      continue;
    }
    out.lines++;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      out.rejects.push({ reason: 'bad_json', raw, line });
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) out.rejects.push({ reason: 'not_object', raw, line });
    else if (depth(raw) > MAX_DEPTH) out.rejects.push({ reason: 'too_deep', raw, line });
    else out.rows.push({ raw, line, value: v });
  }
  return out;
}

async function read(file: string, chunkSize: number, withRejects: boolean): Promise<Out> {
  const out: Out = { rows: [], rejects: [], lines: 0, blank: 0 };
  const counts = { lines: 0, blank: 0 };
  const rejector = {
    reject(reason: string, raw: string | Buffer, pos: { line?: number }) {
      out.rejects.push({ reason, raw: typeof raw === 'string' ? raw : raw.toString('latin1'), line: pos.line ?? -1 });
    },
  };
  for await (const batch of readRows([file], { stdin, chunkSize, counts, rejector: withRejects ? rejector : undefined }))
    for (const r of batch) out.rows.push({ raw: r.raw, line: r.line, value: r.value });
  out.lines = counts.lines;
  out.blank = counts.blank;
  return out;
}

test('line reader: any bytes in chunks of any size give the reference rows, rejects and counts; the first bad line is the error without rejects', async () => {
  const file = join(dir, 'in.ndjson');
  await fc.assert(
    fc.asyncProperty(input, fc.integer({ min: 1, max: 80 }), async (bytes, chunkSize) => {
      writeFileSync(file, bytes);
      const want = reference(bytes);
      assert.deepEqual(await read(file, chunkSize, true), want);
      try {
        const got = await read(file, chunkSize, false);
        assert.equal(want.rejects.length, 0, 'no error although a line is bad');
        assert.deepEqual(got.rows, want.rows);
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        assert.ok(want.rejects.length > 0, `an error for good input: ${e.message}`);
        assert.deepEqual([e.position?.file, e.position?.line], [file, want.rejects[0].line], e.message);
      }
    }),
    params('ndjson line reader', 60),
  );
});

// ---------------------------------------------------------------------------------------------
// The span scanner and the meta splice, over JSON texts written with odd spacing, escapes, big
// numbers, an existing meta and duplicate keys.

const ws = fc.constantFrom('', '', ' ', '\t', '  ', '\r', ' \n ');
const num = fc.oneof(fc.integer().map(String), fc.constantFrom('12345678901234567890', '1.0', '-0', '1e400', '-1.5E-7', '0.1', '9007199254740993'));
const str = fc.oneof(
  fc.string().map((s) => JSON.stringify(s)),
  fc.constantFrom('"\\u0041\\n\\"\\\\"', '"\\ud83d\\ude00"', '"}"', '"\\""', '"a\\\\"', '"{[\\"]}"'),
);
/** A JSON text (any spacing) of a value. */
const text: fc.Arbitrary<string> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, num, str, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc.tuple(fc.array(fc.tuple(ws, tie('value'), ws), { maxLength: 3 }), ws).map(([items, w]) => `[${w}${items.map(([a, v, b]) => `${a}${v}${b}`).join(',')}]`),
  object: fc
    .tuple(fc.array(fc.tuple(ws, fc.oneof(str, fc.constantFrom('"meta"', '"m\\u0065ta"', '"a"')), ws, ws, tie('value'), ws), { maxLength: 4 }), ws)
    .map(([members, w]) => `{${w}${members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`),
})).object as fc.Arbitrary<string>;

test('span scanner: every top-level span is the text of that key value; spansInOrder agrees on text and bytes', () => {
  fc.assert(
    fc.property(text, (t) => {
      const value = JSON.parse(t) as Record<string, unknown>;
      const spans = topLevelSpans(t);
      if (spans) {
        assert.deepEqual([...spans.keys()].sort(), Object.keys(value).sort());
        for (const [k, [s, e]] of spans) assert.deepEqual(JSON.parse(t.slice(s, e)), value[k], `span of ${k}`);
      }
      const keys = Object.keys(value);
      const inOrder = spansInOrder(t, keys);
      if (inOrder) for (let j = 0; j < keys.length; j++) assert.deepEqual(JSON.parse(t.slice(inOrder[2 * j], inOrder[2 * j + 1])), value[keys[j]]);
      const bytes = Buffer.from(t, 'utf8');
      const b = byteSpansInOrder(bytes, keys);
      if (b) for (let j = 0; j < keys.length; j++) assert.deepEqual(JSON.parse(bytes.subarray(b[2 * j], b[2 * j + 1]).toString('utf8')), value[keys[j]]);
      // The byte form of topLevelSpans(t).get(key): the same span (in bytes), or undefined only where the text form is or a key has an escape.
      for (const key of ['meta', 'a']) {
        const bs = byteTopLevelValue(bytes, key);
        const ts = spans?.get(key);
        if (bs) assert.ok(ts, `byte span of ${key} where the text form has none`);
        if (ts) {
          if (!bs) assert.ok(/"[^"]*\\/.test(t), `no byte span of ${key} in a text without escaped keys`);
          else assert.deepEqual(bs, [Buffer.byteLength(t.slice(0, ts[0])), Buffer.byteLength(t.slice(0, ts[1]))]);
        }
      }
    }),
    params('span scanner', 400),
  );
});

test('meta splice: the spliced line parses to the row with its new meta, and keeps the bytes before meta', () => {
  fc.assert(
    fc.property(text, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('', ' ', '\t', '\r'), (t, added, trail) => {
      const raw = `${t}${trail}`;
      const row = JSON.parse(raw) as Record<string, unknown>;
      const hadMeta = Object.hasOwn(row, 'meta');
      const old = row.meta;
      const meta = old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...(old as object), added } : { added };
      // meta is the tool's own and written by JSON.stringify (-0 becomes 0 there); the rest is as read.
      const want = { ...row, meta: JSON.parse(JSON.stringify(meta)) };
      row.meta = meta;
      const out = serializeWithMeta(raw, row as never, hadMeta);
      assert.deepEqual(JSON.parse(out), want);
      const span = topLevelSpans(raw)?.get('meta');
      if (hadMeta && span) assert.equal(out.slice(0, span[0]), raw.slice(0, span[0]), 'bytes before meta are kept');
    }),
    params('meta splice', 400),
  );
});

test('meta splice: a line with meta twice keeps every other value as written (found by the property above)', () => {
  const raw = '{"":1e400,"meta":12345678901234567890,"n":12345678901234567890,"meta":{"a":1}}';
  const row = JSON.parse(raw) as Record<string, unknown>;
  row.meta = { a: 1, b: 2 };
  assert.equal(serializeWithMeta(raw, row as never, true), '{"":1e400,"n":12345678901234567890,"meta":{"a":1,"b":2}}');
});

// ---------------------------------------------------------------------------------------------
// The JSON object check (jsoncheck.wat) against JSON.parse: a line passes exactly when JSON.parse
// gives an object nested at most MAX_DEPTH deep, and its flags say what its strings hold.

const checker = new JsonChecker();
/** What the check must say of `text`: JSON.parse's verdict, and the flags from the text itself. */
function expectedCheck(text: string): number {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 0;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || nestingDepth(text) > MAX_DEPTH) return 0;
  let f = JSON_OBJECT;
  // Outside strings a valid line holds only printable ASCII and JSON white space, so these are the strings'.
  if (/[\x7f-\uffff]/.test(text)) f |= JSON_NON_ASCII;
  if (/(?:^|[^\\])(?:\\\\)*\\[urbf]/.test(text)) f |= JSON_ESCAPE_URBF;
  if (text.includes('&')) f |= JSON_AMPERSAND;
  return f;
}
const space = fc.constantFrom('', ' ', '\t', '\r', '\n', '  ');
/** An object as JSON text, with white space between any two tokens. */
const objectText = fc
  .tuple(fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), { maxKeys: 5 }), fc.array(space, { minLength: 64, maxLength: 64 }))
  .map(([o, spaces]) => {
    let k = 0;
    return JSON.stringify(o).replace(/[{}[\],:]/g, (c) => `${spaces[k++ % 64]}${c}${spaces[k++ % 64]}`);
  });

test('JsonChecker passes exactly the lines JSON.parse reads as objects, with the flags of their strings', () => {
  fc.assert(
    fc.property(objectText, (text) => {
      assert.equal(checker.checkBytes(enc(text)), expectedCheck(text), text);
    }),
    params('jsoncheck-objects', 3000),
  );
  // Damaged lines: a few bytes inserted, deleted or replaced, from what JSON is made of.
  const damage = fc.tuple(
    objectText,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...'{}[],:"\\ 0123456789.eE+-tfnlrsuab\t\x01\x7fé&'.split(''))), {
      minLength: 1,
      maxLength: 4,
    }),
  );
  fc.assert(
    fc.property(damage, ([text, edits]) => {
      let s = text;
      for (const [at, op, c] of edits) {
        const i = s.length === 0 ? 0 : at % (s.length + (op === 'ins' ? 1 : 0));
        s = op === 'del' ? s.slice(0, i) + s.slice(i + 1) : op === 'ins' ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + c + s.slice(i + 1);
      }
      assert.equal(checker.checkBytes(enc(s)), expectedCheck(s), s);
    }),
    params('jsoncheck-damaged', 20000),
  );
});

test('JsonChecker on the edge cases of the grammar, on nesting and on every example file', () => {
  const cases = [
    '{}',
    ' {} ',
    '{"a":1}',
    '{"a":[1,2,{"b":null}],"c":true,"d":false}',
    '{"a":-0.5e+10,"b":0,"c":-0,"d":1E5,"e":12345678901234567890}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":1E+}',
    '{"a":0x1}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":"\\u00e9"}',
    '{"a":"\\u12G4"}',
    '{"a":"\\u12"}',
    '{"a":"\\x"}',
    '{"a":"\\/\\b\\f\\n\\r\\t\\"\\\\"}',
    '{"a":"tab\there"}',
    '{"a":"nl\nhere"}',
    '{"a":1,}',
    '{,}',
    '{"a" 1}',
    '{"a":1}x',
    '{"a":1}}',
    '{"a":1}{}',
    '[1]',
    '"x"',
    '1',
    'null',
    '',
    '   ',
    '{',
    '{"a',
    '{"a":"x"',
    '{"a":]}',
    '{"a":[}',
    '{"a":[]}',
    '{"a":[,]}',
    '{"a":[1 2]}',
    '{"a":tru}',
    '{"a":true1}',
    '{"a":nul}',
    '{"a":fals}',
    '{"a":1 2}',
    '{1:2}',
    "{'a':1}",
    '{"a":"é"}',
    '{"a":"\u2028\u2029"}',
    '{"é":1}',
    '{"a":"x\x7fy"}',
    '{"a":"a&b"}',
    '{"a&":1}',
    '{"a":"\\\\u"}',
    '{"a":"\\\\\\u0041"}',
    `{"a":"${'x'.repeat(40)}\\"${'y'.repeat(40)}"}`,
    `{"long":"${'abcdefghijklmnop'.repeat(100)}"}`,
    '\ufeff{}',
  ];
  for (const c of cases) assert.equal(checker.checkBytes(enc(c)), expectedCheck(c), JSON.stringify(c));
  // Lines longer than the module's first memory (128 KiB): it grows, and later short lines still check.
  const big = `{"a":"${'é\\n'.repeat(200_000)}","b":[${'1,'.repeat(100_000)}2]}`;
  assert.equal(checker.checkBytes(enc(big)), expectedCheck(big));
  assert.equal(checker.checkBytes(enc(`${big.slice(0, -2)}`)), 0);
  assert.equal(checker.checkBytes(enc('{"a":1}')), JSON_OBJECT);
  const deep = (n: number) => `{"a":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
  assert.equal(checker.checkBytes(enc(deep(MAX_DEPTH))), JSON_OBJECT);
  assert.equal(checker.checkBytes(enc(deep(MAX_DEPTH + 1))), 0);
  // Offsets into one loaded chunk, as the tools use it.
  const examples = new URL('../../../../examples/', import.meta.url);
  let lines = 0;
  for (const f of readdirSync(examples).filter((n) => n.endsWith('.ndjson'))) {
    const buf = readFileSync(new URL(f, examples));
    checker.load(buf);
    let start = 0;
    while (start < buf.length) {
      let end = buf.indexOf(10, start);
      if (end < 0) end = buf.length;
      const stop = end > start && buf[end - 1] === 13 ? end - 1 : end;
      assert.equal(checker.check(start, stop), expectedCheck(buf.toString('utf8', start, stop)), `${f}: ${buf.toString('utf8', start, Math.min(stop, start + 200))}`);
      lines++;
      start = end + 1;
    }
  }
  assert.ok(lines > 1000, `${lines} example lines`);
});

test('the built jsoncheck.wasm is its current source', async () => {
  const src = new URL('../../src/jsoncheck.wat', import.meta.url).pathname;
  const require = createRequire(import.meta.url);
  const wabt = await (
    require('wabt') as () => Promise<{ parseWat(n: string, t: string, f: object): { validate(): void; toBinary(o: object): { buffer: Uint8Array }; destroy(): void } }>
  )();
  const mod = wabt.parseWat(src, readFileSync(src, 'utf8'), { simd: true, bulk_memory: true });
  mod.validate();
  const fresh = Buffer.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  mod.destroy();
  assert.deepEqual(readFileSync(new URL('../src/jsoncheck.wasm', import.meta.url)), fresh, 'run the package build (scripts/build-wasm.mjs) after changing jsoncheck.wat');
});
