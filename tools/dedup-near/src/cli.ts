import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { commandTypo, defineTool, failed, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

// The options, one constant each: the one-shot table and the staged subcommands share them (typed).
const fields = sharedOption('fields', {
  describe:
    'Comma-separated dotted field paths whose strings form the compared text, joined by newlines (e.g. question, extra_info.question, messages.*.content). Message objects contribute their content and tool calls; each row uses the paths it has, a row with none is a missing_field reject.',
  defaultText: 'by record kind (shared/schema): text; message contents and tool calls of chat rows; prompt, chosen; prompt, completion; prompt',
});
const threshold = { name: 'threshold', type: 'number', describe: 'Jaccard similarity at or above which two rows are near-duplicates.', default: 0.8, min: 0.01, max: 1 } as const;
const ngram = { name: 'ngram', type: 'integer', describe: 'Word n-gram size of the shingles.', default: 5, min: 1, max: 100 } as const;
const charNgram = {
  name: 'char-ngram',
  type: 'integer',
  describe:
    'Use character n-grams of this size for every row. 0: word n-grams, except rows whose letters are mostly CJK/Thai (scripts written without spaces), which get character 5-grams automatically.',
  default: 0,
  min: 0,
  max: 100,
} as const;
const numPerm = { name: 'num-perm', type: 'integer', describe: 'Number of MinHash permutations.', default: 128, min: 2, max: 1024 } as const;
const bands = {
  name: 'bands',
  type: 'integer',
  describe:
    "LSH bands (with --rows). Default: derived from --threshold and --num-perm by minimising the weighted false-positive and false-negative probability as datasketch's optimal_param does, with weights 0.1/0.9 when verifying (14 x 9 at 0.8 and 128: a pair of Jaccard 0.85 becomes a candidate with probability 0.975) and datasketch's 0.5/0.5 with --no-verify (9 x 13).",
  min: 1,
} as const;
const rows = { name: 'rows', type: 'integer', describe: 'Rows (signature values) per LSH band (with --bands); bands x rows <= --num-perm.', min: 1 } as const;
const verify = {
  name: 'verify',
  type: 'boolean',
  describe:
    'Verify every LSH candidate pair by the exact Jaccard similarity of its shingle sets, so no pair below --threshold is ever joined. --no-verify joins every candidate pair (faster, false positives possible).',
  default: true,
} as const;
const keep = {
  name: 'keep',
  type: 'choice',
  choices: ['first', 'longest', 'shortest'],
  describe: 'Which row of a cluster is kept: the first in input order, the longest or the shortest compared text (ties: the first).',
  default: 'first',
} as const;
const dups = sharedOption('dups', {
  describe:
    'Write dropped rows to FILE with meta.dup_of (the cluster id of the kept row, or file:line of the matched reference), meta.dup_reason and meta.similarity (Jaccard with the kept row or reference; absent for ngram_overlap). Written atomically.',
});
const mark = {
  name: 'mark',
  type: 'boolean',
  describe:
    "Keep every row and add meta.cluster (the cluster id: XXH3-128 of the kept row's normalised text, 32 hex digits) and meta.cluster_size; rows that would be dropped also get meta.dup_of, meta.dup_reason and meta.similarity. For split-holdout --group-by meta.cluster.",
  default: false,
} as const;
const against = sharedOption('against', {
  describe:
    'Reference NDJSON file (e.g. an eval set): drop (or, with --mark, mark) rows that near-duplicate any reference row (in_reference), naming it (file:line) in meta.dup_of. References are not written.',
});
const againstFields = sharedOption('against-fields', { describe: 'The compared fields of the --against rows, when they have another shape than the input.' });
const overlapNgram = {
  name: 'overlap-ngram',
  type: 'integer',
  arg: 'N',
  describe:
    'Also flag rows sharing any N-gram of words (after normalisation; characters for CJK/Thai rows) with an --against row (ngram_overlap), as GPT-3 did with N=13. Unlike MinHash matching, which needs most of the text to agree, one shared N-gram suffices: it catches an eval item quoted inside a longer row. 0: off.',
  default: 0,
  min: 0,
  max: 1000,
} as const;
const index = sharedOption('index', {
  describe:
    'Load the index saved by an earlier run (--save-index) and drop rows that near-duplicate a row in it (in_index). Must match --num-perm, --bands/--rows, --ngram, --char-ngram and --seed.',
});
const saveIndex = sharedOption('save-index', {
  describe:
    'Save the kept rows (loaded --index plus the rows kept in this run) as a versioned binary index: band keys and shingle sets, 4 x bands + 24 bytes + 4 per shingle per row. May be the same file as --index.',
});
const seed = sharedOption('seed', { describe: 'Seed of the MinHash permutations.', default: 0 });
const threads = sharedOption('threads', {
  describe:
    'Worker threads that parse the input and compute signatures (normalise, shingle, MinHash), one 1 MiB chunk of lines at a time; 1 does it in the main thread. The output does not depend on it.',
  defaultText: 'the number of cores; 1 when reading a pipe (the other stages use the other cores)',
});
const memory = sharedOption('memory', {
  default: 1024 ** 3,
  defaultText: '1GiB',
  describe:
    'Memory budget for the band keys of the rows and their sort: 4 x bands + 16 bytes per row (72 at the defaults, so 1GiB holds ~14.9 million rows), e.g. 512M, 2GiB. Keys that fit are sorted in memory; beyond it, sorted runs of (band key, row id) records (8 bytes each) go to the temporary directory and are merged. Does not change the output or the counts.',
});
const tmpDir = sharedOption('tmp-dir', {
  describe:
    'Directory for the temporary files, in a private subdirectory removed on exit, error, SIGINT and SIGTERM: the shingle sets, the band-key runs and the standard-input spool.',
  defaultText: 'the OS temporary directory ($TMPDIR)',
});
const assignment = { name: 'assignment', type: 'string', file: 'input', arg: 'FILE', describe: 'The output of `dedup-near cluster` (required).' } as const;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'dedup-near',
  version,
  summary: 'drop near-duplicate rows (MinHash-LSH, verified Jaccard) and decontaminate against eval sets',
  description:
    'Reads NDJSON rows and writes to stdout, in input order, one row of each cluster of near-duplicates: rows whose shingle sets have Jaccard similarity >= --threshold, found by MinHash-LSH, verified exactly, and joined transitively (union-find). Every byte outside meta is written as read. ' +
    'The compared text is --fields (default: text for text rows, every message content for chat rows, prompt + chosen for preference rows), normalised (NFKC, lower-case, punctuation and white space folded) and cut into word 5-grams; rows whose letters are mostly CJK/Thai (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan: scripts without spaces) get character n-grams automatically. ' +
    'Dropped rows are counted on stderr by reason (near_duplicate, in_index, in_reference, ngram_overlap) and, with --dups, written there with meta.dup_of, meta.dup_reason and meta.similarity; --mark keeps every row and adds meta.cluster and meta.cluster_size instead. ' +
    'Two passes: the input is read twice (standard input is spooled to a temporary file), with shingle sets in a temporary file (4 bytes per distinct shingle). Memory: 13 bytes per row while reading and 25 at the clustering peak, plus the band keys (4 x bands + 16 bytes per row, 72 at the defaults: 14 bands) up to --memory; beyond --memory they are sorted externally (sorted runs on disk, merged). ' +
    'Rows are parsed and signed in --threads worker threads; deterministic whatever the thread count: the same input, flags and --seed give byte-identical output. ' +
    'Staged mode, for data spread over shards or machines: `dedup-near sign` (per shard, stateless) writes signatures, `dedup-near cluster` reads them all (in the order given; bounded memory: an external sort of the band keys beyond --memory) and writes one assignment line per row, `dedup-near apply` filters or marks a shard by it; the result is byte-identical to the one-shot run over the shards in the same order. See `dedup-near sign --help`.',
  usage: [
    'dedup-near [OPTIONS] [FILE...]',
    'dedup-near --mark [OPTIONS] [FILE...]',
    'dedup-near --against REF [--against-fields PATHS] [--overlap-ngram 13] [OPTIONS] [FILE...]',
    'dedup-near sign [OPTIONS] SHARD > SHARD.sign; dedup-near cluster [OPTIONS] SIGN... > assignment; dedup-near apply --assignment FILE SHARD',
  ],
  rejects: true,
  options: [
    fields,
    threshold,
    ngram,
    charNgram,
    numPerm,
    bands,
    rows,
    verify,
    keep,
    dups,
    mark,
    against,
    againstFields,
    overlapNgram,
    index,
    saveIndex,
    seed,
    threads,
    memory,
    tmpDir,
  ],
  examples: [
    [
      'dedup-near --fields instruction,input examples/dedup-near-toolformer.ndjson > /tmp/unique.ndjson',
      'Drop near-duplicate instructions (Alpaca rows: name the fields; text, chat and preference rows need no --fields).',
    ],
    [
      'dedup-near --fields instruction,input --threshold 0.7 --dups /tmp/dups.ndjson examples/dedup-near-toolformer.ndjson > /tmp/unique.ndjson',
      'Compare two fields at a lower threshold; keep what was dropped, with the kept row and the similarity.',
    ],
    [
      'dedup-near --fields instruction,input --mark examples/dedup-near-toolformer.ndjson | head -3',
      'Keep every row and label its cluster, e.g. for split-holdout --group-by meta.cluster.',
    ],
    [
      'dedup-near --fields question --against examples/gsm8k-test-sample.ndjson --overlap-ngram 13 --dups /tmp/contaminated.ndjson examples/dedup-near-gsm8k-socratic.ndjson > /tmp/clean.ndjson',
      'Decontaminate: drop rows whose question near-duplicates (or shares a 13-gram with) an eval question.',
    ],
    [
      'dedup-near --fields instruction,input --save-index /tmp/near.idx examples/dedup-near-toolformer.ndjson > /dev/null && dedup-near --fields instruction,input --index /tmp/near.idx examples/dedup-near-toolformer.ndjson | wc -l',
      'Deduplicate new data against what an earlier run kept (here, everything is dropped: 0).',
    ],
  ],
  seeAlso: ['dedup-exact (exact duplicates)', 'split-holdout (--group-by meta.cluster)', 'manifest'],
});

