import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { commandTypo, defineTool, failed, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const groupBy = sharedOption('group-by', {
  describe:
    'Comma-separated dotted paths whose values form the group key (e.g. meta.cluster from dedup-near, a conversation id, meta.source). Rows with the same key always land in the same split.',
  defaultText: 'meta.content_hash if present, else the compared value of the record kind (text, messages, …; see shared/schema), canonical: keys sorted',
});
const missingGroup = {
  name: 'missing-group',
  type: 'choice',
  choices: ['error', 'own'],
  default: 'error',
  describe:
    'A row without the --group-by paths: error (exit 1 naming file:line, or a missing_group reject with --rejects), or own (the row is its own group, keyed by its content).',
} as const;
const normalize = sharedOption('normalize', {
  describe:
    'Text normalisation of group key strings (and of the row text hashed as the default key), the same as dedup-exact --normalize: none, whitespace, lower or aggressive. E.g. lower makes "Alice" and "alice" one group.',
});

/** The option table of `split-holdout` (splitting). */
export const spec = defineTool({
  name: 'split-holdout',
  version,
  summary: 'deterministic, group-aware, leakage-proof train/val/test splits',
  description:
    'Reads NDJSON rows and writes each one with meta.split added (every byte outside meta as read) to stdout, or with --out-dir to one file per split. The split is a function of hash(seed, group key) only: x = top 53 bits of XXH3-64 of the UTF-8 text "<seed>:<group key>", divided by 2^53, and the row goes to the first split whose cumulative ratio exceeds x. So appending rows never moves existing ones, input order does not matter, and a group never straddles splits. ' +
    'Hard holdouts (--holdout, --holdout-file) send whole groups to the holdout split; they need two passes over the input (standard input is spooled to a temporary file). The summary counts rows and groups per split (and per stratum with --stratify). ' +
    'Memory: streaming; 20-24 bytes per distinct (group, split) for the group counts (the same again per stratum with --stratify, and per held-out group). Deterministic: the same input, flags and --seed give byte-identical output. ' +
    "'split-holdout check FILE...' audits finished splits for leaks (see split-holdout check --help).",
  usage: [
    'split-holdout [--ratios train=0.98,val=0.01,test=0.01] [--group-by PATHS] [--seed N] [OPTIONS] [FILE...]',
    'split-holdout --out-dir DIR [OPTIONS] [FILE...]',
    'split-holdout check [--group-by PATHS] [--near] [FILE...]',
  ],
  rejects: true,
  options: [
    {
      name: 'ratios',
      type: 'string',
      arg: 'SPEC',
      default: 'train=0.98,val=0.01,test=0.01',
      describe: 'Split names and ratios, NAME=RATIO,… in [0, 1] summing to 1; any names (letters, digits, _ . -).',
    },
    sharedOption('seed', {
      max: Number.MAX_SAFE_INTEGER,
      default: 0,
      describe: 'Seed of the group hash. Another seed gives another, independent assignment.',
    }),
    sharedOption('threads', {
      max: 64,
      describe:
        'Worker threads that parse rows and hash their groups in parallel (one pass to stdout, without --holdout, --holdout-file or --stratify; the counting and writing stay on the main thread, in input order). 1 = no worker threads. The output is byte-identical for any value.',
      defaultText: 'the number of CPUs, at most 4; 1 when reading a pipe (the other stages use the other cores)',
    }),
    groupBy,
    missingGroup,
    normalize,
    {
      name: 'holdout',
      type: 'string',
      arg: 'PATH=GLOB',
      repeatable: true,
      describe:
        "Send every group with a row whose value at PATH matches GLOB (a string as is, anything else as JSON text; any element for a * path) to the holdout split, e.g. meta.family=sarcasm or 'meta.source=hf://datasets/org/*'. GLOB: * any run of characters (also /), ? one character (the glob syntax of curriculum-route); without them an exact value. A rule that matches no row is an error (exit 1, nothing written) unless --allow-empty-holdout.",
    },
    {
      name: 'allow-empty-holdout',
      type: 'boolean',
      default: false,
      describe: 'A --holdout rule that matches no row is only a warning (e.g. for shards under GNU parallel, where a shard may lack the held-out family).',
    },
    {
      name: 'holdout-file',
      file: 'input',
      type: 'string',
      arg: 'FILE',
      describe: 'Ids or content hashes, one per line (blank lines and # comments ignored): every group with a row whose --holdout-key value is listed goes to the holdout split.',
    },
    {
      name: 'holdout-key',
      type: 'string',
      arg: 'PATH',
      default: 'meta.content_hash',
      describe: 'The field the --holdout-file entries are matched against (e.g. id).',
    },
    {
      name: 'holdout-split',
      type: 'string',
      arg: 'NAME',
      default: 'test',
      describe: 'The split that held-out groups go to; a name not in --ratios becomes an extra split that only holdouts fill.',
    },
    {
      name: 'stratify',
      type: 'string',
      arg: 'PATH',
      describe:
        'Count rows and groups per split within each value of PATH (e.g. meta.source) and warn when a stratum is more than 4 standard deviations off its ratios. The assignment stays hash(seed, group) only, so ratios hold within every stratum in expectation, to ±√(n·p·(1−p)) groups for a stratum of n groups.',
    },
    sharedOption('out-dir', {
      describe:
        'Write one NDJSON file per split, DIR/<split>.ndjson (created if needed), instead of stdout. Atomic: the files appear complete at the end, or not at all (on error or Ctrl-C).',
    }),
    sharedOption('tmp-dir', { describe: 'Directory for the copy of standard input that hard holdouts read twice (a private subdirectory, removed at the end).' }),
  ],
  examples: [
    ['split-holdout examples/chat.ndjson | head -2', 'Default 98/1/1 split by content; meta.split on every row.'],
    [
      'split-holdout --ratios train=0.8,test=0.2 --group-by meta.source --seed 4 --out-dir /tmp/splits examples/split-holdout-sources.ndjson',
      'Group by source so no source is on both sides; one file per split.',
    ],
    [
      'split-holdout --ratios train=0.9,val=0.1 --holdout meta.family=multiple-choice --holdout-split test examples/split-holdout-sources.ndjson > /tmp/split.ndjson',
      'Hard holdout: every multiple-choice question (and its group) goes to an extra test split.',
    ],
    ['split-holdout check /tmp/splits/train.ndjson /tmp/splits/test.ndjson', 'Audit the files written above for leaks (exit 1 if any).'],
  ],
  seeAlso: ['dedup-exact (meta.content_hash)', 'dedup-near (meta.cluster)', 'shuffle', 'manifest'],
});

/** The option table of `split-holdout check`. */
export const checkSpec = defineTool({
  name: 'split-holdout check',
  version,
  summary: 'audit finished splits for leaks between them',
  description:
    'Reads split files (or a stream whose rows carry meta.split) and reports every leak between splits: exact duplicates (the same meta.content_hash, else the same content hash of the row without meta), --group-by keys present in more than one split, and with --near the near-duplicate clusters (meta.cluster, from dedup-near) that cross splits. The split of a row is its meta.split, else its file name without extensions (out/val.ndjson → val). ' +
    'Each leak is one line on stdout naming both rows by file:line, once per key and extra split; the summary counts them. Exit 1 if there is any leak. Memory: about 150 bytes per distinct key checked.',
  usage: ['split-holdout check [--group-by PATHS] [--near] [OPTIONS] FILE...', 'split-holdout ... | split-holdout check [OPTIONS]'],
  rejects: true,
  options: [
    sharedOption('group-by', {
      describe: 'Also report group keys (values at these paths) found in more than one split.',
      defaultText: 'no group check (exact duplicates are always checked)',
    }),
    missingGroup,
    normalize,
    {
      name: 'near',
      type: 'boolean',
      default: false,
      describe: 'Also report near-duplicate clusters (meta.cluster, as dedup-near writes it) whose rows are in more than one split.',
    },
  ],
  examples: [
    ['split-holdout --out-dir /tmp/splits examples/chat.ndjson && split-holdout check /tmp/splits/*.ndjson', 'Split by content, then audit the result.'],
    ['split-holdout check --near --group-by meta.source examples/split-holdout-leaky.ndjson || echo leaks found', 'Audit a stream carrying meta.split with planted leaks.'],
  ],
  exitStatus: ['1  also: at least one leak was found (each is printed on stdout)'],
  seeAlso: ['split-holdout', 'dedup-exact', 'dedup-near'],
});

/** Run split-holdout (or `split-holdout check ...`) with `argv` on `io`; returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'check') {
    let leaks = 0;
    const code = await runTool(checkSpec, argv.slice(1), io, async (o, ctx) => {
      leaks = await checkHandler(o, ctx);
    });
    return code === 0 && leaks > 0 ? 1 : code;
  }
  const typo = commandTypo(argv[0], ['check'], existsSync);
  if (typo) return failed(spec.name, io, typo);
  return runTool(spec, argv, io, splitHandler);
}

async function splitHandler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const { runSplit } = await import('./run.js');
  await runSplit(
    {
      ratios: o.ratios,
      seed: o.seed,
      threads: o.threads,
      groupBy: o['group-by'],
      normalize: o.normalize,
      missingGroup: o['missing-group'],
      holdout: o.holdout ?? [],
      holdoutFile: o['holdout-file'],
      holdoutKey: o['holdout-key'],
      holdoutSplit: o['holdout-split'],
      allowEmptyHoldout: o['allow-empty-holdout'],
      stratify: o.stratify,
      outDir: o['out-dir'],
      tmpDir: o['tmp-dir'],
      quiet: o.quiet,
    },
    ctx,
  );
}

async function checkHandler(o: OptionsOf<typeof checkSpec.options>, ctx: ToolContext): Promise<number> {
  const { runCheck } = await import('./run.js');
  return runCheck({ groupBy: o['group-by'], normalize: o.normalize, missingGroup: o['missing-group'], near: o.near }, ctx);
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
