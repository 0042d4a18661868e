import { createRequire } from 'node:module';
import { checkOutputs, defineTool, didYouMean, type Io, type OptionSpec, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Options that only some commands take (the rest are common to all). */
const ONLY: Record<string, readonly string[]> = {
  'out-dir': ['build', 'report'],
  'partition-by': ['build'],
  'shard-size': ['build'],
  'shard-rows': ['build'],
  compress: ['build'],
  'group-by': ['build'],
  tokenizer: ['build', 'show'],
  template: ['build'],
  fields: ['build', 'show'],
  single: ['build'],
  croissant: ['build'],
  name: ['build'],
  require: ['build'],
  'min-rows': ['build'],
  'stats-from': ['build'],
  rejects: ['build', 'show'],
  'max-rejects': ['build', 'show'],
  partition: ['cat'],
  json: ['show'],
};
const COMMANDS = ['build', 'verify', 'cat', 'show', 'report'];

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'manifest',
  version,
  summary: 'write checksummed shards with a manifest; verify them; stream them back',
  description:
    'manifest build reads NDJSON rows and writes them verbatim into shards DIR/<partition>/part-NNNNN.jsonl[.zst|.gz] (partitioned by --partition-by, cut at --shard-size bytes or --shard-rows rows) and DIR/manifest.json: per shard its path, rows, raw and stored bytes, sha256 and tokens; totals; a dataset id (sha256 over the shard checksums: the same data gives the same id); rows and tokens by source (or --group-by) x split x phase; the fields seen with their types and formats; the sources (dataset, revision) named in meta.source; and the tool chain from --stats-from files. Everything is written to a staging folder and moved into place at the end, so DIR is never half-written; a failed --require / --min-rows gate writes nothing (exit 1). ' +
    'manifest verify DIR re-hashes and re-counts every shard and exits 1 naming each one that is missing, extra, truncated or altered. manifest cat DIR streams the rows back to stdout. ' +
    'manifest show DIR prints a summary to stdout (tables that fit 100 columns, or --json): dataset id, sources and revisions, rows and tokens by source x split x phase, the pipeline funnel from the tool chain, lengths per split x phase, gates, and the verify status (it re-hashes every shard). manifest show [FILE...] (or -) summarises an NDJSON stream instead: kinds, fields, sources, splits and phases, length percentiles, tokens. ' +
    'manifest report DIR writes one self-contained HTML page (Chart.js, styles and data inlined; opens from disk with no network) with charts and their numbers: rows and tokens by source x split x phase, length distributions per split and phase, the pipeline funnel, near-duplicate cluster sizes, PII findings, licences. Written to DIR/report.html (or -o FILE) atomically; inside DIR it is recorded in manifest.json as a side file, so verify accepts it and a rebuild replaces it. ' +
    'Nothing goes to stdout but rows (cat); the summary goes to stderr. Memory: per partition one open shard and up to 4 frames of 4 MiB raw bytes (queued or being compressed; up to 3x that allocated, as rows are encoded into buffers sized for the worst case), plus the group, source and field tables (bounded by their distinct values, at most 2000 field paths). Deterministic: the same input and flags give byte-identical shards and manifest (no timestamps).',
  usage: [
    'manifest build --out-dir DIR [OPTIONS] [FILE...]',
    'manifest verify DIR',
    'manifest cat DIR [--partition NAME]...',
    'manifest show DIR [--json] | manifest show [--json] [FILE...]',
    'manifest report DIR [-o FILE]',
  ],
  positional: {
    name: 'COMMAND',
    describe:
      "build [FILE...], show [FILE...]: NDJSON input files, read in order ('-' or none: standard input; .gz/.zst decompressed). verify DIR, cat DIR, show DIR, report DIR: a folder written by manifest build.",
  },
  rejects: true,
  options: [
    sharedOption('out-dir', {
      describe:
        'build: the output folder (required). Must be new, empty, or an earlier manifest build (replaced as a whole). report: the HTML file to write (default DIR/report.html; inside DIR only at its top).',
    }),
    {
      name: 'partition-by',
      type: 'paths',
      arg: 'PATHS',
      describe:
        "build: comma-separated field paths whose values name the partition folder (split=train/phase=cpt); a row without a value at a path has no segment for it; rows with none go to 'all'. Values are %-encoded outside [A-Za-z0-9._-].",
      default: ['meta.split', 'meta.phase'],
    },
    {
      name: 'shard-size',
      type: 'size',
      arg: 'SIZE',
      describe: 'build: cut a shard before it exceeds SIZE raw (uncompressed) bytes; a single larger row gets a shard of its own.',
      default: 256e6,
      defaultText: '256MB',
      min: 1,
    },
    { name: 'shard-rows', type: 'integer', arg: 'N', describe: 'build: also cut a shard at N rows.', defaultText: 'no row limit', min: 1 },
    {
      name: 'compress',
      type: 'choice',
      choices: ['zstd', 'gzip', 'none'],
      describe: 'build: shard compression: zstd (level 3), gzip (level 6), or none (the fastest: zstd runs in WebAssembly at ~30-100 MB/s).',
      default: 'none',
    },
    sharedOption('group-by', {
      describe: 'build: the fields counts and tokens are grouped by (crossed with meta.split and meta.phase), e.g. meta.family.',
      defaultText: 'the dataset part of meta.source',
    }),
    sharedOption('tokenizer', {
      describe:
        'build: count tokens with o200k_base or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json (@huggingface/tokenizers). Without it token counts are an estimate, ceil(UTF-8 bytes / 4) per text, labelled "estimate" in the manifest.',
    }),
    sharedOption('template', {
      describe:
        'build: count the tokens of each row as a trainer renders it with this chat template: chatml, or a tokenizer_config.json / .jinja file (chat rows: the rendered conversation with its tool definitions; preference rows: prompt+chosen and prompt+rejected; KTO: prompt+completion; text rows: the text). The manifest records the rule (count_rule chat-template-v1) and the template itself, so manifest verify recounts without the file.',
      defaultText: 'no template: the texts of the record model',
    }),
    sharedOption('fields', {
      describe: 'build: the fields whose strings are counted as tokens.',
      defaultText: 'by record kind (shared/schema): message contents, reasoning, tool calls and tool definitions; text; else every string outside meta',
    }),
    {
      name: 'single',
      type: 'string',
      arg: 'FILE',
      describe: 'build: also write every row, in input order, to one NDJSON FILE (.zst/.gz compressed by extension), atomically; its sha256 goes in the manifest.',
    },
    {
      name: 'croissant',
      type: 'boolean',
      describe: 'build: also write DIR/croissant.json (MLCommons Croissant 1.0 JSON-LD: a FileObject with sha256 per shard, a FileSet, RecordSets, splits).',
      default: false,
    },
    { name: 'name', type: 'string', arg: 'NAME', describe: 'build: the dataset name in the manifest and croissant.json.', defaultText: 'the --out-dir folder name' },
    {
      name: 'require',
      type: 'string',
      arg: 'PATH=V1,V2',
      repeatable: true,
      describe: 'build: gate: fail (exit 1, nothing written, listing what is missing) unless every listed value occurs at PATH in some row, e.g. meta.family=math,code.',
    },
    { name: 'min-rows', type: 'integer', arg: 'N', min: 0, describe: 'build: gate: fail (exit 1, nothing written) unless every group (see --group-by) has at least N rows.' },
    {
      name: 'stats-from',
      type: 'string',
      arg: 'FILE',
      repeatable: true,
      describe:
        'build: a --stats JSON file written by an earlier ldt tool; its tool, version, argv, seed and row counts go into the tool chain of the manifest, in the order given.',
    },
    { name: 'partition', type: 'string', arg: 'NAME', repeatable: true, describe: 'cat: only the partitions whose folder name is NAME or starts with NAME/ (e.g. split=train).' },
    sharedOption('json', { describe: 'show: print the summary as JSON (for scripts) instead of tables.' }),
  ],
  examples: [
    [
      'manifest build --out-dir /tmp/ds --compress zstd --shard-rows 50 examples/chat.ndjson && manifest verify /tmp/ds',
      'Shard a chat file (zstd, 50 rows per shard), then check every shard.',
    ],
    [
      'manifest build -o /tmp/ds-mix --compress gzip --croissant --single /tmp/ds-mix.ndjson --group-by meta.family --require meta.family=math,chat examples/manifest-mix.ndjson',
      'Partition by meta.split, group counts by family, fail unless both families are present; also write croissant.json and one portable file.',
    ],
    [
      'manifest build -o /tmp/ds-tok --tokenizer o200k_base --partition-by none examples/gsm8k-sample.ndjson 2>&1 >/dev/null | tail -1',
      'Real o200k_base token counts, no partitions (a path that no row has).',
    ],
    ['manifest build -o /tmp/ds-cat examples/manifest-mix.ndjson && manifest cat /tmp/ds-cat --partition split=test | head -2', 'Stream back the rows of one split.'],
    [
      'manifest build -q -o /tmp/ds-show --stats-from examples/manifest-stats.json examples/manifest-mix.ndjson && manifest show /tmp/ds-show',
      'What a dataset is made of, in the terminal (verified).',
    ],
    ['to-chatml examples/to-chatml-mixed.ndjson | manifest show -', 'Summarise a stream without building a dataset (kinds, fields, sources, lengths, tokens).'],
    [
      'manifest build -q -o /tmp/ds-report examples/manifest-mix.ndjson && manifest report /tmp/ds-report && manifest verify /tmp/ds-report',
      'Write /tmp/ds-report/report.html (charts, self-contained) and check that verify accepts it.',
    ],
  ],
  exitStatus: ['1 also: verify found a missing, extra, truncated or altered shard or report; a --require / --min-rows gate failed (show DIR prints a failed verify and exits 0)'],
  seeAlso: ['curriculum-route', 'split-holdout', 'dedup-exact', 'hf-fetch'],
});