/** `dedup-near sign`: per-shard signatures. */
export const signSpec = defineTool({
  name: 'dedup-near sign',
  version,
  summary: 'staged mode, step 1: write the signatures (band keys and shingle sets) of the rows of a shard',
  description:
    'Reads NDJSON rows and writes a sign file to stdout: a header line with the signing parameters, then one line per row (shard name as given, row number in the shard, text length, content hash, band keys, base64 shingle set). Stateless: shards can be signed in parallel (GNU parallel, a map step). Memory: one read chunk. Give every shard the same options; `dedup-near cluster` checks they match.',
  usage: ['dedup-near sign [OPTIONS] SHARD > SHARD.sign', "parallel 'dedup-near sign {} > {}.sign' ::: shard-*.ndjson"],
  rejects: true,
  options: [fields, threshold, ngram, charNgram, numPerm, bands, rows, seed, threads],
  examples: [['dedup-near sign --fields instruction,input examples/dedup-near-toolformer.ndjson > /tmp/tf.sign', 'Sign one shard.']],
  seeAlso: ['dedup-near cluster', 'dedup-near apply'],
});

/** `dedup-near cluster`: all signatures → assignment. */
export const clusterSpec = defineTool({
  name: 'dedup-near cluster',
  version,
  summary: 'staged mode, step 2: cluster the rows of every sign file and write one assignment line per row',
  description:
    'Reads sign files (from `dedup-near sign`, in the order of the shards of the one-shot run), verifies LSH candidates, clusters, and writes to stdout one JSON line per row: {"shard","row","cluster","cluster_size"} plus "dup_reason","dup_of","similarity" for rows to drop. The signing parameters come from the sign files. Memory: as the one-shot run (25 bytes per row at the peak, band keys within --memory, beyond it sorted runs in the temporary directory; shingle sets in a temporary file) plus 8 bytes per row (shard and row number); the sign files are read once.',
  usage: ['dedup-near cluster [OPTIONS] SIGN... > assignment.ndjson'],
  positional: { name: 'SIGN', describe: "sign files written by `dedup-near sign`, in shard order ('-' or none: standard input)." },
  options: [fields, threshold, verify, keep, against, againstFields, index, saveIndex, memory, tmpDir],
  examples: [
    [
      'dedup-near sign --fields instruction,input examples/dedup-near-toolformer.ndjson > /tmp/tf.sign && dedup-near cluster /tmp/tf.sign > /tmp/tf.assign',
      'Cluster the signed shard(s).',
    ],
  ],
  seeAlso: ['dedup-near sign', 'dedup-near apply'],
});

