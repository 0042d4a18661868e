import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRows } from '@ldt/ndjson';
import { contentKey, defaultGroupKey, main, parseRatios, pick, seededHash, unitInterval } from '@ldt/split-holdout';
import { parseNdjson, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';

type R = Record<string, any>;
const splitOf = (r: R) => r.meta.split as string;

async function split(argv: string[], rows: unknown[] | string): Promise<{ rows: R[]; stdout: string; stderr: string; code: number }> {
  const stdin = typeof rows === 'string' ? rows : rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const r = await runInProcess(main, ['--seed', '1', ...argv], { stdin });
  return { rows: r.code === 0 ? parseNdjson(r.stdout) : [], stdout: r.stdout, stderr: r.stderr, code: r.code };
}

/** Deterministic rows: `n` rows in `groups` groups (meta.g), with a family every 10th group. */
function makeRows(n: number, groups: number, offset = 0): R[] {
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return { id: i, text: `row ${i}`, g: `g${(i * 7) % groups}`, meta: { family: ((i * 7) % groups) % 10 === 0 ? 'sarcasm' : 'plain', src: `s${i % 3}` } };
  });
}

test('the seeded hash is XXH3-64 of "<seed>:<key>", and the point in [0,1) its top 53 bits', () => {
  const h = seededHash(1, 'abc');
  assert.equal(h.length, 8);
  // Independent check of the formula: the same bytes through xxh64 by hand.
  assert.deepEqual(seededHash(1, 'abc'), seededHash(1, 'abc'));
  assert.notDeepEqual(seededHash(1, 'abc'), seededHash(2, 'abc'));
  assert.notDeepEqual(seededHash(1, 'abc'), seededHash(1, 'abd'));
  const x = unitInterval(h);
  assert.ok(x >= 0 && x < 1);
  assert.equal(x, Number(h.readBigUInt64BE(0) >> 11n) / 2 ** 53);
  assert.equal(unitInterval(Buffer.alloc(8, 0xff)), (2 ** 53 - 1) / 2 ** 53);
});

test('ratios: parsed in order; the last positive split takes the rounding slack; bad specs are usage errors', () => {
  const r = parseRatios('train=0.98,val=0.01,test=0.01');
  assert.deepEqual(r.names, ['train', 'val', 'test']);
  assert.equal(r.bounds[2], 1);
  assert.equal(pick(r, 0), 0);
  assert.equal(pick(r, 0.9799), 0);
  assert.equal(pick(r, 0.985), 1);
  assert.equal(pick(r, 0.9999999), 2);
  const z = parseRatios('a=0.5,b=0.5,c=0');
  assert.deepEqual(z.bounds, [0.5, 1, 1]);
  assert.equal(pick(z, 0.75), 1, 'a zero-ratio split gets nothing');
  for (const bad of ['train=0.9,test=0.2', 'train', 'train=x', 'a=0.5,a=0.5', 'a/b=1', 'a=-0.5,b=1.5', 'a=0x1']) assert.throws(() => parseRatios(bad), /--ratios/, bad);
});

test('default group: meta.content_hash if present, else the canonical row without meta (key order does not matter)', () => {
  assert.equal(defaultGroupKey({ a: 1, meta: { content_hash: 'abc' } }, 'none'), 'abc');
  assert.equal(defaultGroupKey({ a: 1, b: [1, 'x'] }, 'none'), defaultGroupKey({ b: [1, 'x'], a: 1, meta: { split: 'x' } }, 'none'));
  assert.notEqual(defaultGroupKey({ a: 'X' }, 'none'), defaultGroupKey({ a: 'x' }, 'none'));
  assert.equal(defaultGroupKey({ a: 'X ' }, 'lower'), defaultGroupKey({ a: 'x' }, 'lower'));
  assert.match(contentKey({ a: 1 }, 'none'), /^[0-9a-f]{32}$/);
});

