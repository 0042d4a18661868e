import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DataError } from '@ldt/errors';
import { parseChunk, Report, type Row, readRows } from '@ldt/ndjson';

const dir = mkdtempSync(join(tmpdir(), 'ldt-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: string | Buffer, ext = '.ndjson'): string {
  const p = join(dir, `f${n++}${ext}`);
  writeFileSync(p, content);
  return p;
}
const noStdin = Readable.from([]);

async function readAll(inputs: string[], opts: Partial<Parameters<typeof readRows>[1]> = {}): Promise<Row[]> {
  const out: Row[] = [];
  for await (const batch of readRows(inputs, { stdin: noStdin, ...opts })) out.push(...batch);
  return out;
}

async function readError(inputs: string[], opts: Partial<Parameters<typeof readRows>[1]> = {}): Promise<DataError> {
  try {
    await readAll(inputs, opts);
  } catch (e) {
    assert.ok(e instanceof DataError, `expected DataError, got ${e}`);
    return e;
  }
  assert.fail('expected an error');
}

test('reads objects with 1-based line numbers and keeps the raw line', async () => {
  const rows = await readAll([file('{"a":1}\n{"b":"x"}\n')]);
  assert.deepEqual(
    rows.map((r) => [r.value, r.line, r.raw]),
    [
      [{ a: 1 }, 1, '{"a":1}'],
      [{ b: 'x' }, 2, '{"b":"x"}'],
    ],
  );
});

test('U+2028, U+2029 and U+0085 inside strings are not line ends', async () => {
  const content = '{"t":"a\u2028b\u2029c\u0085d"}\n{"n":2}\n';
  const rows = await readAll([file(content)]);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].value.t, 'a\u2028b\u2029c\u0085d');
  assert.equal(rows[1].line, 2);
});

test('a lone \\r is JSON white space, not a line end; CRLF is accepted', async () => {
  const rows = await readAll([file('{"c":\r2}\r\n{"d":3}\r\n')]);
  assert.deepEqual(
    rows.map((r) => r.value),
    [{ c: 2 }, { d: 3 }],
  );
  assert.equal(rows[0].raw, '{"c":\r2}');
  assert.equal(rows[1].raw, '{"d":3}');
});

test('a UTF-8 BOM on line 1 is accepted', async () => {
  const rows = await readAll([file('\ufeff{"a":1}\n{"b":2}\n')]);
  assert.deepEqual(
    rows.map((r) => r.value),
    [{ a: 1 }, { b: 2 }],
  );
  assert.equal(rows[0].raw, '{"a":1}');
});

test('BOM split across tiny read chunks is still recognised', async () => {
  const rows = await readAll([file('\ufeff{"a":1}\n')], { chunkSize: 1 });
  assert.deepEqual(
    rows.map((r) => r.value),
    [{ a: 1 }],
  );
});

test('blank and white-space-only lines are skipped and counted', async () => {
  const report = new Report();
  const rows = await readAll([file('{"a":1}\n\n   \n\t\r\n{"b":2}\n\n')], { counts: report.counts });
  assert.equal(rows.length, 2);
  assert.equal(rows[1].line, 5);
  assert.equal(report.counts.blank, 4);
  assert.equal(report.counts.lines, 2);
});

test('last line without a newline is read', async () => {
  const rows = await readAll([file('{"a":1}\n{"b":2}')]);
  assert.equal(rows.length, 2);
});

test('output does not depend on the read chunk size', async () => {
  const lines = [];
  for (let i = 0; i < 200; i++) lines.push(JSON.stringify({ i, t: 'é€😀'.repeat(i % 7), s: '\u2028' }));
  const p = file(`\ufeff${lines.join('\r\n')}\n`);
  const ref = await readAll([p]);
  for (const chunkSize of [1, 2, 3, 7, 64, 1000]) {
    const got = await readAll([p], { chunkSize });
    assert.deepEqual(got, ref, `chunkSize ${chunkSize}`);
  }
  assert.equal(ref.length, 200);
});