/** `dedup-near apply`: filter or mark a shard by the assignment. */
export const applySpec = defineTool({
  name: 'dedup-near apply',
  version,
  summary: 'staged mode, step 3: filter (or mark) shards by the assignment written by `dedup-near cluster`',
  description:
    "Reads the --assignment file (only the lines of the shards given) and the shards, and writes each shard's rows exactly as the one-shot run would: kept rows, or with --mark every row with meta.cluster and meta.cluster_size; dropped rows are counted by reason and, with --dups, written there. Give the shard paths exactly as they were given to `dedup-near sign`. Memory: one small record per row of the given shards.",
  usage: ['dedup-near apply --assignment FILE [--mark] [--dups FILE] SHARD... > out.ndjson'],
  options: [assignment, mark, dups],
  examples: [
    [
      'dedup-near sign --fields instruction,input examples/dedup-near-toolformer.ndjson > /tmp/tf.sign && dedup-near cluster /tmp/tf.sign > /tmp/tf.assign && dedup-near apply --assignment /tmp/tf.assign examples/dedup-near-toolformer.ndjson > /tmp/unique.ndjson',
      'The three steps on one shard: the same rows as `dedup-near --fields instruction,input examples/dedup-near-toolformer.ndjson`.',
    ],
  ],
  seeAlso: ['dedup-near sign', 'dedup-near cluster'],
});