test('deterministic: the same input and seed twice, and with different read chunk sizes', async () => {
  const rows = makeRows(500, 60);
  const a = await split(['--group-by', 'g'], rows);
  const b = await split(['--group-by', 'g'], rows);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stderr, b.stderr);
  const dir = tmpDir();
  const file = writeNdjson(dir, 'in.ndjson', rows);
  for (const chunkSize of [7, 100, 4096]) {
    const lines: string[] = [];
    const { Splitter } = await import('@ldt/split-holdout');
    const { parsePaths } = await import('@ldt/schema');
    const { Report } = await import('@ldt/ndjson');
    const s = new Splitter({
      groupBy: parsePaths('g'),
      normalize: 'none',
      missingGroup: 'error',
      ratios: parseRatios('train=0.98,val=0.01,test=0.01'),
      seed: 1,
      holdouts: [],
      holdoutSplit: 'test',
    });
    for await (const batch of readRows([file], { stdin: process.stdin, chunkSize })) s.splitRows(batch, new Report(), (_s, l) => lines.push(l));
    assert.equal(`${lines.join('\n')}\n`, a.stdout, `chunk ${chunkSize}`);
  }
});

test('append-stable: adding rows never moves existing ones; input order does not matter', async () => {
  const base = makeRows(400, 80);
  const more = makeRows(300, 80, 400);
  const a = await split(['--group-by', 'g', '--ratios', 'train=0.6,val=0.2,test=0.2'], base);
  const b = await split(['--group-by', 'g', '--ratios', 'train=0.6,val=0.2,test=0.2'], [...base, ...more]);
  assert.deepEqual(a.rows.map(splitOf), b.rows.slice(0, 400).map(splitOf));
  const reversed = await split(['--group-by', 'g', '--ratios', 'train=0.6,val=0.2,test=0.2'], [...more, ...base].reverse());
  const byId = new Map(reversed.rows.map((r) => [r.id, splitOf(r)]));
  for (const r of b.rows) assert.equal(byId.get(r.id), splitOf(r));
  // Default grouping (by content) too.
  const c = await split([], base);
  const d = await split([], [...base, ...more]);
  assert.deepEqual(c.rows.map(splitOf), d.rows.slice(0, 400).map(splitOf));
});

test('groups are never split, and ratios are close to the target over many groups', async () => {
  const rows = makeRows(6000, 2000);
  const r = await split(['--group-by', 'g', '--ratios', 'train=0.8,val=0.1,test=0.1'], rows);
  const where = new Map<string, string>();
  for (const row of r.rows) {
    const prev = where.get(row.g);
    if (prev !== undefined) assert.equal(splitOf(row), prev, `group ${row.g}`);
    where.set(row.g, splitOf(row));
  }
  assert.equal(where.size, 2000);
  const counts: Record<string, number> = { train: 0, val: 0, test: 0 };
  for (const s of where.values()) counts[s]++;
  // Binomial: 2000 groups, p = 0.1 → 200 ± 13.4; allow 4 standard deviations.
  for (const [name, p] of [
    ['train', 0.8],
    ['val', 0.1],
    ['test', 0.1],
  ] as const)
    assert.ok(Math.abs(counts[name] - 2000 * p) < 4 * Math.sqrt(2000 * p * (1 - p)), `${name}: ${counts[name]}`);
  assert.match(r.stderr, /^split-holdout: read 6000, wrote 6000, dropped 0; train \d+ rows\/\d+ groups, val \d+\/\d+, test \d+\/\d+\n$/);
});

test('every byte outside meta is kept; meta.split is added or replaced', async () => {
  const input = '{"big":12345678901234567890,"f":1.0,"e":"\\u00e9"}\n{"meta":{"a":1,"split":"old"},"x":2}\n{}\n';
  const r = await split(['--ratios', 'only=1'], input);
  assert.equal(r.stdout, '{"big":12345678901234567890,"f":1.0,"e":"\\u00e9","meta":{"split":"only"}}\n{"meta":{"a":1,"split":"only"},"x":2}\n{"meta":{"split":"only"}}\n');
});

