import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import {
  allOptions,
  type ContextOptions,
  createToolContext,
  deprecatedSpellings,
  type Io,
  type OptionSpec,
  renderHelp,
  renderOptionsTable,
  SHARED_OPTIONS,
  type ToolContext,
  type ToolSpec,
  tableCells,
} from '@ldt/cli';

export type Main = (argv: readonly string[], io: Io) => Promise<number>;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The repository root (the folder holding pnpm-workspace.yaml). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('testkit: cannot find the repository root');
    dir = up;
  }
  return dir;
}

/** Poll `cond` every 20 ms until it is true (resolves true) or `ms` pass (resolves false). */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * A file under ../shared/data (the real public datasets beside the repository), or undefined when
 * that folder is absent (a clone without it): checks over it skip, saying so. CI always has it, so
 * with CI=true a missing file throws and the test fails.
 */
export function sharedData(rel: string): string | undefined {
  const p = resolve(repoRoot(), '..', 'shared', 'data', rel);
  if (existsSync(p)) return p;
  // CI always has ../shared/data: there a missing file fails the test instead of skipping it.
  if (process.env.CI === 'true') throw new Error(`testkit: CI=true and ${p} is missing: the tests over ../shared/data are mandatory in CI`);
  return undefined;
}

/** A fresh temporary directory. */
export function tmpDir(prefix = 'ldt-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Run a tool's `main` in-process with in-memory streams. */
export async function runInProcess(main: Main, argv: readonly string[], opts: { stdin?: string | Buffer; env?: Record<string, string>; tty?: boolean } = {}): Promise<RunResult> {
  const m = memoryIo(opts);
  const code = await main(argv, m.io);
  return { code, ...m.output() };
}

/** In-memory process streams: `stdin` from a string, stdout and stderr collected. */
function memoryIo(opts: { stdin?: string | Buffer; env?: Record<string, string>; tty?: boolean }): { io: Io; output(): { stdout: string; stderr: string } } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => outChunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  return {
    io: { stdin, stdout, stderr, env: opts.env ?? {}, stderrIsTTY: opts.tty ?? false },
    output: () => ({ stdout: Buffer.concat(outChunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') }),
  };
}

/**
 * Call a tool's core (`runDedupExact`, `runSplit`, …) the way a library caller does: a context from
 * `createToolContext` over in-memory streams, the core, then `finish()` (or `abort()` if it throws).
 * Returns stdout, stderr and the context (its report holds the counts and notes).
 */
export async function runCore(
  tool: string,
  inputs: string[],
  core: (ctx: ToolContext) => Promise<void>,
  opts: ContextOptions & { stdin?: string | Buffer } = {},
): Promise<{ stdout: string; stderr: string; ctx: ToolContext }> {
  const m = memoryIo(opts);
  const scope = await createToolContext(tool, m.io, inputs, opts);
  try {
    await core(scope.ctx);
    await scope.finish();
  } catch (e) {
    await scope.abort();
    throw e;
  }
  await new Promise((r) => setImmediate(r));
  return { ...m.output(), ctx: scope.ctx };
}

/** Run the real bin (`node_modules/.bin/<tool>` at the repository root) as a child process. */
export function runBin(tool: string, argv: readonly string[], opts: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const bin = join(repoRoot(), 'node_modules', '.bin', tool);
  const r = spawnSync(bin, argv, { input: opts.input, cwd: opts.cwd ?? repoRoot(), env: { ...process.env, ...opts.env }, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Run a shell command line (for pipelines such as `tool | head -1`). */
export function runShell(command: string, opts: { cwd?: string } = {}): RunResult {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
    cwd: opts.cwd ?? repoRoot(),
    env: { ...process.env, PATH: `${join(repoRoot(), 'node_modules', '.bin')}:${process.env.PATH}` },
    maxBuffer: 1 << 30,
  });
  return { code: r.status ?? 1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Split an `args` file into argv: white space separates, single or double quotes group. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  return out;
}

/**
 * Golden cases (Miller's layout, descriptive names): each folder under `casesDir` holds
 * - `args`: the command line (without the tool name); `{case}` is the case folder, `{tmp}` a fresh temp folder;
 * - `in.ndjson` (optional): standard input;
 * - `out.ndjson`, `err.txt`: expected stdout and stderr; `exit` (optional, default 0);
 * - `expect.<name>` (optional): expected content of `{tmp}/<name>` (side files such as --dups, --rejects).
 * `UPDATE_GOLDEN=1` rewrites the expectations from the actual run; review the diff like code.
 */
export function goldenCases(casesDir: string): { name: string; run: (main: Main) => Promise<void> }[] {
  // A missing folder is a broken test, not zero cases.
  if (!existsSync(casesDir)) throw new Error(`testkit: golden cases folder ${casesDir} does not exist`);
  return readdirSync(casesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      run: async (main: Main) => {
        const dir = join(casesDir, name);
        const tmp = tmpDir();
        const sub = (s: string) => s.replaceAll('{case}', dir).replaceAll('{tmp}', tmp);
        const argv = splitArgs(readFileSync(join(dir, 'args'), 'utf8').trim()).map(sub);
        const stdin = existsSync(join(dir, 'in.ndjson')) ? readFileSync(join(dir, 'in.ndjson')) : undefined;
        const r = await runInProcess(main, argv, { stdin });
        const scrub = (t: string) => t.replaceAll(tmp, '{tmp}').replaceAll(dir, '{case}');
        const stderr = scrub(r.stderr);
        r.stdout = scrub(r.stdout);
        const update = process.env.UPDATE_GOLDEN === '1';
        const expectFiles = readdirSync(dir).filter((f) => f.startsWith('expect.'));
        if (update) {
          writeFileSync(join(dir, 'out.ndjson'), r.stdout);
          writeFileSync(join(dir, 'err.txt'), stderr);
          if (r.code !== 0) writeFileSync(join(dir, 'exit'), `${r.code}\n`);
          for (const f of expectFiles) {
            const actual = join(tmp, f.slice('expect.'.length));
            writeFileSync(join(dir, f), existsSync(actual) ? scrub(readFileSync(actual, 'utf8')) : '');
          }
          return;
        }
        const exit = existsSync(join(dir, 'exit')) ? Number(readFileSync(join(dir, 'exit'), 'utf8').trim()) : 0;
        assert.equal(r.code, exit, `exit code; stderr: ${r.stderr}`);
        assert.equal(r.stdout, readFileSync(join(dir, 'out.ndjson'), 'utf8'), 'stdout');
        assert.equal(stderr, readFileSync(join(dir, 'err.txt'), 'utf8'), 'stderr');
        // Every summary line keeps the one counting identity.
        const tool = /^(.+?): read \d+, wrote /m.exec(r.stderr)?.[1];
        if (tool) assertCounts(tool, { stderr: r.stderr });
        for (const f of expectFiles) {
          const actual = join(tmp, f.slice('expect.'.length));
          assert.ok(existsSync(actual), `${f}: ${actual} was not written`);
          assert.equal(scrub(readFileSync(actual, 'utf8')), readFileSync(join(dir, f), 'utf8'), f);
        }
      },
    }));
}

/** Write `rows` as NDJSON into `dir/name` and return the path. */
export function writeNdjson(dir: string, name: string, rows: readonly unknown[]): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return p;
}

/** Parse NDJSON text into values. */
export function parseNdjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

/**
 * The README check: every option of the tool's table must be documented in its README.md
 * (as `--name`), so help and docs cannot drift. Returns the missing flags.
 */
export function undocumentedFlags(readme: string, names: readonly string[]): string[] {
  return names.filter((n) => !readme.includes(`--${n}`));
}

/**
 * The documentation tests every tool has, registered with node:test: its README.md documents every
 * flag of the option tables of `specs` (the tool and its subcommands; `--no-NAME` for booleans
 * that default to true), embeds the current `--help`
 * of `specs[0]` (kept in sync by `node scripts/sync-help.mjs`), and every example of every `--help`
 * (the README's examples are the same) runs from the repository root, exits 0, and prints exactly
 * the standard output and error committed in the package's `test/help-examples.json` (`UPDATE_GOLDEN=1`
 * rewrites it; review the diff).
 */
export function docTests(pkgDir: string, specs: readonly ToolSpec[]): void {
  const readme = () => readFileSync(join(pkgDir, 'README.md'), 'utf8');
  test(`README documents every flag of the option table${specs.length > 1 ? 's' : ''} (${specs.map((s) => s.name).join(', ')})`, () => {
    const text = readme();
    for (const s of specs)
      assert.deepEqual(
        undocumentedFlags(
          text,
          allOptions(s).map((o) => o.name),
        ),
        [],
        s.name,
      );
    // A boolean that defaults to true is switched off with --no-NAME: that is the flag users type.
    for (const s of specs)
      for (const o of allOptions(s)) if ((o.type === 'boolean' && o.default === true) || o.negatable) assert.ok(text.includes(`--no-${o.name}`), `${s.name}: --no-${o.name}`);
  });
  test('README flag tables are generated from the option tables', () => {
    const text = readme();
    for (const s of specs) {
      const start = `<!-- options:start ${s.name} -->\n`;
      const at = text.indexOf(start);
      const end = text.indexOf('<!-- options:end -->', at);
      assert.ok(
        at >= 0 && end > at,
        `README.md has no flag table for ${s.name}: add ${start.trim()} and <!-- options:end --> under ## Options, then run node scripts/sync-help.mjs`,
      );
      assert.deepEqual(
        tableCells(text.slice(at + start.length, end)),
        tableCells(renderOptionsTable(s)),
        `README.md: the flag table of ${s.name} differs from its option table: run node scripts/sync-help.mjs (after a build)`,
      );
    }
  });
  test('README tables: every row has as many cells as its header (a `|` inside a cell is escaped as \\|)', () => {
    assert.deepEqual(brokenTableRows(readme()), []);
  });
  test('README embeds the current --help text', () => {
    assert.ok(readme().includes(renderHelp(specs[0]).trim()), 'README.md is out of date: run node scripts/sync-help.mjs (after a build)');
  });
  test('every --help example runs, exits 0 and prints what test/help-examples.json expects', () => {
    const file = join(pkgDir, 'test', 'help-examples.json');
    const commands = [...new Set(specs.flatMap((s) => s.examples.map(([cmd]) => cmd)))];
    const actual: Record<string, { stdout: string; stderr: string }> = {};
    for (const cmd of commands) {
      const r = runShell(cmd);
      assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
      actual[cmd] = { stdout: r.stdout, stderr: r.stderr };
    }
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    assert.ok(existsSync(file), `${file} is missing: run the tests with UPDATE_GOLDEN=1 and review it`);
    const expected = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { stdout: string; stderr: string }>;
    assert.deepEqual(Object.keys(expected).sort(), [...commands].sort(), 'the examples of --help changed: run the tests with UPDATE_GOLDEN=1 and review test/help-examples.json');
    for (const cmd of commands) {
      assert.equal(actual[cmd].stdout, expected[cmd].stdout, `the standard output of: ${cmd}`);
      assert.equal(actual[cmd].stderr, expected[cmd].stderr, `the standard error of: ${cmd}`);
    }
  });
}

/**
 * The Markdown table rows of `text` whose cell count differs from their table's header, as
 * `line N: got X cells, header has Y`. GitHub splits cells at every `|` that is not escaped,
 * inside code spans too (`<|im_start|>` breaks a row; `<\|im_start\|>` renders as intended).
 */
export function brokenTableRows(text: string): string[] {
  const out: string[] = [];
  const cells = (row: string) =>
    row
      .trim()
      .replace(/^\|/, '')
      .replace(/(?<!\\)\|$/, '')
      .split(/(?<!\\)\|/).length;
  let fence = false;
  let header = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence || !/^\s*\|/.test(line)) {
      header = 0;
      continue;
    }
    const n = cells(line);
    if (header === 0) header = n;
    else if (n !== header) out.push(`line ${i + 1}: got ${n} cells, header has ${header}`);
  }
  return out;
}