/** Run dedup-near with `argv` on `io`; returns the exit code. `sign`, `cluster`, `apply` as the first argument run a stage. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  switch (argv[0]) {
    case 'sign':
      return runTool(signSpec, argv.slice(1), io, signHandler);
    case 'cluster':
      return runTool(clusterSpec, argv.slice(1), io, clusterHandler);
    case 'apply':
      return runTool(applySpec, argv.slice(1), io, applyHandler);
    default: {
      const typo = commandTypo(argv[0], ['sign', 'cluster', 'apply'], existsSync);
      if (typo) return Promise.resolve(failed(spec.name, io, typo));
      return runTool(spec, argv, io, handler);
    }
  }
}

/** The options `nearOptions` reads (the one-shot table has all of them; the stages some). */
type NearArgs = Partial<OptionsOf<typeof spec.options>> & Pick<OptionsOf<typeof spec.options>, 'threshold'>;

async function nearOptions(o: NearArgs): Promise<import('./near.js').NearOptions> {
  const [{ parsePaths }, { optimalParams }] = await Promise.all([import('@ldt/schema'), import('./minhash.js')]);
  const numPerm = o['num-perm'] ?? 128;
  const threshold = o.threshold;
  let bands = o.bands;
  let rows = o.rows;
  if ((bands === undefined) !== (rows === undefined))
    throw new UsageError('--bands and --rows go together', 'give both, e.g. --bands 16 --rows 8, or neither to derive them from --threshold');
  if (bands !== undefined && rows !== undefined && bands * rows > numPerm)
    throw new UsageError(`--bands x --rows must be at most --num-perm (${numPerm}); got ${bands} x ${rows} = ${bands * rows}`);
  // With verification, a false positive costs only a Jaccard check, a false negative a missed
  // duplicate: weight FN 0.9 (14 x 9 at 0.8: P(candidate | J=0.85) = 0.975). Without it, datasketch's 0.5/0.5.
  const verify = o.verify ?? true;
  if (bands === undefined || rows === undefined) ({ bands, rows } = verify ? optimalParams(threshold, numPerm, 0.1, 0.9) : optimalParams(threshold, numPerm));
  const fieldsArg = o.fields;
  const againstArg = o['against-fields'];
  return {
    fields: fieldsArg ? parsePaths(fieldsArg) : undefined,
    againstFields: againstArg ? parsePaths(againstArg) : undefined,
    numPerm,
    threshold,
    bands,
    rows,
    ngram: o.ngram ?? 5,
    charNgram: o['char-ngram'] ?? 0,
    autoCharNgram: 5,
    verify,
    keep: o.keep ?? 'first',
    seed: o.seed ?? 0,
    overlapNgram: o['overlap-ngram'] ?? 0,
    tmpDir: o['tmp-dir'],
  };
}

