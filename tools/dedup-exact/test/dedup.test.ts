import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { ExactDedup, keyText } from '@ldt/dedup-exact';
import { DataError } from '@ldt/errors';
import { Prng } from '@ldt/hash';
import { LineWriter, Report, type Row, readLineChunks, readRows } from '@ldt/ndjson';
import { contractViolations, parsePaths } from '@ldt/schema';
import { tmpDir } from '@ldt/testkit';

function rows(...values: Record<string, unknown>[]): Row[] {
  return values.map((value, i) => ({ value: value as Row['value'], raw: JSON.stringify(value), file: 'in.ndjson', line: i + 1 }));
}

function run(input: Row[], opts: Partial<ConstructorParameters<typeof ExactDedup>[0]> = {}, report = new Report()) {
  const d = new ExactDedup({ key: { mode: 'auto' }, normalize: 'none', emitDups: false, ...opts });
  const out = d.filterRows(input, report).map((l) => JSON.parse(l));
  return { out, report, d };
}

test('keeps the first occurrence and drops later ones, counting them', () => {
  const { out, report } = run(rows({ text: 'a', n: 1 }, { text: 'b' }, { text: 'a', n: 2 }));
  assert.deepEqual(
    out.map((r) => r.n ?? r.text),
    [1, 'b'],
  );
  assert.equal(report.written, 2);
  assert.deepEqual([...report.dropped], [['duplicate', 1]]);
});

test('writes meta.content_hash (32 hex digits) and keeps the record contract', () => {
  const input = rows({ messages: [{ role: 'user', content: 'hi' }], id: 7, meta: { source: 's' } });
  const { out } = run(structuredClone(input));
  assert.match(out[0].meta.content_hash, /^[0-9a-f]{32}$/);
  assert.deepEqual(contractViolations(input[0].value, out[0], ['content_hash']), []);
});

test('the default key is messages for chat rows, text for text rows, else the row without meta', () => {
  assert.equal(keyText({ messages: [{ role: 'user', content: 'x' }], id: 1 }, { mode: 'auto' }, 'none'), '[{s7:contents1:xs4:roles4:user}]');
  assert.equal(keyText({ text: 'doc', id: 1 }, { mode: 'auto' }, 'none'), 'doc');
  assert.equal(keyText({ q: 'x', meta: { content_hash: 'z' } }, { mode: 'auto' }, 'none'), '{s1:qs1:x}');
  const { out } = run(rows({ id: 1, messages: [{ role: 'user', content: 'x' }] }, { id: 2, messages: [{ content: 'x', role: 'user' }] }));
  assert.equal(out.length, 1, 'same messages with other ids and key order are duplicates');
});

test('a row differing only in meta is a duplicate', () => {
  const { out } = run(rows({ q: 'x' }, { q: 'x', meta: { source: 'other' } }));
  assert.equal(out.length, 1);
});

test('--normalize decides what counts as the same text', () => {
  const input = () => rows({ text: 'Hello  World' }, { text: ' hello world ' }, { text: 'Hello, world!' });
  assert.equal(run(input(), { normalize: 'none' }).out.length, 3);
  assert.equal(run(input(), { normalize: 'whitespace' }).out.length, 3);
  assert.equal(run(input(), { normalize: 'lower' }).out.length, 2);
  assert.equal(run(input(), { normalize: 'aggressive' }).out.length, 1);
});

test('--fields paths: nested fields, several paths, wildcards', () => {
  const key = (p: string) => ({ mode: 'paths' as const, paths: parsePaths(p) });
  assert.equal(run(rows({ a: { q: 'x' }, b: 1 }, { a: { q: 'x' }, b: 2 }), { key: key('a.q') }).out.length, 1);
  assert.equal(run(rows({ a: 'x', b: 1 }, { a: 'x', b: 2 }), { key: key('a,b') }).out.length, 2);
  const chat = (u: string, a: string) => ({
    messages: [
      { role: 'user', content: u, name: 'n1' },
      { role: 'assistant', content: a },
    ],
  });
  assert.equal(
    run(
      rows(chat('q', 'a'), {
        messages: [
          { role: 'user', content: 'q', name: 'other' },
          { role: 'assistant', content: 'a' },
        ],
      }),
      { key: key('messages.*.content') },
    ).out.length,
    1,
  );
});

