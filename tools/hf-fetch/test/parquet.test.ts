import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jsonValue, readParquet, readParquetMetadata, Stamp } from '@ldt/hf-fetch';
import { findTopLevelValue } from '@ldt/ndjson';
import { parseNdjson, sharedData } from '@ldt/testkit';
import { parse as parseCsv } from 'csv-parse/sync';
import { asyncBufferFromFile } from 'hyparquet';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

async function readAll(path: string, opts: { columns?: string[]; limit?: number } = {}): Promise<string[]> {
  const buf = await asyncBufferFromFile(path);
  const lines: string[] = [];
  for await (const batch of readParquet(buf, { display: path.slice(path.lastIndexOf('/') + 1), stamp: Stamp.none(), ...opts })) lines.push(...batch);
  return lines;
}

test('JSON for values JSON cannot hold: int64 beyond 2^53 exact, timestamps ISO, binary base64, NaN/Infinity as strings', async () => {
  const lines = await readAll(join(fixtures, 'types.parquet'));
  assert.deepEqual(lines, [
    '{"big":9007199254740993,"ts":"2024-01-02T03:04:05.678Z","bin":"AP8Q","x":"NaN"}',
    '{"big":-9223372036854775808,"ts":"1970-01-01T00:00:00.000Z","bin":"","x":"Infinity"}',
    '{"big":1,"ts":null,"bin":null,"x":1.5}',
  ]);
  assert.equal(jsonValue(new Map([['k', [1n, undefined]]])), '{"k":[1,null]}');
  assert.equal(jsonValue(Number.NEGATIVE_INFINITY), '"-Infinity"');
});

test('row groups one at a time: --limit stops inside a group; --columns keeps the order given', async () => {
  const path = join(fixtures, 'gsm8k-train.parquet');
  const md = await readParquetMetadata(await asyncBufferFromFile(path), 'x');
  assert.equal(md.row_groups.length, 6);
  const all = await readAll(path);
  assert.equal(all.length, 30);
  assert.deepEqual(await readAll(path, { limit: 7 }), all.slice(0, 7));
  const want = parseNdjson(readFileSync(join(fixtures, 'gsm8k-train.jsonl'), 'utf8'));
  assert.deepEqual(
    (await readAll(path, { columns: ['answer', 'question'] })).map((l) => JSON.parse(l)),
    want.map((r) => ({ answer: r.answer, question: r.question })),
  );
  await assert.rejects(readAll(path, { columns: ['nope'] }), /gsm8k-train\.parquet: no column "nope" in this parquet file/);
});

test('provenance: meta.source with the row index, meta.license', async () => {
  const buf = await asyncBufferFromFile(join(fixtures, 'gsm8k-test.parquet'));
  const lines: string[] = [];
  for await (const b of readParquet(buf, { display: 't', stamp: new Stamp('hf://datasets/o/n@abc/t.parquet?config=default&split=test', 'mit'), limit: 6 })) lines.push(...b);
  assert.deepEqual(JSON.parse(lines[5]).meta, { source: 'hf://datasets/o/n@abc/t.parquet?config=default&split=test#5', license: 'mit' });
});

const PT = 'parquet/parquet-testing';

test('parquet-testing conformance: every file reads completely or fails with a clear error naming it', async (t) => {
  const dir = sharedData(PT);
  if (!dir) return t.skip('../shared/data is absent');
  const failed: string[] = [];
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.parquet'))
    .sort()) {
    const path = join(dir, f);
    try {
      const md = await readParquetMetadata(await asyncBufferFromFile(path), f);
      const expected = md.row_groups.reduce((n, g) => n + Number(g.num_rows), 0);
      const lines = await readAll(path);
      assert.equal(lines.length, expected, `${f}: row count`);
      for (const l of lines) assert.equal(typeof JSON.parse(l), 'object', f);
    } catch (e) {
      const msg = (e as Error).message;
      if (e instanceof assert.AssertionError) throw e;
      assert.ok(msg.startsWith(`${f}: cannot read`), `${f}: unclear error: ${msg}`);
      failed.push(f);
    }
  }
  // Known failures, each with a clear message: a deliberately malformed file, and two hyparquet
  // limitations (a >2 GB string column chunk; an empty DataPageV2 that must not be decompressed).
  assert.deepEqual(failed, ['datapage_v2_empty_datapage.snappy.parquet', 'large_string_map.brotli.parquet', 'nation.dict-malformed.parquet']);
});

test('parquet-testing: values equal the *_expect.csv files, cell by cell (int64 exact)', async (t) => {
  const dir = sharedData(PT);
  if (!dir) return t.skip('../shared/data is absent');
  const expects = readdirSync(dir).filter((f) => f.endsWith('_expect.csv'));
  assert.ok(expects.length >= 4);
  for (const e of expects) {
    const pq = e.replace(/_expect\.csv$/, '.parquet');
    const rows = parseCsv(readFileSync(join(dir, e)), {
      cast: (v: string, ctx: { quoting: boolean; header: boolean }) => (v === '' && !ctx.quoting ? null : v),
    }) as (string | null)[][];
    const header = rows.shift() as string[];
    const lines = await readAll(join(dir, pq));
    assert.equal(lines.length, rows.length, pq);
    const md = await readParquetMetadata(await asyncBufferFromFile(join(dir, pq)), pq);
    const { parquetColumns } = await import('@ldt/hf-fetch');
    const cols = await parquetColumns(md);
    assert.equal(cols.length, header.length, pq);
    lines.forEach((line, i) => {
      cols.forEach((c, j) => {
        const span = findTopLevelValue(line, c);
        assert.ok(span, `${pq} row ${i}: no ${c}`);
        const text = line.slice(span[0], span[1]);
        const want = rows[i][j];
        const got = text === 'null' ? null : text.startsWith('"') ? JSON.parse(text) : text;
        assert.equal(got, want, `${pq} row ${i} column ${c}`);
      });
    });
  }
});

test('GSM8K: the verl parquet files hold the same questions and answers as the JSONL of the same split', async (t) => {
  for (const split of ['train', 'test']) {
    const pq = sharedData(`gsm8k/verl_gsm8k_${split}.parquet`);
    const jl = sharedData(`gsm8k/${split}.jsonl`);
    if (!pq || !jl) return t.skip('../shared/data is absent');
    const got = (await readAll(pq, { columns: ['extra_info'] })).map((l) => JSON.parse(l).extra_info);
    const want = parseNdjson(readFileSync(jl, 'utf8'));
    assert.equal(got.length, want.length);
    got.forEach((g, i) => {
      assert.equal(g.question, want[i].question, `${split} row ${i}`);
      assert.equal(g.answer, want[i].answer, `${split} row ${i}`);
      assert.equal(g.index, i);
    });
  }
});
