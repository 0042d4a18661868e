import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type Manifest, main } from '@ldt/manifest';
import { decompressZstd } from '@ldt/ndjson';
import { parseNdjson, repoRoot, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k, encode as o200kEncode } from 'gpt-tokenizer/encoding/o200k_base';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const mix = join(repoRoot(), 'examples', 'manifest-mix.ndjson');

async function build(args: string[], stdin?: string): Promise<{ dir: string; m: Manifest; stderr: string }> {
  const dir = join(tmpDir(), 'ds');
  const r = await runInProcess(main, ['build', '-o', dir, ...args], { stdin });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'build writes nothing to stdout');
  return { dir, m: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), stderr: r.stderr };
}

async function verify(dir: string) {
  return runInProcess(main, ['verify', dir]);
}

test('build then verify passes; the manifest lists every shard with rows, bytes and sha256', async () => {
  const { dir, m } = await build(['--shard-rows', '20', '--compress', 'zstd', mix]);
  assert.equal(m.totals.rows, 80);
  assert.deepEqual(
    m.partitions.map((p) => [p.name, p.rows, p.shards]),
    [
      ['split=test', 16, 1],
      ['split=train', 64, 4],
    ],
  );
  assert.deepEqual(
    m.shards.map((s) => s.path),
    [
      'split=test/part-00000.jsonl.zst',
      'split=train/part-00000.jsonl.zst',
      'split=train/part-00001.jsonl.zst',
      'split=train/part-00002.jsonl.zst',
      'split=train/part-00003.jsonl.zst',
    ],
  );
  for (const s of m.shards) assert.match(s.sha256, /^[0-9a-f]{64}$/);
  assert.equal(
    m.shards.reduce((a, s) => a + s.raw_bytes, 0),
    readFileSync(mix).length,
  );
  const r = await verify(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /verified 5 shards, dataset id sha256:[0-9a-f]{64}/);
});

test('verify names a flipped byte, a truncated, a deleted and an added shard', async () => {
  const { dir, m } = await build(['--shard-rows', '20', '--compress', 'none', mix]);
  const [a, b, c] = m.shards.map((s) => join(dir, s.path));
  const buf = readFileSync(a);
  buf[100] ^= 1;
  writeFileSync(a, buf);
  truncateSync(b, 50);
  rmSync(c);
  writeFileSync(join(dir, 'split=train', 'part-00099.jsonl'), '{"x":1}\n');
  const r = await verify(dir);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0], new RegExp(`^manifest: ${dir}/${m.shards[0].path}: altered: sha256 [0-9a-f]{64}, expected ${m.shards[0].sha256}$`));
  assert.match(lines[1], new RegExp(`^manifest: ${dir}/${m.shards[1].path}: truncated: 50 bytes, expected ${m.shards[1].stored_bytes}$`));
  assert.match(lines[2], new RegExp(`^manifest: ${dir}/${m.shards[2].path}: missing`));
  assert.match(lines[3], new RegExp(`^manifest: ${dir}/split=train/part-00099.jsonl: extra: not listed in manifest.json$`));
  assert.equal(lines[4], 'manifest: verify failed: 1 altered, 1 truncated, 1 missing, 1 extra; 2 of 5 shards are intact');
});

test('verify catches an altered shard of the same size inside a compressed frame, and an edited manifest', async () => {
  const { dir, m } = await build(['--compress', 'gzip', '--partition-by', 'meta.family', mix]);
  const p = join(dir, m.shards[1].path);
  const buf = readFileSync(p);
  buf[buf.length - 12] ^= 0x40;
  writeFileSync(p, buf);
  let r = await verify(dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /family=math\/part-00000\.jsonl\.gz: altered: sha256/);
  writeFileSync(p, buf.fill(0, 0, 0));
  const mf = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const good = readFileSync(join(dir, 'manifest.json'), 'utf8');
  mf.shards[0].sha256 = '0'.repeat(64);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(mf));
  r = await verify(dir);
  assert.match(r.stderr, /manifest\.json: altered: dataset_id/);
  writeFileSync(join(dir, 'manifest.json'), good);
});

