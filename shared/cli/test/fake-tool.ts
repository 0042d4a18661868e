// Shared fixture for the @ldt/cli tests: a small fake tool with one option of each type, a
// copy handler, and a runner over in-memory streams. Not a test file itself (it has no tests).
import { PassThrough, Readable, type Writable } from 'node:stream';
import { type Handler, type Io, runTool, type ToolSpec } from '@ldt/cli';
import { readRows } from '@ldt/ndjson';

/** The option table of `fake-tool`: every option type, bounds, defaults, repeatable and not. */
export const spec: ToolSpec = {
  name: 'fake-tool',
  version: '1.2.3',
  summary: 'copy NDJSON rows unchanged (a fixture for the @ldt/cli tests)',
  description: 'Reads NDJSON rows and writes each one to stdout as read. Memory: one read chunk. Deterministic: the same input gives the same output.',
  usage: ['fake-tool [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    { name: 'seed', type: 'integer', arg: 'N', describe: 'Seed of the PRNG.', default: 42, min: 0, max: 4294967295 },
    { name: 'limit', type: 'integer', arg: 'N', describe: 'Stop after N rows. Off when absent.', min: 1, max: 1000 },
    { name: 'ratio', type: 'number', arg: 'R', describe: 'Fraction of rows held out.', default: 0.1, min: 0, max: 1 },
    { name: 'offset', type: 'number', describe: 'Added to every score.' },
    { name: 'size', type: 'size', describe: 'Memory budget.', default: 268435456, defaultText: '256MiB', min: 1024 },
    { name: 'mode', type: 'choice', choices: ['fast', 'exact', 'lazy'], describe: 'How rows are compared.', default: 'exact' },
    { name: 'key', type: 'paths', arg: 'PATHS', describe: 'Comma-separated field paths of the key.' },
    { name: 'group-by', type: 'paths', arg: 'PATHS', repeatable: true, describe: 'Field paths to group by.' },
    { name: 'against', type: 'string', arg: 'FILE', repeatable: true, describe: 'Reference NDJSON file.' },
    { name: 'label', type: 'string', arg: 'NAME', describe: 'A label for the run.', default: 'run' },
    { name: 'dups', type: 'string', arg: 'FILE', describe: 'Also write every row to FILE (a side file, written atomically).' },
    { name: 'shuffle', type: 'boolean', describe: 'Shuffle the rows; --no-shuffle keeps input order.', default: true },
    { name: 'keep-going', type: 'boolean', describe: 'Go on after errors.', default: false },
  ],
  examples: [
    ['fake-tool examples/chat.ndjson > /tmp/copy.ndjson', 'Copy a chat file.'],
    ['fake-tool --key text --against examples/eval.ndjson examples/text.ndjson', 'Key on text against an eval set.'],
  ],
  seeAlso: ['dedup-exact', 'shuffle'],
};

/** Every long option name of the fake tool's own table. */
export const ownOptionNames = spec.options.map((o) => o.name);

/**
 * The tiny handler of the brief: read rows, push each raw line to stdout, count it, flush per
 * batch. With `--dups FILE` every row also goes to that side file (via ctx.openOutputFile).
 */
export const copyHandler: Handler = async (options, ctx) => {
  const dupsPath = options.dups as string | undefined;
  const side = dupsPath ? ctx.openOutputFile(dupsPath) : undefined;
  for await (const batch of readRows(ctx.inputs, ctx.readOptions)) {
    for (const row of batch) {
      ctx.out.push(row.raw);
      side?.push(row.raw);
    }
    ctx.report.written += batch.length;
    await ctx.out.flush();
    await ctx.report.flushSinks();
  }
};

/** A handler that copies like `copyHandler`, then throws `error`. */
export function copyThenThrow(error: unknown): Handler {
  return async (options, ctx) => {
    await copyHandler(options, ctx);
    throw error;
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string | Buffer;
  handler?: Handler;
  stderrIsTTY?: boolean;
  env?: Record<string, string | undefined>;
  /** Use this stdout instead of a collecting PassThrough. */
  stdout?: Writable;
  /** Another tool's option table instead of fake-tool's (the handler still defaults to `copyHandler`). */
  spec?: ToolSpec;
}

/** Run `fake-tool` (or `opts.spec`) in-process on in-memory streams; collects stdout and stderr as text. */
export async function runFake(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const io: Io = {
    stdin: Readable.from([Buffer.from(opts.stdin ?? '')]),
    stdout: opts.stdout ?? stdout,
    stderr,
    env: opts.env ?? {},
    stderrIsTTY: opts.stderrIsTTY ?? false,
  };
  const code = await runTool(opts.spec ?? spec, argv, io, opts.handler ?? copyHandler);
  // Let queued 'data' events run before reading what was collected.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
