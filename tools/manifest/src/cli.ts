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
  if (command === 'build') return build(o, ctx, rest, argv);
  if (command === 'show') return show(o, ctx, rest);
  if (rest.length !== 1) throw new UsageError(`manifest ${command} takes one folder (the --out-dir of a build); got ${rest.length}`);
  if (command === 'verify') return verify(rest[0], ctx);
  if (command === 'report') return report(rest[0], o['out-dir'], ctx);
  return cat(rest[0], o.partition ?? [], ctx);
}

async function build(o: Options, ctx: ToolContext, files: string[], argv: readonly string[]): Promise<void> {
  const [{ parsePath, parsePaths }, { normalizeInputs, readRows, writeError }, { ManifestBuilder }, { loadTokenCounter }, { readToolChain }, { basename, resolve }] =
    await Promise.all([import('@ldt/schema'), import('@ldt/ndjson'), import('./build.js'), import('@ldt/tokens'), import('./toolchain.js'), import('node:path')]);
  const outDir = o['out-dir'];
  if (!outDir) throw new UsageError('manifest build needs --out-dir DIR');
  const inputs = normalizeInputs(files);
  await checkOutputs(spec, o as unknown as Record<string, unknown>, inputs, ctx.io);
  const requireGates = (o.require ?? []).map((r) => {
    const eq = r.indexOf('=');
    if (eq <= 0 || eq === r.length - 1) throw new UsageError(`--require must look like PATH=V1,V2 (e.g. meta.family=math,code); got ${JSON.stringify(r)}`);
    return { path: parsePath(r.slice(0, eq)), values: r.slice(eq + 1).split(',') };
  });
  const tokens = await loadTokenCounter(o.tokenizer);
  const toolChain = await readToolChain(o['stats-from'] ?? []);
  const textField = o.fields;
  const groupBy = o['group-by'];
  const b = new ManifestBuilder(
    {
      outDir,
      partitionBy: parsePaths(o['partition-by']),
      shardBytes: o['shard-size'],
      shardRows: o['shard-rows'],
      compression: o.compress,
      groupBy: groupBy ? parsePaths(groupBy) : undefined,
      tokens,
      textFields: textField ? parsePaths(textField) : undefined,
      single: o.single,
      croissant: o.croissant,
      name: o.name ?? basename(resolve(outDir)),
      require: requireGates,
      minRows: o['min-rows'],
      toolChain,
      createdBy: { tool: 'manifest', version, argv: [...argv] },
      inputs,
    },
    ctx.report,
  );
  await b.start();
  try {
    for await (const batch of readRows(inputs, { ...ctx.readOptions, withBytes: true })) {
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
    // A system error here is a write of a shard or the manifest (reads fail as DataErrors naming the input).
    const errno = e as NodeJS.ErrnoException;
    if (typeof errno?.code === 'string' && typeof errno.syscall === 'string') throw writeError(`--out-dir ${outDir}`, e);
    throw e;
  }
}

/** `show DIR`: the dataset's summary (verified); `show [FILE...]` / `show -`: a summary of an NDJSON stream. */
async function show(o: Options, ctx: ToolContext, files: string[]): Promise<void> {
  const [{ existsSync, statSync }, { join }, { DataError }, { parsePaths }, { normalizeInputs, readRows }, { loadTokenCounter }, sh, { verifyDir }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('@ldt/errors'),
    import('@ldt/schema'),
    import('@ldt/ndjson'),
    import('@ldt/tokens'),
    import('./show.js'),
    import('./verify.js'),
  ]);
  const json = o.json === true;
  const write = (text: string) => ctx.out.pushBytes(Buffer.from(text));
  // show looks at rows and writes a summary, not rows: an audit (`checked N rows`, as verify).
  ctx.report.audit = true;
  if (files.length === 1 && files[0] !== '-' && existsSync(files[0]) && statSync(files[0]).isDirectory()) {
    const dir = files[0];
    if (!existsSync(join(dir, 'manifest.json')))
      throw new DataError(`${dir} is a folder without manifest.json`, undefined, 'give the --out-dir folder of a manifest build, or NDJSON files');
    for (const n of ['tokenizer', 'fields', 'rejects']) if (given(o, n)) throw new UsageError(`manifest show DIR does not take --${n} (the manifest records its own counts)`);
    const v = await verifyDir(dir);
    const s = sh.datasetSummary(dir, v.manifest, v);
    ctx.report.counts.lines = v.rows;
    write(json ? `${JSON.stringify(s, null, 2)}\n` : sh.renderDataset(s));
    if (!s.verify.ok) ctx.warn(`${dir}: verify found ${s.verify.problems.length} problem${s.verify.problems.length === 1 ? '' : 's'} (listed above)`);
    return;
  }
  const inputs = normalizeInputs(files);
  const textField = o.fields;
  const summarizer = new sh.StreamSummarizer(await loadTokenCounter(o.tokenizer), textField ? parsePaths(textField) : undefined, inputs);
  for await (const batch of readRows(inputs, ctx.readOptions)) for (const row of batch) summarizer.add(row);
  const s = summarizer.toJSON();
  write(json ? `${JSON.stringify(s, null, 2)}\n` : sh.renderStream(s));
}

/** `report DIR [-o FILE]`: one self-contained HTML page; DIR/report.html by default, then recorded in manifest.json as a side file. */
async function report(dir: string, outFile: string | undefined, ctx: ToolContext): Promise<void> {
  const { writeReport } = await import('./report.js');
  const r = await writeReport(dir, outFile, ctx.io.env);
  ctx.summaryExtra.push(`wrote ${r.path} (${r.bytes} bytes${r.recorded ? ', recorded in manifest.json' : ''})`);
  for (const w of r.warnings) ctx.warn(w);
}

async function verify(dir: string, ctx: ToolContext): Promise<void> {
  const { verifyDir } = await import('./verify.js');
  const { DataError } = await import('@ldt/errors');
  const r = await verifyDir(dir);
  ctx.report.audit = true;
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
  const [{ readManifest, shardFile }, { readLineChunks }, { DataError }] = await Promise.all([import('./verify.js'), import('@ldt/ndjson'), import('@ldt/errors')]);
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
    for await (const chunk of readLineChunks([shardFile(dir, s.path)], { stdin: ctx.io.stdin })) {
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
