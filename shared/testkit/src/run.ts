// Running a tool in a test: in-process on memory streams, as a spawned binary, or a shell line.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { type ContextOptions, createToolContext, type Io, type ToolContext } from '@ldt/cli';
import { repoRoot } from './paths.js';

export type Main = (argv: readonly string[], io: Io) => Promise<number>;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
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
