import { writeSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { DataError, LdtError, UsageError } from '@ldt/errors';
import type { LineWriter, Lock, Report, RowOptions } from '@ldt/ndjson';
import { overBudget, type RejectBudget } from './budget.js';
import { type ContextScope, createToolContext } from './context.js';
import { renderHelp } from './help.js';
import { checkOutputs } from './outputs.js';
import { parseArgs, wantsHelpOrVersion } from './parse.js';
import { allOptions, type OptionSpec, type OptionsOf, type ToolSpec } from './spec.js';
import { stdoutStream } from './stdout.js';
import { didYouMean } from './suggest.js';

/** The process around a tool; tests pass in-memory streams. */
export interface Io {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
  /** Show progress (stderr is a terminal). */
  stderrIsTTY: boolean;
}

/** What a tool's handler gets besides its options. */
export interface ToolContext {
  io: Io;
  /** Input files from the command line (`-` = stdin; never empty). */
  inputs: string[];
  /** Counts and sinks; the harness prints its summary and writes --stats. */
  report: Report;
  /** Batched stdout writer; the harness flushes it at the end. */
  out: LineWriter;
  /** Options for `readRows`/`readLineChunks`, wired to stdin, the rejects sink, the counts and progress. */
  readOptions: RowOptions;
  /** Register a file written atomically: committed after the handler succeeds, removed if it fails. */
  openOutputFile(path: string): LineWriter;
  /** Add a line to the end of the summary (tool-specific facts). */
  summaryExtra: string[];
  /** Write a warning to stderr (`tool: warning: …`), even with --quiet. */
  warn(message: string): void;
  /** Set the tool-specific part of the progress line (e.g. `2/5 files`); shown only on a terminal. */
  progressDetail(text: string): void;
  /** Name the stage of a multi-pass tool (`signing`, `clustering`, `writing`): drawn at once on a terminal. */
  progressStage(name: string): void;
}

/** A tool's handler: its options typed from its table (`OptionsOf`), and the context. */
export type Handler<O extends readonly OptionSpec[] = readonly OptionSpec[]> = (options: OptionsOf<O>, ctx: ToolContext) => Promise<void>;

/**
 * Run a tool: help/version fast path, argv parsing, the handler, then the summary line, --stats,
 * atomic side files, and the mapping of errors to messages and exit codes. Returns the exit code
 * (0 ok, 1 data/runtime error, 2 usage error); never calls process.exit.
 */
export async function runTool<const O extends readonly OptionSpec[]>(spec: ToolSpec<O>, argv: readonly string[], io: Io, handler: Handler<O>): Promise<number> {
  const tool = spec.name;
  const ask = wantsHelpOrVersion(argv);
  if (ask === 'help') return writeOut(io.stdout, renderHelp(spec));
  if (ask === 'version') return writeOut(io.stdout, `${tool} ${spec.version}\n`);

  // Loaded here, not at the top: --help and --version must cost little more than `node -e 0`.
  const { acquireLock, normalizeInputs, outputTarget, trackTemp, untrackTemp, writeError } = await import('@ldt/ndjson');
  let options: Record<string, unknown>;
  let inputs: string[];
  try {
    const parsed = await parseArgs(spec, argv);
    options = parsed.options;
    for (const w of parsed.warnings) io.stderr.write(`${tool}: warning: ${w}\n`);
    // -h/-V grouped with other short flags (`-qh`) escape wantsHelpOrVersion; only the parser sees them.
    if (options.help === true) return writeOut(io.stdout, renderHelp(spec));
    if (options.version === true) return writeOut(io.stdout, `${tool} ${spec.version}\n`);
    inputs = spec.positional ? parsed.positionals : normalizeInputs(parsed.positionals);
  } catch (e) {
    return failed(tool, io, e);
  }

  const quiet = options.quiet === true;
  let scope: ContextScope | undefined;
  const locks: Lock[] = [];
  try {
    // Before anything is read or created: no output may be an input or another output.
    await checkOutputs(spec, options, spec.positional ? [] : inputs, io);
    for (const o of allOptions(spec)) {
      // No lock beside a device or FIFO (`--save-index /dev/null`): nothing is renamed into place there.
      if (o.lock && typeof options[o.name] === 'string' && !outputTarget(options[o.name] as string).direct)
        locks.push(acquireLock(options[o.name] as string, `--${o.name} ${options[o.name]}`));
    }
    scope = await createToolContext(tool, io, inputs, { rejects: options.rejects as string | undefined, progress: io.stderrIsTTY && !quiet });
    const { ctx } = scope;
    const { report } = ctx;
    await handler(options as OptionsOf<O>, ctx);
    await scope.finish();
    const statsPath = options.stats as string | undefined;
    // --max-rejects is checked at the very end: stdout, side files and --stats are all written first.
    const budget = options['max-rejects'] as RejectBudget | undefined;
    const over = budget ? overBudget(budget, report.rejectedTotal, report.counts.lines) : undefined;
    if (budget) report.notes.max_rejects = { limit: budget.text, exceeded: over !== undefined };
    if (statsPath) await writeStats(statsPath, spec, argv, options, inputs, report, { outputTarget, trackTemp, untrackTemp, writeError });
    if (over) ctx.summaryExtra.push('over the --max-rejects budget');
    if (!quiet) io.stderr.write(`${tool}: ${report.summary()}${ctx.summaryExtra.length > 0 ? `; ${ctx.summaryExtra.join('; ')}` : ''}\n`);
    if (over) {
      io.stderr.write(`${tool}: ${over}\n  hint: see the rows in ${options.rejects as string}; raise --max-rejects to accept them\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code === 'EPIPE') {
      // The reader of stdout went away (`| head`): success, and quiet. Side files are kept.
      await scope?.keep();
      return 0;
    }
    await scope?.abort();
    return failed(tool, io, e);
  } finally {
    for (const l of locks) l.release();
  }
}

async function writeStats(
  path: string,
  spec: ToolSpec<readonly OptionSpec[]>,
  argv: readonly string[],
  options: Record<string, unknown>,
  inputs: string[],
  report: Report,
  nd: Pick<typeof import('@ldt/ndjson'), 'outputTarget' | 'trackTemp' | 'untrackTemp' | 'writeError'>,
): Promise<void> {
  const stats = {
    tool: spec.name,
    version: spec.version,
    argv: [...argv],
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    inputs,
    ...report.toJSON(),
  };
  const text = `${JSON.stringify(stats, null, 2)}\n`;
  const target = nd.outputTarget(path);
  if (target.direct) {
    // A device or FIFO (--stats /dev/stderr): written in place, never renamed over.
    try {
      if (target.fd !== undefined) writeSync(target.fd, text);
      else await writeFile(path, text, { flag: 'a' });
    } catch (e) {
      throw nd.writeError(`--stats file ${path}`, e);
    }
    return;
  }
  const tmp = `${target.path}.tmp-${process.pid}`;
  nd.trackTemp(tmp);
  try {
    await writeFile(tmp, text);
    await rename(tmp, target.path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw nd.writeError(`--stats file ${path}`, e);
  } finally {
    nd.untrackTemp(tmp);
  }
}

function writeOut(stream: Writable, text: string): Promise<number> {
  return new Promise((resolve) => {
    stream.on('error', () => resolve(0));
    stream.write(text, () => resolve(0));
  });
}

/**
 * A mistyped subcommand: when `word` (the first argument) is not a command, not an option and
 * not an existing file, but close to one of `commands`, the usage error to print
 * (`unknown command 'sing'; did you mean 'sign'?`); else undefined.
 */
export function commandTypo(word: string | undefined, commands: readonly string[], isFile: (p: string) => boolean): UsageError | undefined {
  if (word === undefined || word === '-' || word.startsWith('-') || commands.includes(word) || isFile(word)) return undefined;
  const guess = didYouMean(word, commands);
  return guess ? new UsageError(`unknown command '${word}'; did you mean '${guess}'?`) : undefined;
}

/** Print an error the way every ldt tool does, and return its exit code. */
export function failed(tool: string, io: Io, e: unknown): number {
  const debug = io.env.LDT_DEBUG === '1';
  if (e instanceof UsageError) {
    io.stderr.write(`${tool}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}Try '${tool} --help' for more information.\n`);
    return 2;
  }
  if (e instanceof DataError) {
    const pos = e.position ? `${e.position.file}:${e.position.line}: ` : '';
    io.stderr.write(`${tool}: ${pos}${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}${debug ? `${e.stack}\n` : ''}`);
    return 1;
  }
  if (e instanceof LdtError) {
    io.stderr.write(`${tool}: ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    return 1;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
    // A system error (disk full, permission denied): expected, no stack.
    io.stderr.write(`${tool}: ${err.message}\n${debug ? `${err.stack}\n` : ''}`);
    return 1;
  }
  io.stderr.write(
    `${tool}: internal error: ${err?.message ?? String(e)}\n${err?.stack ?? ''}\nThis is a bug in ldt; please report it with the command line and, if possible, the input.\n`,
  );
  return 1;
}

/** Wire a tool's `main(argv, io)` to the real process: exit code via process.exitCode, never process.exit(). */
export function runProcess(main: (argv: string[], io: Io) => Promise<number>): void {
  const stdout = stdoutStream();
  const io: Io = {
    stdin: process.stdin,
    stdout,
    stderr: process.stderr,
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
  };
  // Errors on stdout (a late EPIPE, a full disk) must not crash with a trace: the tool's stdout
  // writer records them and the tool reports them in one line (see LineWriter.settle).
  stdout.on('error', () => {});
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = failed('ldt', io, e);
    },
  );
}
