import { UsageError } from '@ldt/errors';
import type { AtomicFile, LineWriter } from '@ldt/ndjson';
import { Progress } from './progress.js';
import type { Io, ToolContext } from './run.js';

/** What `createToolContext` needs besides the process streams. */
export interface ContextOptions {
  /** Write rejected rows verbatim to this file (atomically, like every side file). */
  rejects?: string;
  /** Draw a progress line on stderr (default: when stderr is a terminal). */
  progress?: boolean;
}

/** A `ToolContext` and what to do with its outputs at the end. */
export interface ContextScope {
  ctx: ToolContext;
  /** The progress line (stopped by `finish`/`abort`). */
  progress: Progress;
  /** Settle stdout, flush the rejects and drops sinks, commit the side files, stop progress. */
  finish(): Promise<void>;
  /** Remove the side files (on an error) and stop progress. */
  abort(): Promise<void>;
  /** Keep the side files written so far (the reader of stdout went away: not an error). */
  keep(): Promise<void>;
}

/**
 * The context a tool's core runs in (`runSplit`, `runDedupExact`, …): counts, the stdout writer,
 * atomic side files, warnings and progress, over the given process streams. `runTool` uses it
 * around every handler; a library caller uses it to call a core directly:
 *
 *   const scope = await createToolContext('dedup-exact', io, ['rows.ndjson']);
 *   await runDedupExact({ ... }, scope.ctx);
 *   await scope.finish();   // or scope.abort() on an error
 *   scope.ctx.report.summary();
 */
export async function createToolContext(tool: string, io: Io, inputs: string[], opts: ContextOptions = {}): Promise<ContextScope> {
  // Loaded here, not at the top: --help and --version must cost little more than `node -e 0`.
  const { AtomicFile, LineWriter, Report } = await import('@ldt/ndjson');
  const files: AtomicFile[] = [];
  const openOutputFile = (path: string): LineWriter => {
    if (files.some((f) => f.path === path)) throw new UsageError(`${path} is given as the output of two options`);
    const f = new AtomicFile(path);
    files.push(f);
    return f.writer;
  };
  const rejects = opts.rejects ? openOutputFile(opts.rejects) : undefined;
  const report = new Report({ rejects });
  const progress = new Progress(tool, io.stderr, () => report.counts.lines, opts.progress ?? io.stderrIsTTY);
  const out = new LineWriter(io.stdout, undefined, 'standard output');
  const ctx: ToolContext = {
    io,
    inputs,
    report,
    out,
    readOptions: { stdin: io.stdin, rejector: report, counts: report.counts, onBytes: (n) => (progress.bytes += n) },
    openOutputFile,
    summaryExtra: [],
    warn: (m) => io.stderr.write(`${tool}: warning: ${m}\n`),
    progressDetail: (text) => {
      progress.detail = text;
    },
    progressStage: (name) => progress.stage(name),
  };
  return {
    ctx,
    progress,
    async finish() {
      // Settle stdout before saying anything about it: a full disk is reported after the write, and a
      // reader gone meanwhile is a quiet exit 0, never a summary.
      await out.settle();
      await report.flushSinks();
      for (const f of files) await f.commit();
      progress.stop();
    },
    async abort() {
      progress.stop();
      for (const f of files) await f.abort();
    },
    async keep() {
      progress.stop();
      for (const f of files) await f.commit().catch(() => f.abort());
    },
  };
}