test('invalid UTF-8 is an error with the line number, never U+FFFD', async () => {
  const p = file(Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
  const e = await readError([p]);
  assert.deepEqual(e.position, { file: p, line: 2 });
  assert.match(e.message, /invalid UTF-8 at byte 7 of the line/);
});

test('truncated multi-byte sequences and UTF-16 surrogates encoded in UTF-8 are invalid', async () => {
  for (const bad of [[0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
    const p = file(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}\n')]));
    const e = await readError([p]);
    assert.equal(e.position?.line, 1);
  }
});

test('with a rejector, bad lines go there verbatim and reading continues', async () => {
  const bad = Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff]), Buffer.from('"}')]);
  const p = file(Buffer.concat([Buffer.from('{"a":1}\n[1,2]\n'), bad, Buffer.from('\r\n{"a":\n"str"\n{"b":2}\n')]));
  const rejected: [string, string | Buffer, number][] = [];
  const rows = await readAll([p], {
    rejector: { reject: (reason, raw, pos) => rejected.push([reason, raw, pos.line]) },
  });
  assert.deepEqual(
    rows.map((r) => [r.value, r.line]),
    [
      [{ a: 1 }, 1],
      [{ b: 2 }, 6],
    ],
  );
  assert.deepEqual(rejected, [
    ['not_object', '[1,2]', 2],
    ['invalid_utf8', bad, 3],
    ['bad_json', '{"a":', 4],
    ['not_object', '"str"', 5],
  ]);
});

test('a line that is not an object names what it got', async () => {
  const e = await readError([file('{"a":1}\n[1,2,3]\n')]);
  assert.equal(e.message, 'expected a JSON object, got an array');
  assert.equal(e.position?.line, 2);
  const e2 = await readError([file('42\n')]);
  assert.equal(e2.message, 'expected a JSON object, got a number ("42")');
});

test('a pretty-printed JSON file gives a positioned error with a hint', async () => {
  const e = await readError([file('[\n  {\n    "a": 1\n  }\n]\n')]);
  assert.equal(e.position?.line, 1);
  assert.match(e.message, /^invalid JSON/);
  assert.match(e.hint ?? '', /pretty-printed/);
  const e2 = await readError([file('{\n  "a": 1\n}\n')]);
  assert.equal(e2.position?.line, 1);
  assert.match(e2.message, /^invalid JSON/);
  assert.match(e2.hint ?? '', /jq -c/);
});

test('invalid JSON reports a column and does not echo the line', async () => {
  const e = await readError([file('{"a": tru}\n')]);
  assert.equal(e.message, "invalid JSON: unexpected token '}'");
  const e2 = await readError([file('{"a":1,}\n')]);
  assert.match(e2.message, /^invalid JSON: .* at column 8$/);
  assert.ok(!e2.message.includes('{"a"'));
});

