// Issue 15: one name per concept across all tools. Lists every tool's option tables (the tool and
// its subcommands, every tool folder found, so a new tool is checked without editing this file)
// and fails when a tool spells a shared concept differently from the table in @ldt/cli.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { optionNameProblems, repoRoot } from '@ldt/testkit';

type Spec = Parameters<typeof optionNameProblems>[0] extends ReadonlyMap<string, readonly (infer S)[]> ? S : never;

function isSpec(x: unknown): x is Spec {
  return typeof x === 'object' && x !== null && typeof (x as Spec).name === 'string' && Array.isArray((x as Spec).options) && Array.isArray((x as Spec).usage);
}

async function allSpecs(): Promise<Map<string, Spec[]>> {
  const m = new Map<string, Spec[]>();
  for (const tool of readdirSync(join(repoRoot(), 'tools')).sort()) {
    // Resolved through the root node_modules (the root package depends on every tool).
    const mod = (await import(`@ldt/${tool}`)) as Record<string, unknown>;
    m.set(tool, Object.values(mod).filter(isSpec));
  }
  return m;
}

test('every tool spells every shared concept as the table in @ldt/cli does', async () => {
  const specs = await allSpecs();
  assert.ok(specs.size >= 9, [...specs.keys()].join(', '));
  for (const [tool, tables] of specs) assert.ok(tables.length > 0, `${tool}: no option table exported`);
  assert.deepEqual(optionNameProblems(specs), []);
});

test('the check fails on the spellings issue 15 found (it is not vacuous)', async () => {
  const specs = await allSpecs();
  const base = (specs.get('shuffle') as Spec[])[0];
  const bad = (name: string, options: Spec['options']): Spec => ({ ...base, name, options });
  const withBad = new Map(specs);
  withBad.set('old-near', [bad('old-near', [{ name: 'jobs', type: 'integer', arg: 'N', describe: 'x' }])]);
  withBad.set('old-shuffle', [bad('old-shuffle', [{ name: 'tmpdir', type: 'string', arg: 'DIR', describe: 'x' }])]);
  withBad.set('own-seed', [bad('own-seed', [{ name: 'seed', type: 'integer', describe: 'x' }])]);
  withBad.set('twin-a', [bad('twin-a', [{ name: 'window', type: 'integer', describe: 'x' }])]);
  withBad.set('twin-b', [bad('twin-b', [{ name: 'window', type: 'integer', describe: 'x' }])]);
  assert.deepEqual(optionNameProblems(withBad), [
    'old-near --jobs: a deprecated spelling; the shared name is --threads',
    'old-shuffle --tmpdir: a deprecated spelling; the shared name is --tmp-dir',
    'old-shuffle --tmpdir: spells --tmp-dir another way',
    "own-seed --seed: not from the shared table (use sharedOption('seed', …))",
    '--window is declared by twin-a, twin-b outside the shared table: add it to SHARED_OPTIONS in @ldt/cli',
  ]);
});