/** The counts of a summary line or a `--stats` JSON. */
export interface Counts {
  read: number;
  written: number;
  repeated: number;
  dropped: number;
  rejected: number;
}

/** The counts of a summary line (`tool: read 10, wrote 8, repeated 1, dropped 3 (…), rejected 0 …`), or undefined when `stderr` has none. */
export function summaryCounts(stderr: string, tool: string): Counts | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith(`${tool}: read `));
  if (!line) return undefined;
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  return {
    read: num(/: read (\d+)/),
    written: num(/, wrote (\d+)/),
    repeated: num(/, repeated (\d+)/),
    dropped: num(/, dropped (\d+)/),
    rejected: num(/, rejected (\d+)/),
  };
}

/** The counts of a `--stats` JSON (as written by @ldt/cli). */
export function statsCounts(stats: { read: number; written: number; repeated?: number; dropped_total: number; rejected_total: number }): Counts {
  return { read: stats.read, written: stats.written, repeated: stats.repeated ?? 0, dropped: stats.dropped_total, rejected: stats.rejected_total };
}

/**
 * THE counting identity every ldt tool keeps, in its summary line and its `--stats`:
 * read = written − repeated + dropped + rejected (every row read is written once, or dropped,
 * or rejected; repeated copies are written on top). Pass the stderr of a run (its summary line)
 * and/or the parsed `--stats` JSON; with both, they must also agree. Fails the test otherwise.
 */