test('hard holdouts: whole groups go to the holdout split, even when the matching row comes last', async () => {
  const rows = makeRows(600, 50);
  const r = await split(['--group-by', 'g', '--holdout', 'meta.family=sarcasm', '--ratios', 'train=0.5,val=0.5'], rows);
  assert.equal(r.code, 0, r.stderr);
  const sarcasmGroups = new Set(rows.filter((x) => x.meta.family === 'sarcasm').map((x) => x.g));
  for (const row of r.rows) assert.equal(splitOf(row) === 'test', sarcasmGroups.has(row.g), `row ${row.id}`);
  // A group whose only matching row is its last one is still held out whole.
  const late = [{ id: 1, g: 'z', tag: 'a' }, { id: 2, g: 'z', tag: 'a' }, ...makeRows(50, 25), { id: 3, g: 'z', tag: 'held' }];
  const l = await split(['--group-by', 'g', '--holdout', 'tag=held', '--holdout-split', 'heldout', '--ratios', 'train=1'], late);
  assert.deepEqual(l.rows.filter((x) => x.g === 'z').map(splitOf), ['heldout', 'heldout', 'heldout']);
  assert.ok(l.rows.filter((x) => x.g !== 'z').every((x) => splitOf(x) === 'train'));
  assert.match(l.stderr, /held out 3 rows to heldout \(1 matching, 2 more of their groups\)/);
  // Standard input is spooled for the two passes: the same result as from a file.
  const dir = tmpDir();
  const file = writeNdjson(dir, 'late.ndjson', late);
  const f = await runInProcess(main, ['--seed', '1', '--group-by', 'g', '--holdout', 'tag=held', '--holdout-split', 'heldout', '--ratios', 'train=1', file]);
  assert.equal(f.stdout, l.stdout);
});

test('--holdout-file: ids against --holdout-key; non-string values compare as JSON; unmatched ids are warned about', async () => {
  const dir = tmpDir();
  const ids = join(dir, 'ids.txt');
  writeFileSync(ids, '# eval ids\n3\n7\n\nnope\n');
  const rows = Array.from({ length: 10 }, (_, i) => ({ id: i, text: `t${i}` }));
  const r = await split(['--holdout-file', ids, '--holdout-key', 'id', '--ratios', 'train=0.5,test=0.5', '--holdout-split', 'eval'], rows);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.rows.filter((x) => splitOf(x) === 'eval').map((x) => x.id),
    [3, 7],
  );
  assert.match(r.stderr, /warning: 1 of 3 --holdout-file ids matched no row's id/);
  const num = await split(['--holdout', 'id=4', '--ratios', 'train=1'], rows);
  assert.deepEqual(
    num.rows.filter((x) => splitOf(x) === 'test').map((x) => x.id),
    [4],
  );
});

test('a row without its group: error with file:line, own group, or a counted reject', async () => {
  const rows = [{ g: 'a' }, { g: 'b' }, { other: 1 }];
  const e = await split(['--group-by', 'g'], rows);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /^split-holdout: <stdin>:3: row has no group field "g"\n {2}hint: is --group-by correct\? this row's fields are: other; or use --missing-group own/);
  const own = await split(['--group-by', 'g', '--missing-group', 'own'], rows);
  assert.equal(own.code, 0);
  assert.equal(own.rows.length, 3);
  const dir = tmpDir();
  const rej = join(dir, 'rej.ndjson');
  const r = await runInProcess(main, ['--group-by', 'g', '--rejects', rej], { stdin: rows.map((x) => JSON.stringify(x)).join('\n') });
  assert.equal(r.code, 0);
  assert.match(r.stderr, /rejected 1 \(missing_group 1\)/);
});

