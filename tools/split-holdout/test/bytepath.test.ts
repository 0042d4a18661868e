// split-holdout writes each row as its input line with `meta.split` added (issue 17): appended
// before the closing brace, or, when meta is the row's last member as JSON.stringify writes it,
// added to the end of its bytes. These tests check every output line against the reference: the
// row parsed in full, meta.split set, and the line written by the rules below (the tool's output
// before the byte paths, kept byte for byte).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Prng } from '@ldt/hash';
import { serializeWithMeta } from '@ldt/ndjson';
import { isJsonObject, type JsonObject, parsePaths, setMeta } from '@ldt/schema';
import { groupKey, main, parseRatios, pick, seededHash, unitInterval } from '@ldt/split-holdout';
import { runInProcess, tmpDir } from '@ldt/testkit';

const isWs = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

/** The reference line of `raw` assigned to `split`. */
function reference(raw: string, split: string): string {
  const row = JSON.parse(raw) as JsonObject;
  let end = raw.length;
  while (end > 0 && isWs(raw.charCodeAt(end - 1))) end--;
  if (row.meta === undefined && raw.charCodeAt(end - 1) === 125) {
    // No meta: `"meta":{"split":…}` before the closing brace (white space after it dropped).
    let k = end - 2;
    while (k > 0 && isWs(raw.charCodeAt(k))) k--;
    return `${raw.slice(0, end - 1)}${raw.charCodeAt(k) === 123 ? '' : ','}"meta":${JSON.stringify({ split })}}`;
  }
  const old = row.meta;
  const oldText = isJsonObject(old) ? JSON.stringify(old) : undefined;
  setMeta(row, 'split', split);
  if (oldText !== undefined) {
    // Meta last as JSON.stringify writes it: replaced at the end (white space after it dropped).
    const tail = `"meta":${oldText}}`;
    const at = end - tail.length;
    if (at >= 1 && raw.startsWith(tail, at) && (raw.charCodeAt(at - 1) === 44 || raw.charCodeAt(at - 1) === 123)) return `${raw.slice(0, at)}"meta":${JSON.stringify(row.meta)}}`;
  }
  return serializeWithMeta(raw, row, old !== undefined);
}

test('output lines are the reference lines: random rows with and without meta, escapes, big numbers, non-ASCII, CRLF', async () => {
  const rng = new Prng(23);
  const rand = (n: number) => rng.nextInt(n);
  const words = ['plain', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', '€', 'a\\nb', '\\"meta\\"', 'meta', '\\ud83d\\ude00', '}}'];
  const text = () => Array.from({ length: 1 + rand(5) }, () => words[rand(words.length)]).join(' ');
  const metas = [
    '',
    ',"meta":{"cluster":"c1"}',
    ',"meta":{"cluster":"c1","content_hash":"ab","cluster_size":2}',
    ',"meta":{"s":"q\\"x é 😀","n":-1.5,"l":[1,{"a":null}],"t":true}',
    ',"meta":{}',
    ', "meta" : { "cluster" : "c1", "n": 12345678901234567890 }',
    ',"meta":{"split":"old","x":1}',
    ',"meta":{"b":1,"1":2}',
    ',"meta":{"s":"\\u00e9"}',
    ',"meta":{"n":1e400}',
    ',"meta":{"x":1.0}',
    ',"meta":{"a":1},"after":[1]',
    ',"meta":{"a":1},"meta":{"b":2}',
    ',"a":1, "a":2,"meta":{"c":1}',
    ',"x":{"c":1},"meta":{"c":1}',
    ',"note":{"meta":{"split":"nested"}}',
  ];
  const rows: string[] = [];
  for (let i = 0; i < 400; i++) {
    const big = rand(2) ? '12345678901234567890' : rand(2) ? '1.50' : '-0.0e+00';
    const space = rand(4) === 0 ? ' ' : '';
    const lead =
      rand(8) === 0
        ? '{}'
        : `{"id":${i},${space}"messages":[{"role":"user","content":"${text()}"},{"role":"assistant","content":"${text()}"}],"big":${big}${metas[rand(metas.length)]}${space}}`;
    rows.push(`${lead === '{}' ? (rand(2) ? '{}' : `{"meta":{"k":${i}}}`) : lead}${rand(4) === 0 ? ' ' : ''}${rand(3) === 0 ? '\r' : ''}`);
  }
  const dir = tmpDir();
  const input = join(dir, 'in.ndjson');
  const textIn = `${rows.join('\n')}\n`;
  writeFileSync(input, textIn);
  const args = ['--quiet', '--ratios', 'a=0.4,b=0.3,c=0.3', '--missing-group', 'own'];
  const outs: string[] = [];
  for (const threads of ['1', '2']) {
    const r = await runInProcess(main, [...args, '--threads', threads, input]);
    assert.equal(r.code, 0, r.stderr);
    outs.push(r.stdout);
  }
  const fromStdin = await runInProcess(main, args, { stdin: textIn });
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  outs.push(fromStdin.stdout);
  for (const o of outs) assert.equal(o, outs[0], 'threads and standard input give the same bytes');
  const lines = outs[0].split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, rows.length);
  const splits = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const split = (JSON.parse(line) as { meta: { split: string } }).meta.split;
    splits.add(split);
    assert.equal(line, reference(rows[i].replace(/\r$/, ''), split), `row ${i}: ${rows[i]}`);
  }
  assert.equal(splits.size, 3);
});