export function assertCounts(tool: string, run: { stderr?: string; stats?: Parameters<typeof statsCounts>[0] }): Counts {
  const fromLine = run.stderr !== undefined ? summaryCounts(run.stderr, tool) : undefined;
  const fromStats = run.stats !== undefined ? statsCounts(run.stats) : undefined;
  assert.ok(fromLine || fromStats, `${tool}: no summary line and no --stats to check the counts of`);
  if (run.stderr !== undefined) assert.ok(fromLine, `${tool}: no summary line in stderr:\n${run.stderr}`);
  if (fromLine && fromStats) assert.deepEqual(fromLine, fromStats, `${tool}: the summary line and --stats disagree`);
  const c = (fromLine ?? fromStats) as Counts;
  assert.equal(
    c.read,
    c.written - c.repeated + c.dropped + c.rejected,
    `${tool}: read ${c.read} != written ${c.written} - repeated ${c.repeated} + dropped ${c.dropped} + rejected ${c.rejected}`,
  );
  return c;
}

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

/**
 * Compile a WebAssembly text file with wabt, exactly as `scripts/build-wasm.mjs` does at build
 * time, so a test can check that the built `.wasm` a package loads is its current source.
 */
export async function wasmFromWat(watPath: string): Promise<Buffer> {
  const require = createRequire(join(repoRoot(), 'package.json'));
  const wabt = await (require('wabt') as () => Promise<WabtModule>)();
  const mod = wabt.parseWat(watPath, readFileSync(watPath, 'utf8'), { simd: true, bulk_memory: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

interface WabtModule {
  parseWat(name: string, text: string, features: Record<string, boolean>): { validate(): void; toBinary(o: Record<string, boolean>): { buffer: Uint8Array }; destroy(): void };
}

/** What a fast-check run reports (the fields of its RunDetails used here). */
export interface PropertyRunDetails {
  failed: boolean;
  interrupted: boolean;
  numRuns: number;
  numSkips: number;
  seed: number;
  counterexample: unknown;
  counterexamplePath: string | null;
  errorInstance: unknown;
}

/**
 * Parameters for `fc.assert` of a property test (issue 13): a fixed seed unless `FC_SEED` says
 * another (`FC_SEED=random` draws one), `defaultRuns` runs unless `FC_RUNS` says more, and with
 * `FC_TIME_MS` a time limit after which the run stops (not a failure). With `FC_LOG=FILE` each
 * property appends one JSON line (name, runs, seed, time, failure) to FILE: scripts/fuzz-long.mjs
 * reads them. A failure throws with the seed and path that replay it
 * (`FC_SEED=<seed> FC_PATH=<path> node --test --test-name-pattern=<the test> FILE`: the path is one property's).
 */
export function fcParams(name: string, defaultRuns: number) {
  const env = process.env;
  const seed = env.FC_SEED === 'random' ? (Math.random() * 2 ** 31) | 0 : Number(env.FC_SEED ?? 20261207) | 0;
  const numRuns = env.FC_RUNS ? Number(env.FC_RUNS) : defaultRuns;
  const t0 = Date.now();
  return {
    seed,
    numRuns,
    ...(env.FC_PATH ? { path: env.FC_PATH } : {}),
    ...(env.FC_TIME_MS ? { interruptAfterTimeLimit: Number(env.FC_TIME_MS), markInterruptAsFailure: false } : {}),
    endOnFailure: env.FC_SHRINK === '0',
    reporter(d: PropertyRunDetails): void {
      if (env.FC_LOG) {
        const line = {
          name,
          runs: d.numRuns,
          skips: d.numSkips,
          seed: d.seed,
          ms: Date.now() - t0,
          interrupted: d.interrupted,
          failed: d.failed,
          path: d.counterexamplePath,
          error: d.failed ? String(d.errorInstance).slice(0, 2000) : undefined,
          counterexample: d.failed ? short(d.counterexample) : undefined,
        };
        writeFileSync(env.FC_LOG, `${JSON.stringify(line)}\n`, { flag: 'a' });
      }
      if (d.failed)
        throw new Error(
          `property "${name}" failed after ${d.numRuns} runs (replay: FC_SEED=${d.seed} FC_PATH=${d.counterexamplePath})\ncounterexample: ${short(d.counterexample)}\n${d.errorInstance instanceof Error ? (d.errorInstance.stack ?? d.errorInstance.message) : String(d.errorInstance)}`,
        );
    },
  };
}

function short(v: unknown): string {
  const s = inspect(v, { depth: 6, maxArrayLength: 64, maxStringLength: 400, breakLength: 160 });
  return s.length > 3000 ? `${s.slice(0, 3000)}…` : s;
}