test('.gz and .zst inputs are decompressed by extension; stdin is sniffed', async () => {
  const text = '{"a":1}\n{"b":"é"}\n';
  const gz = file(gzipSync(text), '.ndjson.gz');
  // Committed fixtures, made with `zstd` 1.5 and `gzip -n` from the same two lines.
  const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
  const expect = [{ a: 1 }, { b: 'é' }];
  assert.deepEqual(
    (await readAll([gz])).map((r) => r.value),
    expect,
  );
  assert.deepEqual(
    (await readAll([join(fixtures, 'small.ndjson.zst')])).map((r) => r.value),
    expect,
  );
  assert.deepEqual(
    (await readAll([join(fixtures, 'small.ndjson.gz')])).map((r) => r.value),
    expect,
  );
  const zst = readFileSync(join(fixtures, 'small.ndjson.zst'));
  const truncated = file(zst.subarray(0, zst.length - 4), '.zst');
  assert.match((await readError([truncated])).message, /zstd/);
  // Corrupt data is an error, never a hang (zstddec's streaming loop does not check zstd's error codes).
  const garbage = file(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), '.zst');
  assert.match((await readError([garbage])).message, /corrupt/);
  const altered = Buffer.from(zst);
  altered[6] ^= 0xff;
  altered[10] ^= 0xff;
  assert.match((await readError([file(altered, '.zst')])).message, /zstd/);
  const stdinZst: Row[] = [];
  for await (const b of readRows(['-'], { stdin: Readable.from([zst]) })) stdinZst.push(...b);
  assert.deepEqual(
    stdinZst.map((r) => r.value),
    expect,
  );
  const stdinGz = Readable.from([gzipSync(text)]);
  const rows: Row[] = [];
  for await (const b of readRows(['-'], { stdin: stdinGz })) rows.push(...b);
  assert.deepEqual(
    rows.map((r) => [r.value, r.file]),
    [
      [{ a: 1 }, '<stdin>'],
      [{ b: 'é' }, '<stdin>'],
    ],
  );
});

test('corrupt gzip is a DataError naming the file', async () => {
  const good = gzipSync('{"a":1}\n'.repeat(1000));
  const p = file(good.subarray(0, good.length - 20), '.gz');
  const e = await readError([p]);
  assert.match(e.message, /gzip/);
});

test('a missing file is a DataError', async () => {
  const e = await readError([join(dir, 'nope.ndjson')]);
  assert.match(e.message, /cannot read .*nope.ndjson: no such file/);
});

test('several inputs keep their own names and line numbers', async () => {
  const a = file('{"a":1}\n');
  const b = file('{"b":1}\n{"b":2}\n');
  const rows = await readAll([a, b]);
  assert.deepEqual(
    rows.map((r) => [r.file, r.line]),
    [
      [a, 1],
      [b, 1],
      [b, 2],
    ],
  );
});

test('a line longer than the limit is a clear error', async () => {
  const e = await readError([file(`{"a":"${'x'.repeat(5000)}"}\n`)], { maxLineBytes: 1000, chunkSize: 100 });
  assert.match(e.message, /longer than 1000 bytes/);
});

test('parseChunk gives the rows of decoding the whole chunk and splitting the text (random rows: multibyte, CRLF, blank lines, escapes)', () => {
  let seed = 5;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const pieces = ['a', 'é', '€', '😀', '\\"', '\\\\', '\\u00e9', '\\n', '\\r', '\u2028', ' ', '12345678901234567890'];
  for (let round = 0; round < 20; round++) {
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = rand(10);
      if (r === 0) lines.push(rand(2) === 0 ? '' : ' \t ');
      else {
        let s = '';
        for (let k = rand(40); k > 0; k--) s += pieces[rand(pieces.length)];
        const meta = r === 1 ? ',"meta":{"x":1}' : '';
        lines.push(`{"text":"${s}"${meta}}${rand(4) === 0 ? '\r' : ''}`);
      }
    }
    const text = `${lines.join('\n')}${rand(2) === 0 ? '\n' : ''}`;
    const counts = { lines: 0, blank: 0 };
    const got = parseChunk({ buf: Buffer.from(text), file: 'f', firstLine: 7 }, counts);
    const want: { raw: string; line: number }[] = [];
    let blank = 0;
    text.split('\n').forEach((l, i, all) => {
      if (i === all.length - 1 && l === '') return;
      const raw = l.endsWith('\r') ? l.slice(0, -1) : l;
      if (raw.trim() === '') blank++;
      else want.push({ raw, line: 7 + i });
    });
    assert.deepEqual(
      got.map((r) => ({ raw: r.raw, line: r.line })),
      want,
      `round ${round}`,
    );
    assert.deepEqual(
      got.map((r) => r.value),
      want.map((w) => JSON.parse(w.raw)),
    );
    assert.equal(counts.blank, blank);
    assert.equal(counts.lines, want.length);
  }
});