/** Run manifest with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, (o, ctx) => handler(o, ctx, argv));
}

type Options = OptionsOf<typeof spec.options>;

function given(o: Options, name: string): boolean {
  const opt: OptionSpec | undefined = spec.options.find((x) => x.name === name);
  const v = (o as unknown as Record<string, unknown>)[name];
  if (v === undefined) return false;
  if (Array.isArray(v)) return !(Array.isArray(opt?.default) && v.join(',') === opt.default.join(',')) && v.length > 0;
  return v !== opt?.default;
}

async function handler(o: Options, ctx: ToolContext, argv: readonly string[]): Promise<void> {
  const [command, ...rest] = ctx.inputs;
  if (command === undefined) throw new UsageError('a command is needed: build, verify, cat, show or report');
  if (!COMMANDS.includes(command)) {
    const guess = didYouMean(command, COMMANDS);
    throw new UsageError(`unknown command ${JSON.stringify(command)}; ${guess ? `did you mean '${guess}'?` : 'expected build, verify, cat, show or report'}`);
  }
  const foreign = Object.keys(ONLY).filter((n) => !ONLY[n].includes(command) && given(o, n));
  if (foreign.length > 0) throw new UsageError(`manifest ${command} does not take ${foreign.map((n) => `--${n}`).join(', ')}`);
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const core = await import('./run.js');
  if (command === 'build') {
    const { normalizeInputs } = await import('@ldt/ndjson');
    await checkOutputs(spec, o as unknown as Record<string, unknown>, normalizeInputs(rest), ctx.io);
    return core.runBuild(
      {
        outDir: o['out-dir'],
        files: rest,
        partitionBy: o['partition-by'],
        shardBytes: o['shard-size'],
        shardRows: o['shard-rows'],
        compress: o.compress,
        groupBy: o['group-by'],
        tokenizer: o.tokenizer,
        template: o.template,
        fields: o.fields,
        single: o.single,
        croissant: o.croissant,
        name: o.name,
        require: o.require ?? [],
        minRows: o['min-rows'],
        statsFrom: o['stats-from'] ?? [],
        argv,
        version,
      },
      ctx,
    );
  }
  if (command === 'show')
    return core.runShow(
      { files: rest, json: o.json === true, tokenizer: o.tokenizer, fields: o.fields, streamOnly: ['tokenizer', 'fields', 'rejects'].filter((n) => given(o, n)) },
      ctx,
    );
  if (rest.length !== 1) throw new UsageError(`manifest ${command} takes one folder (the --out-dir of a build); got ${rest.length}`);
  if (command === 'verify') return core.runVerify(rest[0], ctx);
  if (command === 'report') return core.runReport(rest[0], o['out-dir'], ctx);
  return core.runCat(rest[0], o.partition ?? [], ctx);
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
