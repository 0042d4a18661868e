import { createRequire } from 'node:module';
import { type Io, runProcess, runTool, type ToolContext, type ToolSpec } from '@ldt/cli';
import { UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Options that only `build` takes, and only `cat` takes; the rest are common. */
const BUILD_ONLY = [
  'out-dir',
  'partition-by',
  'shard-size',
  'shard-rows',
  'compress',
  'group-by',
  'tokenizer',
  'text-field',
  'single',
  'croissant',
  'name',
  'require',
  'min-rows',
  'stats-from',
  'rejects',
];
const CAT_ONLY = ['partition'];

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec: ToolSpec = {
  name: 'manifest',
  version,
  summary: 'write checksummed shards with a manifest; verify them; stream them back',
  description:
    'manifest build reads NDJSON rows and writes them verbatim into shards DIR/<partition>/part-NNNNN.jsonl[.zst|.gz] (partitioned by --partition-by, cut at --shard-size bytes or --shard-rows rows) and DIR/manifest.json: per shard its path, rows, raw and stored bytes, sha256 and tokens; totals; a dataset id (sha256 over the shard checksums: the same data gives the same id); rows and tokens by source (or --group-by) x split x phase; the fields seen with their types and formats; the sources (dataset, revision) named in meta.source; and the tool chain from --stats-from files. Everything is written to a staging folder and moved into place at the end, so DIR is never half-written; a failed --require / --min-rows gate writes nothing (exit 1). ' +
    'manifest verify DIR re-hashes and re-counts every shard and exits 1 naming each one that is missing, extra, truncated or altered. manifest cat DIR streams the rows back to stdout. ' +
    'Nothing goes to stdout but rows (cat); the summary goes to stderr. Memory: per partition one open shard and up to 4 frames of 4 MiB raw bytes (queued or being compressed; up to 3x that allocated, as rows are encoded into buffers sized for the worst case), plus the group, source and field tables (bounded by their distinct values, at most 2000 field paths). Deterministic: the same input and flags give byte-identical shards and manifest (no timestamps).',
  usage: ['manifest build --out-dir DIR [OPTIONS] [FILE...]', 'manifest verify DIR', 'manifest cat DIR [--partition NAME]...'],
  positional: {
    name: 'COMMAND',
    describe: "build [FILE...]: NDJSON input files, read in order ('-' or none: standard input; .gz/.zst decompressed). verify DIR, cat DIR: a folder written by manifest build.",
  },
  rejects: true,
  options: [
    {
      name: 'out-dir',
      type: 'string',
      short: 'o',
      arg: 'DIR',
      describe: 'build: the output folder (required). Must be new, empty, or an earlier manifest build (replaced as a whole).',
    },
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
    {
      name: 'group-by',
      type: 'paths',
      arg: 'PATHS',
      describe: 'build: the fields counts and tokens are grouped by (crossed with meta.split and meta.phase), e.g. meta.family.',
      defaultText: 'the dataset part of meta.source',
    },
    {
      name: 'tokenizer',
      type: 'string',
      arg: 'NAME|FILE',
      describe:
        'build: count tokens with o200k_base or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json (@huggingface/tokenizers). Without it token counts are an estimate, ceil(UTF-8 bytes / 4) per text, labelled "estimate" in the manifest.',
    },
    {
      name: 'text-field',
      type: 'paths',
      arg: 'PATHS',
      describe: 'build: the fields whose strings are counted as tokens.',
      defaultText: 'by record kind (shared/schema): message contents, reasoning, tool calls and tool definitions; text; else every string outside meta',
    },
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
  ],
  exitStatus: ['1 also: verify found a missing, extra, truncated or altered shard; a --require / --min-rows gate failed'],
  seeAlso: ['curriculum-route', 'split-holdout', 'dedup-exact', 'hf-fetch'],
};

/** Run manifest with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, (o, ctx) => handler(o, ctx, argv));
}

function given(o: Record<string, unknown>, name: string): boolean {
  const opt = spec.options.find((x) => x.name === name);
  const v = o[name];
  if (v === undefined) return false;
  if (Array.isArray(v)) return !(Array.isArray(opt?.default) && v.join(',') === opt.default.join(',')) && v.length > 0;
  return v !== opt?.default;
}

async function handler(o: Record<string, unknown>, ctx: ToolContext, argv: readonly string[]): Promise<void> {
  const [command, ...rest] = ctx.inputs;
  if (command === undefined) throw new UsageError('a command is needed: build, verify or cat');
  if (command !== 'build' && command !== 'verify' && command !== 'cat') throw new UsageError(`unknown command ${JSON.stringify(command)}; expected build, verify or cat`);
  const foreign = [...(command === 'build' ? [] : BUILD_ONLY), ...(command === 'cat' ? [] : CAT_ONLY)].filter((n) => given(o, n));
  if (foreign.length > 0) throw new UsageError(`manifest ${command} does not take ${foreign.map((n) => `--${n}`).join(', ')}`);
  if (command === 'build') return build(o, ctx, rest, argv);
  if (rest.length !== 1) throw new UsageError(`manifest ${command} takes one folder (the --out-dir of a build); got ${rest.length}`);
  if (command === 'verify') return verify(rest[0], ctx);
  return cat(rest[0], (o.partition as string[] | undefined) ?? [], ctx);
}

async function build(o: Record<string, unknown>, ctx: ToolContext, files: string[], argv: readonly string[]): Promise<void> {
  const [{ parsePath, parsePaths }, { normalizeInputs, readRows }, { ManifestBuilder }, { loadTokenCounter }, { readToolChain }, { basename, resolve }] = await Promise.all([
    import('@ldt/schema'),
    import('@ldt/ndjson'),
    import('./build.js'),
    import('@ldt/tokens'),
    import('./toolchain.js'),
    import('node:path'),
  ]);
  const outDir = o['out-dir'] as string | undefined;
  if (!outDir) throw new UsageError('manifest build needs --out-dir DIR');
  const inputs = normalizeInputs(files);
  const requireGates = ((o.require as string[] | undefined) ?? []).map((r) => {
    const eq = r.indexOf('=');
    if (eq <= 0 || eq === r.length - 1) throw new UsageError(`--require must look like PATH=V1,V2 (e.g. meta.family=math,code); got ${JSON.stringify(r)}`);
    return { path: parsePath(r.slice(0, eq)), values: r.slice(eq + 1).split(',') };
  });
  const tokens = await loadTokenCounter(o.tokenizer as string | undefined);
  const toolChain = await readToolChain((o['stats-from'] as string[] | undefined) ?? []);
  const textField = o['text-field'] as string[] | undefined;
  const groupBy = o['group-by'] as string[] | undefined;
  const b = new ManifestBuilder(
    {
      outDir,
      partitionBy: parsePaths(o['partition-by'] as string[]),
      shardBytes: o['shard-size'] as number,
      shardRows: o['shard-rows'] as number | undefined,
      compression: o.compress as 'zstd' | 'gzip' | 'none',
      groupBy: groupBy ? parsePaths(groupBy) : undefined,
      tokens,
      textFields: textField ? parsePaths(textField) : undefined,
      single: o.single as string | undefined,
      croissant: o.croissant === true,
      name: (o.name as string | undefined) ?? basename(resolve(outDir)),
      require: requireGates,
      minRows: o['min-rows'] as number | undefined,
      toolChain,
      createdBy: { tool: 'manifest', version, argv: [...argv] },
      inputs,
    },
    ctx.report,
  );
  await b.start();
  try {
    for await (const batch of readRows(inputs, ctx.readOptions)) {
      await b.addBatch(batch);
      await ctx.report.flushSinks();
    }
    const m = await b.finish();
    ctx.report.notes.dataset_id = m.dataset_id;
    ctx.report.notes.shards = m.totals.shards;
    ctx.report.notes.tokens = m.totals.tokens;
    ctx.report.notes.tokens_estimated = tokens.estimate;
    ctx.summaryExtra.push(`${m.totals.shards} shard${m.totals.shards === 1 ? '' : 's'} in ${m.totals.partitions} partition${m.totals.partitions === 1 ? '' : 's'}`);
    ctx.summaryExtra.push(`${tokens.estimate ? '~' : ''}${m.totals.tokens} tokens (${tokens.estimate ? 'estimate' : tokens.name})`);
    ctx.summaryExtra.push(`dataset id ${m.dataset_id}`);
  } catch (e) {
    await b.abort();
    throw e;
  }
}

async function verify(dir: string, ctx: ToolContext): Promise<void> {
  const { verifyDir } = await import('./verify.js');
  const { DataError } = await import('@ldt/errors');
  const r = await verifyDir(dir);
  ctx.report.counts.lines = r.rows;
  for (const p of r.problems) ctx.io.stderr.write(`manifest: ${dir.replace(/\/$/, '')}/${p.path}: ${p.detail}\n`);
  if (r.problems.length > 0) {
    const by = new Map<string, number>();
    for (const p of r.problems) by.set(p.problem, (by.get(p.problem) ?? 0) + 1);
    throw new DataError(
      `verify failed: ${[...by].map(([k, n]) => `${n} ${k}`).join(', ')}; ${r.shardsOk} of ${r.manifest.shards.length} shards are intact`,
      undefined,
      'rebuild the folder with manifest build, or restore the named files',
    );
  }
  ctx.summaryExtra.push(`verified ${r.shardsOk} shard${r.shardsOk === 1 ? '' : 's'}, dataset id ${r.manifest.dataset_id}`);
}

async function cat(dir: string, partitions: string[], ctx: ToolContext): Promise<void> {
  const [{ readManifest }, { readLineChunks }, { join }, { DataError }] = await Promise.all([
    import('./verify.js'),
    import('@ldt/ndjson'),
    import('node:path'),
    import('@ldt/errors'),
  ]);
  const m = await readManifest(dir);
  const want = (p: string) => partitions.length === 0 || partitions.some((q) => p === q || p.startsWith(`${q}/`));
  const shards = m.shards.filter((s) => want(s.partition));
  if (partitions.length > 0 && shards.length === 0)
    throw new DataError(
      `no partition matches ${partitions.map((p) => JSON.stringify(p)).join(', ')}`,
      undefined,
      `the partitions are: ${m.partitions.map((p) => p.name).join(', ')}`,
    );
  for (const s of shards) {
    let rows = 0;
    for await (const chunk of readLineChunks([join(dir, s.path)], { stdin: ctx.io.stdin })) {
      let n = 0;
      for (let i = chunk.buf.indexOf(10); i >= 0; i = chunk.buf.indexOf(10, i + 1)) n++;
      rows += n;
      ctx.report.counts.lines += n;
      ctx.report.written += n;
      ctx.out.pushBytes(chunk.buf);
      await ctx.out.flush();
    }
    if (rows !== s.rows) throw new DataError(`${s.path} holds ${rows} rows, the manifest says ${s.rows}`, undefined, `run: manifest verify ${dir}`);
  }
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
