// curriculum-route's pass 2 writes rows on bytes (meta appended to a line's bytes, or spliced
// into its meta value; issue 17). These tests check it against the full parse every other path
// of ldt takes: JSON.parse the row, set meta.phase (and meta.repeat), serializeWithMeta.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/curriculum-route';
import { Prng } from '@ldt/hash';
import { serializeWithMeta } from '@ldt/ndjson';
import { isJsonObject, type JsonObject, setMeta } from '@ldt/schema';
import { repoRoot, runInProcess, tmpDir } from '@ldt/testkit';

/** The full-parse result for a row written to `phase` as copy `repeat` (0: the original). */
function fullParse(raw: string, phase: string, repeat: number): string {
  const row = JSON.parse(raw) as JsonObject;
  const hadMeta = row.meta !== undefined;
  if (isJsonObject(row.meta)) delete row.meta.repeat;
  setMeta(row, 'phase', phase);
  if (repeat > 0) setMeta(row, 'repeat', repeat);
  return serializeWithMeta(raw, row, hadMeta);
}

/**
 * Route `lines` (one phase taking every row, upsampled so most rows get repeated copies) from a
 * file and from standard input (the spool), and check every output line against `fullParse` of
 * the input line it came from (found by its `key` value). Returns the number of lines checked.
 */
async function checkAgainstFullParse(lines: readonly string[], key: (v: JsonObject) => number, label: string): Promise<number> {
  const dir = tmpDir();
  const cfg = join(dir, 'c.yaml');
  writeFileSync(cfg, `max_epochs: 3\nphases:\n  - name: all\n    target: { rows: ${Math.ceil(lines.length * 2.5)} }\n`);
  const input = join(dir, 'in.ndjson');
  const text = `${lines.join('\n')}\n`;
  writeFileSync(input, text);
  const fromFile = await runInProcess(main, ['--config', cfg, '--quiet', input]);
  assert.equal(fromFile.code, 0, `${label}: ${fromFile.stderr}`);
  const fromStdin = await runInProcess(main, ['--config', cfg, '--quiet'], { stdin: text });
  assert.equal(fromStdin.code, 0, `${label}: ${fromStdin.stderr}`);
  assert.equal(fromStdin.stdout, fromFile.stdout, `${label}: standard input and a file give the same bytes`);
  // The input line as parseChunk gives it: without its line end (\n, or \r\n).
  const raws = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const out = fromFile.stdout.split('\n');
  assert.equal(out.pop(), '');
  const repeats = new Set<number>();
  for (const line of out) {
    const v = JSON.parse(line) as JsonObject;
    const meta = v.meta as JsonObject;
    const repeat = typeof meta.repeat === 'number' ? meta.repeat : 0;
    repeats.add(repeat);
    const raw = raws[key(v)];
    assert.equal(line, fullParse(raw, 'all', repeat), `${label}: row ${key(v)}, copy ${repeat}`);
  }
  assert.ok(repeats.has(0) && repeats.has(1), `${label}: originals and repeated copies were checked`);
  return out.length;
}

test('pass 2 on bytes writes what the full parse writes: random rows with and without meta, escapes, big numbers, non-ASCII, CRLF', async () => {
  const rng = new Prng(17);
  const rand = (n: number) => rng.nextInt(n);
  const words = ['plain', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', '€', 'a\\nb', '\\"meta\\"', 'meta', '<|im_start|>', '\\ud83d\\ude00'];
  const text = () => Array.from({ length: 1 + rand(6) }, () => words[rand(words.length)]).join(' ');
  const metas = [
    '',
    '',
    ',"meta":{"cluster":"c1"}',
    ', "meta" : { "cluster" : "c1", "n": 12345678901234567890 }',
    ',"meta":{"x":1.0,"repeat":7}',
    ',"meta":{"phase":"old","x":[1,{"meta":2}]},"after":1',
    ',"meta":{}',
    ',"note":{"meta":{"phase":"nested"}}',
    ',"s":"has \\"meta\\": inside"',
    ',"meta":{"a":1},"meta":{"b":2}',
    // Meta last and written by JSON.stringify (pass 2 extends it as bytes), and near misses.
    ',"meta":{"cluster":"c1","split":"train"}',
    ',"meta":{"s":"q\\"x é 😀","n":-1.5,"l":[1,{"a":null}],"t":true}',
    ',"meta":{"b":1,"1":2}',
    ',"meta":{"s":"\\u00e9"}',
    ',"meta":{"n":1e400}',
    ',"meta":{"n":12345678901234567890}',
    ',"meta":{"phase":"old"}',
    ',"meta":{"x":{"cluster":"c"},"repeat":2}',
    ',"a":1, "a":2,"meta":{"c":1}',
    ',"x":{"c":1},"meta":{"c":1}',
  ];
  const rows: string[] = [];
  for (let i = 0; i < 300; i++) {
    const big = rand(2) ? '12345678901234567890' : rand(2) ? '1.50' : '-0.0e+00';
    const space = rand(4) === 0 ? ' ' : '';
    rows.push(
      `{"id":${i},${space}"messages":[{"role":"user","content":"${text()}"},{"role":"assistant","content":"${text()}"}],"big":${big}${metas[rand(metas.length)]}${space}}${rand(4) === 0 ? ' ' : ''}${rand(3) === 0 ? '\r' : ''}`,
    );
  }
  const n = await checkAgainstFullParse(rows, (v) => v.id as number, 'random rows');
  assert.ok(n > rows.length, `${n} lines checked`);
});

test('pass 2 on bytes writes what the full parse writes: every row of the fixtures and examples', async () => {
  const root = repoRoot();
  const casesDir = join(root, 'tools', 'curriculum-route', 'test', 'cases');
  const files = [join(root, 'examples', 'curriculum-mix.ndjson'), ...readdirSync(casesDir).map((c) => join(casesDir, c, 'in.ndjson'))];
  let checked = 0;
  for (const file of files) {
    let lines: string[];
    try {
      lines = readFileSync(file, 'utf8').split('\n');
    } catch {
      continue; // a case without input rows
    }
    // Rows only (a fixture may hold a bad line on purpose); each gets its index as an extra
    // top-level key, last, so the output line can be traced back to it.
    const rows = lines
      .filter((l) => {
        try {
          return isJsonObject(JSON.parse(l));
        } catch {
          return false;
        }
      })
      .map((l, i) => `${l.replace(/\s*\}\s*$/, '')}${/^\s*\{\s*\}\s*$/.test(l) ? '' : ','}"_i":${i}}`);
    if (rows.length === 0) continue;
    checked += await checkAgainstFullParse(rows, (v) => v._i as number, file);
  }
  assert.ok(checked > 100, `${checked} lines checked`);
});