test('the dataset id is stable across runs and changes with the data', async () => {
  const one = await build([mix]);
  const two = await build([mix]);
  assert.equal(one.m.dataset_id, two.m.dataset_id);
  assert.equal(readFileSync(join(one.dir, 'manifest.json'), 'utf8').replace(one.dir, ''), readFileSync(join(two.dir, 'manifest.json'), 'utf8').replace(two.dir, ''));
  for (const s of one.m.shards) assert.deepEqual(readFileSync(join(one.dir, s.path)), readFileSync(join(two.dir, s.path)));
  const rows = readFileSync(mix, 'utf8').split('\n');
  rows[1] = rows[1].replace('clips', 'clipz');
  assert.ok(rows[1].includes('clipz'));
  const changed = join(tmpDir(), 'changed.ndjson');
  writeFileSync(changed, rows.join('\n'));
  const three = await build([changed]);
  assert.notEqual(three.m.dataset_id, one.m.dataset_id);
  assert.match(three.m.dataset_id, /^sha256:[0-9a-f]{64}$/);
});

test('cat returns exactly the input rows: byte for byte with one partition, per partition in input order', async () => {
  const input = readFileSync(mix, 'utf8');
  const single = await build(['--partition-by', 'nothing', '--shard-rows', '7', mix]);
  assert.equal(single.m.partitions[0].name, 'all');
  let r = await runInProcess(main, ['cat', single.dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, input);
  const split = await build(['--compress', 'gzip', mix]);
  r = await runInProcess(main, ['cat', split.dir]);
  const lines = input.trimEnd().split('\n');
  const bySplit = (s: string) => lines.filter((l) => JSON.parse(l).meta.split === s);
  assert.equal(r.stdout, `${[...bySplit('test'), ...bySplit('train')].join('\n')}\n`);
  r = await runInProcess(main, ['cat', split.dir, '--partition', 'split=train']);
  assert.equal(r.stdout, `${bySplit('train').join('\n')}\n`);
  r = await runInProcess(main, ['cat', split.dir, '--partition', 'split=dev']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no partition matches "split=dev"\n {2}hint: the partitions are: split=test, split=train/);
});

test('shards are cut at --shard-size raw bytes; one oversized row gets its own shard', async () => {
  const dir = tmpDir();
  const rows = [{ t: 'a'.repeat(10) }, { t: 'b'.repeat(10) }, { t: 'c'.repeat(100) }, { t: 'd'.repeat(10) }];
  const p = writeNdjson(dir, 'in.ndjson', rows);
  const { m } = await build(['--shard-size', '40', '--compress', 'none', p]);
  assert.deepEqual(
    m.shards.map((s) => [s.rows, s.raw_bytes]),
    [
      [2, 38],
      [1, 109],
      [1, 19],
    ],
  );
});

test('zstd and gzip shards decompress to the raw rows (standard readers)', async () => {
  const { dir, m } = await build(['--compress', 'gzip', '--partition-by', 'x', mix]);
  assert.equal(gunzipSync(readFileSync(join(dir, m.shards[0].path))).toString(), readFileSync(mix, 'utf8'));
  const z = await build(['--partition-by', 'x', '--compress', 'zstd', mix]);
  // zstd's reference decoder (zstddec: libzstd as WebAssembly, through @ldt/ndjson).
  const parts: Buffer[] = [];
  const shard = readFileSync(join(z.dir, z.m.shards[0].path));
  for await (const c of decompressZstd(
    (async function* () {
      yield shard;
    })(),
    'shard',
  ))
    parts.push(Buffer.from(c));
  assert.equal(Buffer.concat(parts).toString(), readFileSync(mix, 'utf8'));
});

test('token counts match the tokenizer packages on known strings', async () => {
  const dir = tmpDir();
  const texts = ['hello world', 'The quick brown fox jumps over the lazy dog.', 'naïve café — 日本語のテキスト', 'a <|endoftext|> b'];
  const p = writeNdjson(
    dir,
    'in.ndjson',
    texts.map((text) => ({ text })),
  );
  // Known ids, independent of our code: o200k_base "hello world" = [24912, 2375].
  assert.deepEqual(o200kEncode('hello world'), [24912, 2375]);
  const opts = { disallowedSpecial: new Set<string>() };
  for (const [name, count] of [
    ['o200k_base', o200k],
    ['cl100k_base', cl100k],
  ] as const) {
    const { m } = await build(['--tokenizer', name, '--shard-rows', '1', p]);
    assert.equal(m.tokenizer.estimate, false);
    assert.deepEqual(
      m.shards.map((s) => s.tokens),
      texts.map((t) => count(t, opts)),
    );
    assert.equal(
      m.totals.tokens,
      texts.reduce((a, t) => a + count(t, opts), 0),
    );
  }
  assert.equal(o200k('hello world'), 2);
  const hf = await build(['--tokenizer', join(pkgDir, 'test', 'fixtures', 'tiny-bpe', 'tokenizer.json'), '--shard-rows', '1', p]);
  assert.equal(hf.m.shards[0].tokens, 6, 'hello, Ġw, o, r, l, d');
  const est = await build([p]);
  assert.equal(est.m.tokenizer.estimate, true);
  assert.equal(est.m.tokenizer.name, 'estimate');
  assert.equal(
    est.m.totals.tokens,
    texts.reduce((a, t) => a + Math.ceil(Buffer.byteLength(t) / 4), 0),
  );
  assert.match(est.stderr, /~\d+ tokens \(estimate\)/);
});

test('groups: counts and tokens by source x split x phase, and by --group-by', async () => {
  const { m } = await build([mix]);
  assert.deepEqual(
    m.groups.map((g) => [g.key.source, g.key.split, g.rows]),
    [
      ['InternLM/xtuner', 'test', 8],
      ['InternLM/xtuner', 'train', 32],
      ['openai/grade-school-math', 'test', 8],
      ['openai/grade-school-math', 'train', 32],
    ],
  );
  assert.deepEqual(
    m.sources.map((s) => [s.dataset, s.revision, s.rows]),
    [
      ['InternLM/xtuner', 'b934f462095c1e750229de35367c50ae36caa786', 40],
      ['openai/grade-school-math', '3101c7d5072418e28b9008a6636bde82a006892c', 40],
    ],
  );
  const fam = await build(['--group-by', 'meta.family', mix]);
  assert.deepEqual(
    fam.m.groups.map((g) => [g.key['meta.family'], g.key.split, g.rows]),
    [
      ['chat', 'test', 8],
      ['chat', 'train', 32],
      ['math', 'test', 8],
      ['math', 'train', 32],
    ],
  );
  assert.equal(
    m.groups.reduce((a, g) => a + g.tokens, 0),
    m.totals.tokens,
  );
});

test('fields: types and formats seen', async () => {
  const dir = tmpDir();
  const p = writeNdjson(dir, 'in.ndjson', [
    { id: 1, at: '2024-05-01T10:00:00Z', url: 'https://example.org/a', messages: [{ role: 'user', content: 'hi' }] },
    { id: 2.5, at: '2024-05-02', url: null, messages: [] },
  ]);
  const { m } = await build([p]);
  assert.deepEqual(m.fields.id, { rows: 2, types: { integer: 1, number: 1 }, formats: {} });
  assert.deepEqual(m.fields.at, { rows: 2, types: { string: 2 }, formats: { date: 1, 'date-time': 1 } });
  assert.deepEqual(m.fields.url, { rows: 2, types: { null: 1, string: 1 }, formats: { uri: 1 } });
  assert.deepEqual(m.fields['messages.*.role'], { rows: 1, types: { string: 1 }, formats: {} });
});

test('gates: --require and --min-rows fail with exit 1, list what is missing and write nothing', async () => {
  const dir = join(tmpDir(), 'ds');
  let r = await runInProcess(main, ['build', '-o', dir, '--require', 'meta.family=math,code,chat', '--require', 'meta.split=dev', mix]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'manifest: gate failed, nothing written:\n  --require meta.family: no row has "code"\n  --require meta.split: no row has "dev"\n  hint: fix the data upstream or relax --require / --min-rows\n',
  );
  assert.ok(!existsSync(dir));
  r = await runInProcess(main, ['build', '-o', dir, '--min-rows', '10', mix]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--min-rows 10: group \{"source":"InternLM\/xtuner","split":"test","phase":null\} has 8 rows/);
  assert.ok(!existsSync(dir));
  assert.deepEqual(readdirSync(join(dir, '..')), []);
  r = await runInProcess(main, ['build', '-o', dir, '-q', '--require', 'meta.family=math,chat', '--min-rows', '8', mix]);
  assert.equal(r.code, 0, r.stderr);
});

test('--stats-from records the tool chain; --single writes the portable file', async () => {
  const dir = tmpDir();
  const stats = join(dir, 'stats.json');
  writeFileSync(
    stats,
    JSON.stringify({
      tool: 'dedup-exact',
      version: '0.1.0',
      argv: ['x.ndjson'],
      inputs: ['x.ndjson'],
      read: 90,
      written: 80,
      dropped: { duplicate: 10 },
      dropped_total: 10,
      rejected: {},
      rejected_total: 0,
      blank_lines: 0,
    }),
  );
  const single = join(dir, 'all.ndjson.gz');
  const { m } = await build(['--stats-from', stats, '--single', single, mix]);
  assert.deepEqual(m.tool_chain, [
    {
      file: stats,
      tool: 'dedup-exact',
      version: '0.1.0',
      argv: ['x.ndjson'],
      seed: null,
      inputs: ['x.ndjson'],
      read: 90,
      written: 80,
      dropped_total: 10,
      rejected_total: 0,
      dropped: { duplicate: 10 },
      rejected: {},
    },
  ]);
  assert.equal(gunzipSync(readFileSync(single)).toString(), readFileSync(mix, 'utf8'));
  assert.equal(m.single?.rows, 80);
  assert.equal(m.created_by.tool, 'manifest');
  assert.deepEqual(m.created_by.argv.slice(0, 1), ['build']);
  writeFileSync(stats, '{"tool": "x"}');
  const r = await runInProcess(main, ['build', '-o', join(dir, 'o'), '--stats-from', stats, mix]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--stats-from .* is not an ldt --stats file \(missing version, argv, read, written\)/);
});

test('--croissant writes Croissant 1.0 JSON-LD: FileObjects with sha256, a FileSet, RecordSets and splits', async () => {
  const { dir, m } = await build(['--croissant', '--name', 'mix', mix]);
  const c = JSON.parse(readFileSync(join(dir, 'croissant.json'), 'utf8'));
  assert.equal(c['@type'], 'sc:Dataset');
  assert.equal(c.conformsTo, 'http://mlcommons.org/croissant/1.0');
  assert.equal(c['@context'].cr, 'http://mlcommons.org/croissant/');
  assert.equal(c['@context']['@vocab'], 'https://schema.org/');
  assert.equal(c.name, 'mix');
  const files = c.distribution.filter((d: { '@type': string }) => d['@type'] === 'cr:FileObject');
  assert.deepEqual(
    files.map((f: { contentUrl: string; sha256: string }) => [f.contentUrl, f.sha256]),
    m.shards.map((s) => [s.path, s.sha256]),
  );
  for (const f of c.distribution) for (const k of ['@type', '@id', 'name', 'encodingFormat']) assert.ok(k in f, `${f['@id']} has ${k}`);
  const ids = new Set<string>([...c.distribution.map((d: { '@id': string }) => d['@id'])]);
  const splits = c.recordSet.find((r: { '@id': string }) => r['@id'] === 'splits');
  assert.equal(splits.dataType, 'cr:Split');
  assert.deepEqual(splits.data, [{ 'splits/name': 'test' }, { 'splits/name': 'train' }]);
  const records = c.recordSet.find((r: { '@id': string }) => r['@id'] === 'records');
  const fieldIds = new Set<string>();
  for (const f of records.field) {
    assert.equal(f['@type'], 'cr:Field');
    assert.ok(f['@id'].startsWith('records/'));
    fieldIds.add(f['@id']);
    assert.ok(ids.has(f.source.fileSet['@id']), 'field sources reference a declared FileSet');
    assert.match(f.source.extract.jsonPath, /^\$/);
  }
  for (const k of ['records/messages', 'records/question', 'records/answer', 'records/meta', 'records/split']) assert.ok(fieldIds.has(k), k);
  assert.deepEqual(records.field.find((f: { '@id': string }) => f['@id'] === 'records/split').references, { field: { '@id': 'splits/name' } });
  assert.equal((await verify(dir)).code, 0);
});

test('the output folder: an earlier build is replaced, another non-empty folder is refused, nothing half-written on failure', async () => {
  const { dir } = await build([mix]);
  const r1 = await runInProcess(main, ['build', '-o', dir, '--partition-by', 'meta.family', '-q', mix]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['family=chat', 'family=math', 'manifest.json']);
  const other = tmpDir();
  writeFileSync(join(other, 'keep.txt'), 'x');
  const r2 = await runInProcess(main, ['build', '-o', other, mix]);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /is not empty and holds no manifest\.json/);
  const bad = join(tmpDir(), 'bad.ndjson');
  const outParent = tmpDir();
  writeFileSync(bad, '{"a":1}\n[2]\n');
  const out = join(outParent, 'never');
  const r3 = await runInProcess(main, ['build', '-o', out, bad]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /bad\.ndjson:2: expected a JSON object, got an array/);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(join(out, '..')), [], 'no staging folder is left behind');
});

