import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { commandTypo, defineTool, failed, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

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
    '--sample N keeps N rows chosen uniformly at random (a bottom-k reservoir over the same keys: memory O(N), one pass); in random order it equals the first N rows of the full shuffle. ' +
    "Sharded form (keys depend on (seed, row index) only): shuffle each shard with --first-index (the rows before it) and --keys-out, then 'shuffle merge' the shards' outputs and keys files: byte for byte one shuffle (or --sample) over the concatenated shards.",
  usage: [
    'shuffle [--seed N] [--memory SIZE] [--tmp-dir DIR] [OPTIONS] [FILE...]',
    'shuffle --sample N [--sample-order random|input] [OPTIONS] [FILE...]',
    'shuffle --seed N --first-index N --keys-out FILE SHARD > SHARD.shuffled   (sharded form, per shard)',
    'shuffle merge --seed N SHARD.shuffled SHARD.keys ...                       (sharded form, once)',
    'shuffle offsets SHARD...',
  ],
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
    {
      name: 'first-index',
      type: 'integer',
      arg: 'N',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      default: 0,
      describe:
        'Sharded form: the input is a shard whose first row is row N of the whole input (N = the rows of the shards before it; shuffle offsets prints them). Its rows get the keys they have in the whole input. Skipping costs two PRNG steps per row before the shard.',
    },
    sharedOption('keys-out', {
      describe:
        'Sharded form: also write the key and row index of every row written (16 bytes a row, after a JSON header line; a footer with the row counts) to FILE, for shuffle merge. Written atomically. Not with --sample-order input.',
    }),
  ],
  examples: [
    ['shuffle --seed 7 examples/chat.ndjson > /tmp/shuffled.ndjson', 'Shuffle a file reproducibly.'],
    ['shuffle --seed 7 --memory 16K --tmp-dir /tmp examples/chat.ndjson | head -3', 'The same order through the external path (tiny memory budget: many sorted runs, merged).'],
    ['shuffle --sample 10 --sample-order input examples/gsm8k-sample.ndjson', 'Pick 10 rows uniformly at random, keep them in input order.'],
    ['cat examples/chat.ndjson | shuffle --validate --seed 1 | head -1', 'Shuffle standard input, checking that every line is a JSON object.'],
  ],
  seeAlso: ['split-holdout (deterministic splits)', 'curriculum-route', 'GNU shuf'],
});

/** The option table of `shuffle merge`. */
export const mergeSpec = defineTool({
  name: 'shuffle merge',
  version,
  summary: 'merge shuffled shards into the one shuffle of their concatenation',
  description:
    'Reads pairs ROWS KEYS, in input order: the output of `shuffle --seed S --first-index N --keys-out KEYS SHARD` for each shard, and its keys file. Writes the rows merged by (key, row index) to stdout: byte for byte the output of one shuffle --seed S over the concatenated shards (with --sample N, of shuffle --sample N). ' +
    'Checks that every shard was made with this --seed and that the shards are contiguous (each starts at the row where the ones before it end), and that each rows file holds exactly the rows of its keys file. Memory: one 1 MiB read buffer per shard (with --sample-order input, also the sampled rows).',
  usage: ['shuffle merge --seed N [--sample N [--sample-order random|input]] ROWS KEYS [ROWS KEYS...]'],
  positional: { name: 'ROWS KEYS', describe: "Each shard's shuffled output and its --keys-out file, shard after shard in input order." },
  options: [
    sharedOption('seed', { default: 0, describe: 'The --seed every shard was shuffled with.' }),
    {
      name: 'sample',
      type: 'integer',
      arg: 'N',
      min: 0,
      describe:
        'Write only the first N rows of the merged shuffle: the rows shuffle --sample N picks from the whole input. The shards may be run with --sample N too (each then holds its N smallest keys).',
    },
    {
      name: 'sample-order',
      type: 'choice',
      choices: ['random', 'input'],
      default: 'random',
      describe: 'Order of the --sample rows: random (shuffled) or input (in input order, as shuffle --sample-order input).',
    },
  ],
  examples: [
    [
      'shuffle --seed 7 --first-index 0 --keys-out /tmp/a.keys examples/chat.ndjson > /tmp/a.rows && shuffle merge --seed 7 /tmp/a.rows /tmp/a.keys | cmp - /tmp/a.rows',
      'One shard merged alone is its own shuffle.',
    ],
  ],
  seeAlso: ['shuffle', 'shuffle offsets', 'GNU parallel'],
});

/** The option table of `shuffle offsets`. */
export const offsetsSpec = defineTool({
  name: 'shuffle offsets',
  version,
  summary: "print each shard's --first-index: the rows before it",
  description:
    'Reads the shards of an input in order and writes one line per shard to stdout: the number of rows before it (its --first-index in the sharded form), a tab, and its name as given. Rows are counted as shuffle counts them (blank lines are not rows). Memory: one read chunk.',
  usage: ['shuffle offsets SHARD...'],
  options: [],
  examples: [['shuffle offsets examples/chat.ndjson examples/gsm8k-sample.ndjson', 'The first row index of each of two shards.']],
  seeAlso: ['shuffle', 'shuffle merge'],
});

/** Run shuffle (or `shuffle merge|offsets ...`) with `argv` on `io`; returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'merge') return runTool(mergeSpec, argv.slice(1), io, mergeHandler);
  if (argv[0] === 'offsets') return runTool(offsetsSpec, argv.slice(1), io, offsetsHandler);
  const typo = commandTypo(argv[0], ['merge', 'offsets'], existsSync);
  if (typo) return failed(spec.name, io, typo);
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runShuffle } = await import('./run.js');
  await runShuffle(
    {
      seed: o.seed,
      memory: o.memory,
      tmpDir: o['tmp-dir'],
      validate: o.validate,
      sample: o.sample,
      sampleOrder: o['sample-order'],
      firstIndex: o['first-index'],
      keysOut: o['keys-out'],
    },
    ctx,
  );
}

async function mergeHandler(o: OptionsOf<typeof mergeSpec.options>, ctx: ToolContext): Promise<void> {
  const { runMerge } = await import('./run.js');
  await runMerge({ seed: o.seed, sample: o.sample, sampleOrder: o['sample-order'] }, ctx);
}

async function offsetsHandler(_o: OptionsOf<typeof offsetsSpec.options>, ctx: ToolContext): Promise<void> {
  const { runOffsets } = await import('./run.js');
  await runOffsets(ctx);
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