test('a missing key path is a positioned error, or a reject with --rejects', async () => {
  const key = { mode: 'paths' as const, paths: parsePaths('question') };
  assert.throws(
    () => run(rows({ question: 'x' }, { instruction: 'y' }), { key }),
    (e: unknown) => e instanceof DataError && e.message === 'row has no field "question"' && e.position?.line === 2 && /instruction/.test(e.hint ?? ''),
  );
  const rejected: string[] = [];
  const sink = new LineWriter(new Writable({ write: (c, _e, cb) => (rejected.push(c.toString()), cb()) }));
  const report = new Report({ rejects: sink });
  const { out } = run(rows({ question: 'x' }, { instruction: 'y' }), { key }, report);
  await report.flushSinks();
  assert.equal(out.length, 1);
  assert.deepEqual([...report.rejected], [['missing_key', 1]]);
  assert.deepEqual(rejected, ['{"instruction":"y"}\n']);
});

test('references (--against) with another key path drop matches and name the reference line', () => {
  const d = new ExactDedup({ key: { mode: 'paths', paths: parsePaths('extra_info.question') }, normalize: 'none', emitDups: true });
  d.addReferences(rows({ question: 'Q1', answer: 'a' }, { question: 'Q2', answer: 'b' }), { mode: 'paths', paths: parsePaths('question') });
  const dups: string[] = [];
  const report = new Report({ drops: { push: (l: string) => dups.push(l) } as unknown as LineWriter });
  const out = d.filterRows(rows({ extra_info: { question: 'Q2' } }, { extra_info: { question: 'Q3' } }), report);
  assert.equal(out.length, 1);
  assert.deepEqual([...report.dropped], [['in_reference', 1]]);
  assert.equal(JSON.parse(dups[0]).meta.dup_of, 'in.ndjson:2');
});

test('dups carry meta.dup_of = the content hash of the kept row', () => {
  const dups: string[] = [];
  const report = new Report({ drops: { push: (l: string) => dups.push(l) } as unknown as LineWriter });
  const { out } = run(rows({ text: 'a' }, { text: 'a', n: 2 }), { emitDups: true }, report);
  const dup = JSON.parse(dups[0]);
  assert.equal(dup.meta.dup_of, out[0].meta.content_hash);
  assert.equal(dup.n, 2);
});

test('a loaded index drops rows as in_index and is not merged into this run', () => {
  const first = run(rows({ text: 'a' }, { text: 'b' }));
  const d = new ExactDedup({ key: { mode: 'auto' }, normalize: 'none', emitDups: false });
  d.index = first.d.seen;
  const report = new Report();
  const out = d.filterRows(rows({ text: 'b' }, { text: 'c' }, { text: 'c' }), report);
  assert.equal(out.length, 1);
  assert.deepEqual([...report.dropped].sort(), [
    ['duplicate', 1],
    ['in_index', 1],
  ]);
  assert.equal(d.seen.size, 1);
});

test('dedup is idempotent and a function of its input (property, seed 7)', () => {
  const prng = new Prng(7);
  const input = Array.from({ length: 2000 }, () => ({ text: `t${prng.nextInt(500)}`, x: prng.nextInt(3) }));
  const once = run(rows(...input)).out;
  const strip = (r: Record<string, unknown>) => {
    const { meta: _m, ...rest } = r;
    return rest;
  };
  const twice = run(rows(...once.map(strip))).out;
  assert.deepEqual(twice, once);
  assert.equal(once.length, new Set(input.map((r) => r.text)).size);
  assert.deepEqual(run(rows(...input)).out, once);
});

test('--fields line keeps raw bytes, drops repeated lines, counts blank lines', async () => {
  const dir = tmpDir();
  const p = join(dir, 'in.ndjson');
  writeFileSync(p, '{"a": 1}\n{"a":1}\n\n{"a": 1}\r\n{"b":2}\n{"a": 1}');
  const d = new ExactDedup({ key: { mode: 'line' }, normalize: 'none', emitDups: false });
  const report = new Report();
  const parts: Buffer[] = [];
  for await (const chunk of readLineChunks([p], { stdin: Readable.from([]) })) parts.push(...d.filterLines(chunk, report));
  assert.equal(Buffer.concat(parts).toString(), '{"a": 1}\n{"a":1}\n{"b":2}\n');
  assert.equal(report.counts.blank, 1);
  assert.equal(report.counts.lines, 5);
  assert.deepEqual([...report.dropped], [['duplicate', 2]]);
});

