// The core API (issue 15): runCurriculumRoute called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CurriculumRouteRunOptions, main, type PhaseResult, runCurriculumRoute } from '@ldt/curriculum-route';
import { UsageError } from '@ldt/errors';
import { parseNdjson, repoRoot, runCore, runInProcess, tmpDir } from '@ldt/testkit';

const root = repoRoot();
const config = join(root, 'configs', 'curriculum.example.yaml');
const input = join(root, 'examples', 'curriculum-mix.ndjson');
const base: CurriculumRouteRunOptions = { config, unmatched: 'reject', rebalance: false, strict: false, quiet: true };

test('runCurriculumRoute: phases as the CLI routes them, byte for byte; results in the notes', async () => {
  const r = await runCore('curriculum-route', [input], (ctx) => runCurriculumRoute({ ...base, seed: 7 }, ctx));
  const cli = await runInProcess(main, ['--config', config, '--seed', '7', '--quiet', input]);
  assert.equal(cli.code, 0);
  assert.equal(r.stdout, cli.stdout);
  const phases = r.ctx.report.notes.phases as unknown as PhaseResult[];
  const rows = parseNdjson(r.stdout);
  for (const p of phases) assert.equal(rows.filter((x) => (x.meta as { phase: string }).phase === p.phase).length, p.rows);
  assert.equal(r.ctx.report.notes.seed, 7);
});

test('runCurriculumRoute: outDir writes one file per phase, stdout stays empty', async () => {
  const dir = tmpDir();
  const r = await runCore('curriculum-route', [input], (ctx) => runCurriculumRoute({ ...base, outDir: dir }, ctx));
  assert.equal(r.stdout, '');
  const phases = r.ctx.report.notes.phases as unknown as PhaseResult[];
  for (const p of phases) assert.equal(readFileSync(join(dir, `${p.phase}.jsonl`), 'utf8').split('\n').length - 1, p.rows);
});

test('runCurriculumRoute: no config is a UsageError', async () => {
  await assert.rejects(
    runCore('curriculum-route', [input], (ctx) => runCurriculumRoute({ ...base, config: undefined }, ctx)),
    (e: unknown) => e instanceof UsageError && /needs --config/.test(e.message),
  );
});
