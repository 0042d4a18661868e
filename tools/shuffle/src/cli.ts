import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'shuffle',
  version,
  summary: 'reproducible uniform shuffle of NDJSON rows, larger than memory too',
  description:
    'Reads NDJSON rows and writes them to stdout in a uniformly random order that depends only on --seed and the sequence of rows: the same input and seed give byte-identical output on any machine, whatever --memory is. Row i gets the i-th 64-bit output of the seeded ldt PRNG (xoshiro128**) as its key; rows are written in increasing (key, i). ' +
    'Rows are opaque lines by default (not parsed; invalid UTF-8 is still an error, CRLF and a BOM are handled, blank lines are skipped and counted); --validate parses each as a JSON object. ' +
    'Memory: when the rows and their 24-byte-per-row index fit --memory, the shuffle is done in memory; otherwise sorted runs are written to a private directory under --tmp-dir and k-way merged (up to 64 runs at once; more take extra merge passes), needing free disk about the input size. Peak RSS stays within --memory plus ~120 MB (Node itself, read and write buffers awaiting garbage collection). Temporary files are removed on success, on error and on SIGINT/SIGTERM. ' +
    '--sample N keeps N rows chosen uniformly at random (a bottom-k reservoir over the same keys: memory O(N), one pass); in random order it equals the first N rows of the full shuffle.',
  usage: ['shuffle [--seed N] [--memory SIZE] [--tmp-dir DIR] [OPTIONS] [FILE...]', 'shuffle --sample N [--sample-order random|input] [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    sharedOption('seed', {
      default: 0,
      describe: 'Seed of the permutation (0 to 4294967295). Different seeds give independent permutations.',
    }),
    sharedOption('memory', {
      default: 1024 ** 3,
      defaultText: '1GiB',
      describe:
        'Memory budget for buffered rows plus 24 bytes of index per row (e.g. 128M, 4GiB). Input that fits is shuffled in memory; larger input goes through sorted runs in --tmp-dir. Does not change the output.',
    }),
    sharedOption('tmp-dir', {
      describe: 'Directory for the temporary sorted runs of an external shuffle (a private subdirectory is created and removed). Needs free space about the size of the input.',
    }),
    {
      name: 'validate',
      type: 'boolean',
      default: false,
      describe: 'Parse every row as JSON and require an object (slower); bad lines are errors, or go to --rejects. Without it rows are opaque lines.',
    },
    {
      name: 'sample',
      type: 'integer',
      arg: 'N',
      min: 0,
      describe: 'Write only N rows, chosen uniformly at random (seeded; memory O(N), one pass). Fewer rows in the input: all of them.',
    },
    {
      name: 'sample-order',
      type: 'choice',
      choices: ['random', 'input'],
      default: 'random',
      describe: 'Order of the --sample rows: random (shuffled, the same as the first N rows of the full shuffle) or input (as they appear in the input).',
    },
  ],
  examples: [
    ['shuffle --seed 7 examples/chat.ndjson > /tmp/shuffled.ndjson', 'Shuffle a file reproducibly.'],
    ['shuffle --seed 7 --memory 16K --tmp-dir /tmp examples/chat.ndjson | head -3', 'The same order through the external path (tiny memory budget: many sorted runs, merged).'],
    ['shuffle --sample 10 --sample-order input examples/gsm8k-sample.ndjson', 'Pick 10 rows uniformly at random, keep them in input order.'],
    ['cat examples/chat.ndjson | shuffle --validate --seed 1 | head -1', 'Shuffle standard input, checking that every line is a JSON object.'],
  ],
  seeAlso: ['split-holdout (deterministic splits)', 'curriculum-route', 'GNU shuf'],
});

/** Run shuffle with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const [{ readLineChunks, readRows }, { shuffleStream }] = await Promise.all([import('@ldt/ndjson'), import('./api.js')]);
  const { report, out } = ctx;
  const sample = o.sample;
  const validate = o.validate;
  const dir = o['tmp-dir'] ?? (ctx.io.env.TMPDIR || tmpdir());

  async function* opaque(): AsyncGenerator<Buffer> {
    for await (const chunk of readLineChunks(ctx.inputs, ctx.readOptions)) yield chunk.buf;
  }
  async function* validated(): AsyncGenerator<Buffer> {
    for await (const batch of readRows(ctx.inputs, ctx.readOptions)) yield Buffer.from(`${batch.map((r) => r.raw).join('\n')}\n`);
  }
  // With --validate, readRows counts lines and blank lines into report.counts; the scanner then sees only rows.
  const counts = validate ? { lines: 0, blank: 0 } : report.counts;
  const res = await shuffleStream(
    validate ? validated() : opaque(),
    { seed: o.seed, memory: o.memory, tmpdir: dir, sample, sampleOrder: o['sample-order'] },
    counts,
    async (buf) => {
      out.pushBytes(buf);
      await out.flush();
      await report.flushSinks();
    },
  );
  report.written = res.written;
  if (sample !== undefined) {
    report.notes.sampled = res.written;
    // Rows left out of the sample are counted as dropped, so read = written + dropped holds.
    if (res.rows > res.written) report.dropped.set('not_sampled', res.rows - res.written);
  } else {
    report.notes.mode = res.mode;
    report.notes.runs = res.runs;
    report.notes.merges = res.merges;
    report.notes.temp_bytes = res.temp_bytes;
    if (res.mode === 'external') ctx.summaryExtra.push(`external: ${res.runs} sorted runs, ${res.merges} merge${res.merges === 1 ? '' : 's'}`);
  }
  report.notes.seed = o.seed;
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