test('output does not depend on the read chunk size', async () => {
  const dir = tmpDir();
  const p = join(dir, 'in.ndjson');
  const prng = new Prng(3);
  writeFileSync(p, Array.from({ length: 300 }, () => JSON.stringify({ text: `é${prng.nextInt(100)}😀` })).join('\n'));
  const outputs: string[] = [];
  for (const chunkSize of [7, 100, 1 << 20]) {
    const d = new ExactDedup({ key: { mode: 'auto' }, normalize: 'none', emitDups: false });
    const report = new Report();
    const lines: string[] = [];
    for await (const batch of readRows([p], { stdin: Readable.from([]), chunkSize })) lines.push(...d.filterRows(batch, report));
    outputs.push(lines.join('\n'));
  }
  assert.equal(outputs[0], outputs[1]);
  assert.equal(outputs[1], outputs[2]);
});

test('prepareChunk: rows copied as bytes around meta.content_hash give the bytes of re-encoding the edited lines (random rows: meta or not, escapes, big numbers, non-ASCII, CRLF)', async () => {
  const { prepareChunk, prepareRows, keySpecOf } = await import('@ldt/dedup-exact');
  const { parseChunk } = await import('@ldt/ndjson');
  let seed = 7;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const words = ['plain', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', '€', 'a\\nb'];
  const text = () => Array.from({ length: 1 + rand(6) }, () => words[rand(words.length)]).join(' ');
  const metas = [
    '',
    ',"meta":{"source":"s"}',
    ', "meta" : { "n": 12345678901234567890 } ',
    ',"meta":{"x":1.0},"after":"é"',
    ',"meta":{"content_hash":"old"}',
    // Where the byte scanner gives way to the text form: meta twice, another key twice, an escaped key.
    ',"meta":{"a":1},"meta":{"b":2}',
    ',"meta":{"a":1},"big":3',
    ',"m\\u0065ta":{"a":"é"}',
  ];
  const rows: string[] = [];
  for (let i = 0; i < 300; i++)
    rows.push(`{"text":"${text()}","big":${rand(2) ? '12345678901234567890' : '1.50'}${metas[rand(metas.length)]}}${rand(3) === 0 ? '\r' : ''}${rand(5) === 0 ? '  ' : ''}`);
  const buf = new Uint8Array(Buffer.from(`${rows.join('\n')}\n`));
  const cfg = { keyPaths: undefined, normalize: 'none' as const, keepRaw: false };
  const viaBytes = prepareChunk({ buf, file: 'f', firstLine: 1 }, { ...cfg, asBytes: true });
  const got = Buffer.from(viaBytes.out).toString('utf8').split('\n').slice(0, -1);
  assert.equal(got.length, rows.length);
  // The string path (rows without their bytes, lines re-encoded) gives the same lines.
  const counts = { lines: 0, blank: 0 };
  const plain = parseChunk({ buf: Buffer.from(buf), file: 'f', firstLine: 1 }, counts);
  const viaStrings = prepareRows(plain, 'f', counts, [], keySpecOf(undefined), 'none', false, false);
  assert.deepEqual(got, viaStrings.outLines);
  for (const [i, line] of got.entries()) {
    const v = JSON.parse(line);
    const input = JSON.parse(rows[i]);
    assert.match(v.meta.content_hash, /^[0-9a-f]{32}$/);
    delete v.meta.content_hash;
    delete input.meta?.content_hash;
    assert.deepEqual(v, { ...input, meta: { ...(input.meta ?? {}) } }, `row ${i}`);
    // Every byte outside meta as read: the big integers keep their digits.
    if (rows[i].includes('"big":12345678901234567890')) assert.ok(line.includes('"big":12345678901234567890'));
  }
});
