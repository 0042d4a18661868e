import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allOptions, type Io, renderHelp, type ToolSpec } from '@ldt/cli';

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
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => outChunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const stdin = Readable.from(opts.stdin === undefined ? [] : [Buffer.from(opts.stdin)]);
  const code = await main(argv, { stdin, stdout, stderr, env: opts.env ?? {}, stderrIsTTY: opts.tty ?? false });
  return { code, stdout: Buffer.concat(outChunks).toString('utf8'), stderr: Buffer.concat(errChunks).toString('utf8') };
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
 * runs from the repository root and exits 0.
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
    for (const s of specs) for (const o of allOptions(s)) if (o.type === 'boolean' && o.default === true) assert.ok(text.includes(`--no-${o.name}`), `${s.name}: --no-${o.name}`);
  });
  test('README embeds the current --help text', () => {
    assert.ok(readme().includes(renderHelp(specs[0]).trim()), 'README.md is out of date: run node scripts/sync-help.mjs (after a build)');
  });
  test('every --help example runs and exits 0', () => {
    for (const [cmd] of specs.flatMap((s) => s.examples)) {
      const r = runShell(cmd);
      assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
    }
  });
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