test('stdin input, --rejects, and partition values are %-encoded', async () => {
  const dir = tmpDir();
  const rej = join(dir, 'rej.ndjson');
  const { m } = await build(['--rejects', rej, '--partition-by', 'meta.split'], '{"meta":{"split":"a/b c"}}\nnot json\n{"meta":{"split":"ü"}}\n');
  assert.deepEqual(
    m.partitions.map((p) => p.name),
    ['split=%C3%BC', 'split=a%2Fb%20c'],
  );
  assert.equal(readFileSync(rej, 'utf8'), 'not json\n');
  assert.equal(m.totals.rows, 2);
});

test('verify and cat report a folder that is not a manifest build', async () => {
  const dir = tmpDir();
  let r = await runInProcess(main, ['verify', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot read .*manifest\.json: no such file/);
  writeFileSync(join(dir, 'manifest.json'), '{"format":"other"}');
  r = await runInProcess(main, ['cat', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not an ldt manifest/);
});

test('parse: rows written verbatim (big integers, key order, escapes)', async () => {
  const line = '{"b":12345678901234567890,"a":1.0,"s":"\\u00e9","meta":{"split":"x"}}';
  const { dir } = await build([], `${line}\n`);
  assert.equal(readFileSync(join(dir, 'split=x', 'part-00000.jsonl'), 'utf8'), `${line}\n`);
  const r = await runInProcess(main, ['cat', dir]);
  assert.equal(r.stdout, `${line}\n`);
  assert.equal(parseNdjson(r.stdout).length, 1);
});

test('manifest.json validates against configs/manifest.schema.json (every option that adds keys)', async () => {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const schema = JSON.parse(readFileSync(join(repoRoot(), 'configs', 'manifest.schema.json'), 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  const dir = tmpDir();
  const stats = join(dir, 'stats.json');
  writeFileSync(stats, JSON.stringify({ tool: 'split-holdout', version: '0.1.0', argv: [], seed: 7, read: 1, written: 1 }));
  const { m } = await build(['--stats-from', stats, '--single', join(dir, 's.ndjson'), '--tokenizer', 'cl100k_base', mix]);
  assert.ok(validate(m), JSON.stringify(validate.errors));
  const broken = { ...m, shards: [{ ...m.shards[0], sha256: 'xyz' }] };
  assert.equal(validate(broken), false, 'the schema rejects a bad sha256');
});

test('multi-frame shards (more than 4 MiB raw): zstd and gzip verify and cat back byte for byte', { timeout: 60_000 }, async () => {
  const dir = tmpDir();
  const p = new Array(60000).fill(0).map((_, i) => `{"id":${i},"text":"${`row ${i} `.repeat(10)}","meta":{"split":"${i % 3 ? 'train' : 'test'}"}}\n`);
  const input = join(dir, 'big.ndjson');
  writeFileSync(input, p.join(''));
  for (const c of ['zstd', 'gzip', 'none']) {
    const { dir: ds, m } = await build(['--compress', c, '--partition-by', 'x', input]);
    assert.ok(m.totals.raw_bytes > 8 << 20, 'at least two frames');
    assert.equal((await verify(ds)).code, 0);
    const r = await runInProcess(main, ['cat', ds]);
    assert.equal(r.stdout, p.join(''));
  }
});

test('--stats-from: a seed recorded under notes (curriculum-route takes it from its config) goes into the tool chain', async () => {
  const dir = tmpDir();
  const stats = join(dir, 'cr.json');
  // The shape @ldt/cli writes for curriculum-route run without --seed.
  writeFileSync(
    stats,
    JSON.stringify({
      tool: 'curriculum-route',
      version: '0.1.0',
      argv: ['--config', 'c.yaml'],
      inputs: ['in.ndjson'],
      read: 170,
      written: 238,
      dropped: {},
      dropped_total: 0,
      rejected: {},
      rejected_total: 0,
      blank_lines: 0,
      notes: { seed: 1 },
    }),
  );
  const { m } = await build(['--stats-from', stats, mix]);
  assert.equal(m.tool_chain[0].tool, 'curriculum-route');
  assert.equal(m.tool_chain[0].seed, 1);
  assert.equal(m.tool_chain[0].read, 170);
  assert.equal(m.tool_chain[0].written, 238);
});

test('zstd and gzip shards are byte-identical across runs (same dataset id)', async () => {
  for (const c of ['zstd', 'gzip']) {
    const a = await build(['--compress', c, mix]);
    const b = await build(['--compress', c, mix]);
    assert.equal(a.m.dataset_id, b.m.dataset_id, c);
    for (const s of a.m.shards) assert.deepEqual(readFileSync(join(a.dir, s.path)), readFileSync(join(b.dir, s.path)));
  }
});

test('--single holds every row as read, with \\n line ends, whether a read chunk is written as it is or row by row', async () => {
  const dir = tmpDir();
  // Over 1 MiB of clean rows (whole chunks go to --single as read), then chunks with a CRLF line,
  // blank lines and a last line without \n (row by row).
  const rows: string[] = [];
  for (let i = 0; rows.join('\n').length < 2_500_000; i++)
    rows.push(JSON.stringify({ text: `row ${i} ${'é'.repeat(i % 50)} ${'x'.repeat(400)}`, meta: { split: i % 3 === 0 ? 'test' : 'train' } }));
  const lines = rows.map((r, i) => (i === 3000 ? `${r}\r` : i === 3100 ? `\n  \n${r}` : r));
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, lines.join('\n'));
  const want = `${rows.join('\n')}\n`;
  for (const via of ['file', 'stdin'] as const) {
    const single = join(dir, `single-${via}.ndjson`);
    const r = await runInProcess(main, ['build', '-q', '-o', join(dir, `ds-${via}`), '--single', single, ...(via === 'file' ? [input] : [])], {
      stdin: via === 'stdin' ? readFileSync(input, 'utf8') : undefined,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(single, 'utf8'), want, via);
  }
});
