// One flag name per concept: checks of option names across tools.
import assert from 'node:assert/strict';
import { allOptions, deprecatedSpellings, type OptionSpec, SHARED_OPTIONS, type ToolSpec } from '@ldt/cli';
import { assertCounts } from './counts.js';
import { type Main, runInProcess } from './run.js';

/**
 * A deprecated spelling (issue 15) must give byte-identical stdout to the new name, the same
 * stderr after one `tool: warning: --old is deprecated; use --new` line per old spelling, and the
 * counting identity. `oldArgv` and `newArgv` are the same command line in both spellings.
 */
export async function assertDeprecatedSpellings(
  main: Main,
  tool: string,
  oldArgv: readonly string[],
  newArgv: readonly string[],
  opts: { stdin?: string | Buffer } = {},
): Promise<void> {
  const now = await runInProcess(main, newArgv, opts);
  const old = await runInProcess(main, oldArgv, opts);
  assert.equal(now.code, 0, now.stderr);
  assert.equal(old.code, 0, old.stderr);
  assert.equal(old.stdout, now.stdout, 'stdout with the deprecated spellings');
  const warnings = old.stderr.split('\n').filter((l) => l.startsWith(`${tool}: warning: --`) && l.includes(' is deprecated; use --'));
  assert.ok(warnings.length > 0, `no deprecation warning in:\n${old.stderr}`);
  assert.equal(old.stderr, `${warnings.join('\n')}\n${now.stderr}`);
  if (/: read \d+, wrote /.test(now.stderr)) assertCounts(tool, { stderr: now.stderr });
}

/**
 * Names that two tools use for two different things, on purpose. Each needs a reason; the
 * options test (test/test/options.test.ts) fails on any other name shared outside the table.
 */
export const SAME_NAME_OTHER_MEANING: Readonly<Record<string, string>> = {
  config:
    'hf-fetch --config NAME is a dataset config, as in the datasets library (load_dataset(path, name)); curriculum-route --config FILE is the curriculum file. Both are the names their users know.',
  partition:
    'manifest cat --partition NAME selects a partition folder of a built dataset; dedup-exact --partition I/P is step 2 of its sharded form (a hash partition). Arrived with the sharded forms (issue 16); a rename is left to the lead.',
  format:
    'to-chatml --format NAME is the input format of the rows (alpaca, sharegpt, ...); hf-fetch registry plan --format makefile|json is the form of the exported plan. Both are what their users call it.',
};

/**
 * The one-name-per-concept check over every tool's option tables (issue 15): `specs` maps a tool
 * to its tables (the tool and its subcommands). Returns one line per problem:
 * - an option spelled as a deprecated spelling of a shared name (`--jobs`, `--tmpdir`, `--key`, …),
 *   or the same letters as a shared name with other dashes (`--tmpdir` for `--tmp-dir`);
 * - a shared name not taken from the table (another type or argument, or no `concept`);
 * - a name that two tools declare on their own, outside the table (and not in SAME_NAME_OTHER_MEANING).
 */
export function optionNameProblems(specs: ReadonlyMap<string, readonly ToolSpec[]>): string[] {
  const problems: string[] = [];
  const shared = SHARED_OPTIONS as Record<string, OptionSpec>;
  const deprecated = deprecatedSpellings();
  const squash = (n: string) => n.replaceAll('-', '');
  const bySquash = new Map(Object.keys(shared).map((n) => [squash(n), n]));
  const owners = new Map<string, Set<string>>();
  for (const [tool, tables] of specs) {
    for (const spec of tables) {
      for (const o of allOptions(spec)) {
        const where = `${spec.name} --${o.name}`;
        const old = deprecated.get(o.name);
        if (old) problems.push(`${where}: a deprecated spelling; the shared name is --${old}`);
        const same = bySquash.get(squash(o.name));
        if (same && same !== o.name) problems.push(`${where}: spells --${same} another way`);
        const s = shared[o.name];
        if (s) {
          if (o.type !== s.type || o.arg !== s.arg || o.concept !== s.concept) problems.push(`${where}: not from the shared table (use sharedOption('${o.name}', …))`);
          continue;
        }
        if (o.concept) continue; // common options (--rejects, --stats, --quiet, …)
        if (!owners.has(o.name)) owners.set(o.name, new Set());
        owners.get(o.name)?.add(tool);
      }
    }
  }
  for (const [name, tools] of owners)
    if (tools.size > 1 && SAME_NAME_OTHER_MEANING[name] === undefined)
      problems.push(`--${name} is declared by ${[...tools].sort().join(', ')} outside the shared table: add it to SHARED_OPTIONS in @ldt/cli`);
  return problems;
}