test('--group-by under meta: rows read through their meta alone (the JsonChecker path) get the split and line of the full parse', async () => {
  const rng = new Prng(29);
  const rand = (n: number) => rng.nextInt(n);
  const words = ['plain', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', 'a\\nb', '\\"meta\\":{', '}}', '&amp;'];
  const text = () => Array.from({ length: 1 + rand(4) }, () => words[rand(words.length)]).join(' ');
  const cluster = () => (rand(6) === 0 ? '{"x":[1,2]}' : rand(6) === 0 ? String(rand(5)) : `"c${rand(40)}"`);
  const metas = [
    () => '',
    () => `,"meta":{"cluster":${cluster()}}`,
    () => `,"meta":{"format":"openai","extra":{"id":"r${rand(99)}"},"content_hash":"ab${rand(9)}","cluster":${cluster()},"cluster_size":${1 + rand(3)}}`,
    () => `,"meta":{"cluster":${cluster()},"s":"q\\"x é 😀 \\u00e9","n":-1.5,"t":true}`,
    () => `,"meta":{"cluster":${cluster()},"x":1.0}`,
    () => `, "meta" : { "cluster" : ${cluster()} }`,
    () => `,"meta":{"cluster":${cluster()},"split":"old"}`,
    () => `,"meta":{"cluster":${cluster()}},"after":[1]`,
    () => `,"meta":{"cluster":"dup"},"meta":{"cluster":${cluster()}}`,
    () => `,"meta":{"nested":{"meta":{"cluster":"inner"}},"cluster":${cluster()}}`,
    () => `,"meta":{"other":1}`,
    () => ',"meta":{}',
    () => `,"meta":{"1":2,"cluster":${cluster()}}`,
  ];
  const rows: string[] = [];
  for (let i = 0; i < 600; i++) {
    const body = `{"id":${i},"messages":[{"role":"user","content":"${text()}"},{"role":"assistant","content":"${text()}"}]${metas[rand(metas.length)]()}}`;
    rows.push(`${body}${rand(5) === 0 ? ' ' : ''}${rand(4) === 0 ? '\r' : ''}`);
  }
  rows.splice(100, 0, '', '{"bad json', '[1]');
  const dir = tmpDir();
  const input = join(dir, 'in.ndjson');
  const textIn = `${rows.join('\n')}\n`;
  writeFileSync(input, textIn);
  const ratios = parseRatios('a=0.4,b=0.3,c=0.3');
  for (const missing of ['own', 'error']) {
    const opts = { groupBy: parsePaths(['meta.cluster']), normalize: 'none' as const, missingGroup: missing as 'own' | 'error' };
    const want: string[] = [];
    const rejected: string[] = [];
    for (const r of rows) {
      const raw = r.replace(/\r$/, '');
      let row: JsonObject;
      try {
        row = JSON.parse(raw);
        if (!isJsonObject(row)) throw new Error('not an object');
      } catch {
        if (raw.trim() !== '') rejected.push(raw);
        continue;
      }
      let k: string;
      try {
        k = groupKey(row, opts);
      } catch {
        rejected.push(raw);
        continue;
      }
      want.push(reference(raw, ratios.names[pick(ratios, unitInterval(seededHash(7, k)))]));
    }
    assert.ok(want.length > 400 && rejected.length >= 2, `${want.length} rows, ${rejected.length} rejected`);
    const outs: string[] = [];
    for (const threads of ['1', '2']) {
      const rej = join(dir, `rej-${missing}-${threads}.ndjson`);
      const r = await runInProcess(main, [
        '--quiet',
        '--ratios',
        'a=0.4,b=0.3,c=0.3',
        '--seed',
        '7',
        '--group-by',
        'meta.cluster',
        '--missing-group',
        missing,
        '--rejects',
        rej,
        '--threads',
        threads,
        input,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(rej, 'utf8'), `${rejected.join('\n')}\n`, `rejects, --missing-group ${missing}`);
      outs.push(r.stdout);
    }
    const fromStdin = await runInProcess(
      main,
      ['--quiet', '--ratios', 'a=0.4,b=0.3,c=0.3', '--seed', '7', '--group-by', 'meta.cluster', '--missing-group', missing, '--rejects', join(dir, 'rej-stdin.ndjson')],
      { stdin: textIn },
    );
    outs.push(fromStdin.stdout);
    for (const o of outs) assert.equal(o, outs[0]);
    const lines = outs[0].split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, want.length);
    for (const [i, line] of lines.entries()) assert.equal(line, want[i], `row ${i}, --missing-group ${missing}`);
  }
});