function markDupsError(): UsageError {
  return new UsageError(
    '--mark and --dups do not go together: with --mark no row is dropped',
    "rows that would be dropped are written with meta.dup_reason; select them with e.g. jq -c 'select(.meta.dup_reason)'",
  );
}

/** `--threads`, else the CPUs (1 when reading a pipe: see `defaultWorkers`). */
async function threadsOf(o: { threads?: number }, ctx: ToolContext): Promise<number> {
  if (o.threads !== undefined) return o.threads;
  const { defaultWorkers } = await import('@ldt/ndjson');
  return defaultWorkers(ctx.inputs, availableParallelism());
}

async function signHandler(o: OptionsOf<typeof signSpec.options>, ctx: ToolContext): Promise<void> {
  const { runSign } = await import('./stages.js');
  await runSign(await nearOptions(o), await threadsOf(o, ctx), ctx);
}

async function clusterHandler(o: OptionsOf<typeof clusterSpec.options>, ctx: ToolContext): Promise<void> {
  const { runCluster } = await import('./stages.js');
  const against = o.against ?? [];
  if (o['against-fields'] && against.length === 0) throw new UsageError('--against-fields needs --against FILE');
  const n = await nearOptions(o);
  await runCluster(
    {
      threshold: n.threshold,
      keep: n.keep,
      verify: n.verify,
      fields: n.fields,
      againstFields: n.againstFields,
      against,
      index: o.index,
      saveIndex: o['save-index'],
      tmpDir: n.tmpDir,
      memory: o.memory,
    },
    ctx,
  );
}

async function applyHandler(o: OptionsOf<typeof applySpec.options>, ctx: ToolContext): Promise<void> {
  const { runApply } = await import('./stages.js');
  const assignment = o.assignment;
  if (!assignment) throw new UsageError('apply needs --assignment FILE', 'the assignment is the output of `dedup-near cluster`');
  if (o.mark === true && o.dups !== undefined) throw markDupsError();
  await runApply(assignment, o.mark, o.dups, ctx);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const { runNear } = await import('./run.js');
  const against = o.against ?? [];
  if (o['against-fields'] && against.length === 0) throw new UsageError('--against-fields needs --against FILE');
  if (o.mark === true && o.dups !== undefined) throw markDupsError();
  const opts = await nearOptions(o);
  if (opts.overlapNgram > 0 && against.length === 0) throw new UsageError('--overlap-ngram needs --against FILE', 'the n-grams are looked up in the reference rows');
  await runNear(
    opts,
    {
      against,
      dups: o.dups,
      mark: o.mark,
      index: o.index,
      saveIndex: o['save-index'],
      jobs: await threadsOf(o, ctx),
      memory: o.memory,
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
