import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BIN_COUNT, binLower, binOf, binUpper, Histogram, main } from '@ldt/manifest';
import { goldenCases, repoRoot, runInProcess, tmpDir } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const mix = join(repoRoot(), 'examples', 'manifest-mix.ndjson');

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

/** Compare with test/golden/NAME (UPDATE_GOLDEN=1 rewrites it). */
function golden(name: string, actual: string): void {
  const p = join(pkgDir, 'test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(join(pkgDir, 'test', 'golden'), { recursive: true });
    writeFileSync(p, actual);
    return;
  }
  assert.ok(existsSync(p), `${p} is missing: run with UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(p, 'utf8'));
}

/** A dataset with a tool chain and a gate: manifest-mix after dedup-exact (its --stats recorded). */
async function dataset(): Promise<{ dir: string; tmp: string }> {
  const tmp = tmpDir();
  const stats = join(tmp, 'dedup.json');
  writeFileSync(
    stats,
    JSON.stringify({
      tool: 'dedup-exact',
      version: '0.1.0',
      argv: ['--stats', 'dedup.json'],
      inputs: ['-'],
      read: 84,
      written: 80,
      dropped_total: 4,
      dropped: { duplicate: 4 },
      rejected_total: 0,
    }),
  );
  const dir = join(tmp, 'ds');
  const r = await runInProcess(main, ['build', '-q', '-o', dir, '--name', 'mix', '--stats-from', stats, '--require', 'meta.family=math,chat', '--min-rows', '2', mix]);
  assert.equal(r.code, 0, r.stderr);
  return { dir, tmp };
}

test('manifest show DIR: the golden summary (tables fit 100 columns), and --json', async () => {
  const { dir, tmp } = await dataset();
  const r = await runInProcess(main, ['show', dir]);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout.replaceAll(tmp, '{tmp}');
  for (const line of text.split('\n')) assert.ok([...line].length <= 100, `wider than 100 columns: ${line}`);
  golden('show-dataset.txt', text);
  const j = await runInProcess(main, ['show', '--json', dir]);
  assert.equal(j.code, 0, j.stderr);
  const s = JSON.parse(j.stdout);
  assert.equal(s.totals.rows, 80);
  assert.equal(s.verify.ok, true);
  assert.deepEqual(
    s.gates.map((g: { gate: string }) => g.gate),
    ['--require meta.family=math,chat', '--min-rows 2'],
  );
  golden('show-dataset.json', j.stdout.replaceAll(tmp, '{tmp}'));
});

test('manifest show DIR says when verify fails (exit 0: the summary is still shown), and when a folder is not a dataset', async () => {
  const { dir } = await dataset();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  writeFileSync(join(dir, m.shards[0].path), 'x\n');
  const r = await runInProcess(main, ['show', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /verify {2}FAILED: 1 of 2 shards intact\n {8}split=test\/part-00000\.jsonl: truncated: 2 bytes, expected /);
  assert.match(r.stderr, /warning: .*verify found 1 problem/);
  const empty = tmpDir();
  const e = await runInProcess(main, ['show', empty]);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /is a folder without manifest\.json/);
  const u = await runInProcess(main, ['show', dir, '--tokenizer', 'o200k_base']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /manifest show DIR does not take --tokenizer/);
});

test('manifest show of a dataset built before the profile and gates were recorded', async () => {
  const { dir } = await dataset();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  delete m.profile;
  delete m.gates;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  const r = await runInProcess(main, ['show', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(not recorded: this manifest was built before length histograms; rebuild with manifest build\)/);
  assert.match(r.stdout, /gates {3}passed {2}--require meta\.family=math,chat \(from the build command line\)/);
});

test('histogram bins: fixed log-scale edges, every value in its bin, ≤ 25% wide', () => {
  assert.equal(BIN_COUNT, 124);
  for (let b = 0; b < BIN_COUNT - 1; b++) {
    assert.equal(binOf(binLower(b)), b, `lower edge of ${b}`);
    assert.equal(binOf(binUpper(b) - 1), b, `upper edge of ${b}`);
    if (b >= 8) assert.ok(binUpper(b) - binLower(b) <= binLower(b) / 4, `width of ${b}`);
  }
  assert.deepEqual([0, 7, 8, 9, 10, 15, 16, 19, 20, 1000].map(binOf), [0, 7, 8, 8, 9, 11, 12, 12, 13, 8 + 6 * 4 + 3]);
  assert.equal(binOf(2 ** 40), BIN_COUNT - 1);
});

test('histograms of parts merge exactly into the histogram of the whole (as stored in manifest.json)', () => {
  const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 100_003);
  const whole = new Histogram();
  for (const v of values) whole.add(v);
  const parts = [new Histogram(), new Histogram(), new Histogram()];
  values.forEach((v, i) => {
    parts[i % 3].add(v);
  });
  const merged = new Histogram();
  for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p.toJSON())));
  assert.deepEqual(merged.toJSON(), whole.toJSON());
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = sorted[Math.ceil(q * sorted.length) - 1];
    const est = whole.quantile(q) as number;
    assert.ok(Math.abs(est - exact) <= exact / 4, `q${q}: ${est} vs ${exact}`);
  }
});

test('the profile of a dataset built in two halves merges into that of the whole: lengths per split × phase', async () => {
  const lines = readFileSync(mix, 'utf8').trimEnd().split('\n');
  const tmp = tmpDir();
  const build = async (name: string, rows: string[]) => {
    const f = join(tmp, `${name}.ndjson`);
    writeFileSync(f, `${rows.join('\n')}\n`);
    assert.equal((await runInProcess(main, ['build', '-q', '-o', join(tmp, name), f])).code, 0);
    return JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
  };
  const all = await build('all', lines);
  const a = await build('a', lines.slice(0, 37));
  const b = await build('b', lines.slice(37));
  for (const cell of all.profile.lengths) {
    for (const measure of ['chars', 'tokens', 'turns']) {
      const h = new Histogram();
      for (const m of [a, b]) for (const c of m.profile.lengths) if (c.split === cell.split && c.phase === cell.phase) h.merge(c[measure]);
      assert.deepEqual(h.toJSON(), cell[measure], `${cell.split}/${cell.phase} ${measure}`);
    }
  }
});