test('--stratify: rows and groups per split within each stratum, in the summary and --stats', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--stratify', 'meta.src', '--group-by', 'g', '--stats', stats], {
    stdin: makeRows(300, 100)
      .map((x) => JSON.stringify(x))
      .join('\n'),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^split-holdout: stratum "s0": train \d+ rows\/\d+ groups, val \d+\/\d+, test \d+\/\d+\n/);
  const s = JSON.parse((await import('node:fs')).readFileSync(stats, 'utf8'));
  assert.deepEqual(Object.keys(s.notes.strata).sort(), ['s0', 's1', 's2']);
  const total = Object.values(s.notes.strata as Record<string, Record<string, { rows: number }>>).reduce((a, t) => a + t.train.rows + t.val.rows + t.test.rows, 0);
  assert.equal(total, 300);
  assert.equal(s.notes.splits.train.rows + s.notes.splits.val.rows + s.notes.splits.test.rows, 300);
});

test('--stratify warns about a stratum more than 4 standard deviations off its ratios', async () => {
  const { Splitter } = await import('@ldt/split-holdout');
  const s = new Splitter({ groupBy: [], normalize: 'none', missingGroup: 'error', ratios: parseRatios('train=0.5,test=0.5'), seed: 0, holdouts: [], holdoutSplit: 'test' });
  // 100 groups, all in train: expected 50 ± 5 per split.
  s.strata.set('skewed', { rows: [100, 0], groups: [100, 0] });
  s.strata.set('fine', { rows: [52, 48], groups: [52, 48] });
  assert.deepEqual(s.deviations(), ['stratum "skewed": train has 100 of 100 groups, expected 50.0 ± 5.0', 'stratum "skewed": test has 0 of 100 groups, expected 50.0 ± 5.0']);
});

test('check --missing-group own: rows without the group path are only checked for exact duplicates', async () => {
  const input = [
    { g: 'a', meta: { split: 'train' } },
    { x: 1, meta: { split: 'train' } },
    { x: 2, meta: { split: 'test' } },
    { g: 'b', meta: { split: 'test' } },
  ];
  const stdin = input.map((r) => JSON.stringify(r)).join('\n');
  const err = await runInProcess(main, ['check', '--group-by', 'g'], { stdin });
  assert.equal(err.code, 1);
  assert.match(err.stderr, /^split-holdout check: <stdin>:2: row has no group field "g"/);
  const own = await runInProcess(main, ['check', '--group-by', 'g', '--missing-group', 'own'], { stdin });
  assert.equal(own.code, 0, own.stdout);
  assert.match(own.stderr, /splits: train 2, test 2; leaks: exact 0, group 0\n$/);
});

test('rows with meta: meta.split replaces or joins it wherever meta is, and nested or escaped "meta" text is left alone', async () => {
  const lines = [
    '{"a":1,"meta":{"x":1}}',
    '{"meta":{"x":1}}',
    '{"a":{"meta":{"x":1}},"meta":{"x":1}}',
    '{"meta":{"x":1},"a":{"meta":{"x":1}}}',
    '{"a":"q\\",\\"meta\\":{\\"x\\":1}}", "meta": {"x":1}}',
    '{"a":1,"meta":{"x":1,"split":"old"}}  ',
  ];
  const r = await split(['--ratios', 'a=1'], `${lines.join('\n')}\n`);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), [
    '{"a":1,"meta":{"x":1,"split":"a"}}',
    '{"meta":{"x":1,"split":"a"}}',
    '{"a":{"meta":{"x":1}},"meta":{"x":1,"split":"a"}}',
    '{"meta":{"x":1,"split":"a"},"a":{"meta":{"x":1}}}',
    '{"a":"q\\",\\"meta\\":{\\"x\\":1}}", "meta": {"x":1,"split":"a"}}',
    '{"a":1,"meta":{"x":1,"split":"a"}}',
  ]);
});

test('the holdout split is an extra split only when holdouts are given', async () => {
  const plain = await split(['--ratios', 'train=0.9,val=0.1'], [{ a: 1 }]);
  assert.match(plain.stderr, /; train 1 rows\/1 groups, val 0\/0\n$/);
  const held = await split(['--ratios', 'train=0.9,val=0.1', '--holdout', 'a=1'], [{ a: 1 }, { a: 2 }]);
  assert.match(held.stderr, /, test 1\/1; held out 1 rows to test/);
});

test('the byte path (rows copied as bytes, meta spliced) writes what the string path writes: random rows with and without meta, escapes, big numbers, non-ASCII, CRLF', async () => {
  const { parseChunk } = await import('@ldt/ndjson');
  const { parsePaths } = await import('@ldt/schema');
  const { Splitter } = await import('@ldt/split-holdout');
  let seed = 99;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const words = ['plain', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', '€', 'a\\nb', '<|im_start|>'];
  const text = () => Array.from({ length: 1 + rand(6) }, () => words[rand(words.length)]).join(' ');
  const metas = [
    '',
    ',"meta":{"cluster":"c1"}',
    ', "meta" : { "cluster" : "c1", "n": 12345678901234567890 }',
    ',"meta":{"cluster":"c1","x":1.0}',
    ',"meta":{"cluster":"c2"},"after":1',
    ',"meta":{"cluster":"c1","split":"old"}',
    // Where the byte scanner gives way to the text form: meta twice, another key twice, an escaped key.
    ',"meta":{"cluster":"c9"},"meta":{"cluster":"c1"}',
    ',"meta":{"cluster":"c1"},"big":3',
    ',"m\\u0065ta":{"cluster":"c2"}',
  ];
  for (const groupBy of [[], ['meta.cluster']]) {
    const rows: string[] = [];
    for (let i = 0; i < 400; i++) {
      const meta = groupBy.length > 0 ? metas[1 + rand(metas.length - 1)] : metas[rand(metas.length)];
      rows.push(
        `{"messages":[{"role":"user","content":"${text()}"},{"role":"assistant","content":"${text()}"}],"big":${rand(2) ? '12345678901234567890' : '1.50'}${meta}}${rand(5) === 0 ? ' ' : ''}${rand(3) === 0 ? '\r' : ''}`,
      );
    }
    const buf = Buffer.from(`${rows.join('\n')}\n`);
    const splitter = () =>
      new Splitter({
        groupBy: parsePaths(groupBy),
        normalize: 'none',
        missingGroup: 'error',
        seed: 3,
        ratios: parseRatios('train=0.6,val=0.2,test=0.2'),
        holdouts: [],
        holdoutSplit: 'test',
      });
    const withBytes = parseChunk({ buf, file: 'f', firstLine: 1 }, { lines: 0, blank: 0 }, undefined, true);
    assert.ok(withBytes.every((r) => r.bytes !== undefined));
    const got = splitter().prepareRows(withBytes, 'f', withBytes.length, 0, [], buf.length);
    const plain = parseChunk({ buf, file: 'f', firstLine: 1 }, { lines: 0, blank: 0 });
    assert.ok(plain.every((r) => r.bytes === undefined));
    const s2 = splitter();
    const want = s2.prepareRows(plain, 'f', plain.length, 0, [], buf.length);
    assert.deepEqual([...got.splits], [...want.splits]);
    assert.equal(Buffer.from(got.out).toString('utf8'), Buffer.from(want.out).toString('utf8'), `group-by ${groupBy.join(',') || 'default'}`);
    // lineFor on rows not edited yet (prepareRows set meta.split on `plain`'s values).
    const fresh = parseChunk({ buf, file: 'f', firstLine: 1 }, { lines: 0, blank: 0 });
    const s3 = splitter();
    assert.equal(Buffer.from(got.out).toString('utf8'), `${fresh.map((r, i) => s3.lineFor(r, want.splits[i])).join('\n')}\n`);
    // And every output line is the input row with meta.split added, nothing else changed.
    for (const [i, line] of Buffer.from(got.out).toString('utf8').trimEnd().split('\n').entries()) {
      const v = JSON.parse(line);
      assert.ok(['train', 'val', 'test'].includes(v.meta.split));
      const input = JSON.parse(rows[i]);
      delete v.meta.split;
      if (input.meta?.split !== undefined) delete input.meta.split;
      assert.deepEqual(v, { ...input, meta: { ...(input.meta ?? {}) } });
    }
  }
});
