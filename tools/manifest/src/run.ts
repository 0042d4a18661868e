// The commands of manifest as a library caller runs them (issue 15): cli.ts parses argv, checks
// which options a command takes and maps them onto these functions; everything else is here.
import { basename, resolve } from 'node:path';
import type { ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import { normalizeInputs, parseChunk, readLineChunks, readRows, writeError } from '@ldt/ndjson';
import { parsePath, parsePaths } from '@ldt/schema';
import { loadTokenCounter, recordRenderer, TEMPLATE_TOKEN_RULE, type TemplateRecord, type TemplateTokenRule, templateRecord } from '@ldt/tokens';
import { ManifestBuilder } from './build.js';
import type { Compression } from './shard-file.js';
import { readToolChain } from './toolchain.js';
import { readManifest, shardFile, verifyDir } from './verify.js';

export interface BuildRunOptions {
  /** The dataset folder to write (required). */
  outDir?: string;
  /** Input files (`-` or none: standard input). */
  files: string[];
  /** Partition folders by these paths (as text, e.g. meta.split). */
  partitionBy: string[];
  /** Cut a shard at about this many bytes. */
  shardBytes: number;
  /** Also cut a shard at this many rows. */
  shardRows?: number;
  compress: Compression;
  /** Group counts by these paths (default: source dataset × split × phase). */
  groupBy?: string[];
  /** Tokenizer name or tokenizer.json; undefined: the bytes/4 estimate. */
  tokenizer?: string;
  /** Count tokens of the rendered chat template (chatml, or a file). */
  template?: string;
  /** The fields whose strings are counted; undefined: by record kind. */
  fields?: string[];
  /** Also write every row to this one file. */
  single?: string;
  croissant: boolean;
  /** The dataset name (default: the folder name). */
  name?: string;
  /** Gates `PATH=V1,V2`: every value must occur. */
  require: string[];
  /** Gate: every group has at least this many rows. */
  minRows?: number;
  /** --stats files of the tools that made the input, for the tool chain. */
  statsFrom: string[];
  /** The command line, recorded in manifest.json. */
  argv: readonly string[];
  /** manifest's version, recorded in manifest.json. */
  version: string;
}

export interface ShowRunOptions {
  /** A dataset folder, or NDJSON files (`-` or none: standard input). */
  files: string[];
  json: boolean;
  tokenizer?: string;
  fields?: string[];
  /** Options given that only a summary of a stream takes (refused with a folder). */
  streamOnly: string[];
}

/** `--template NAME|FILE` as a counting rule and the record the manifest keeps of it. */
async function templateRule(spec: string): Promise<{ record: TemplateRecord; rule: TemplateTokenRule }> {
  const record = templateRecord(spec);
  return { record, rule: { name: TEMPLATE_TOKEN_RULE, render: await recordRenderer(record) } };
}

/** `manifest build`: shards, checksums, token counts and manifest.json in `o.outDir`, atomically. */
export async function runBuild(o: BuildRunOptions, ctx: ToolContext): Promise<void> {
  const outDir = o.outDir;
  if (!outDir) throw new UsageError('manifest build needs --out-dir DIR');
  const inputs = normalizeInputs(o.files);
  const requireGates = o.require.map((r) => {
    const eq = r.indexOf('=');
    if (eq <= 0 || eq === r.length - 1) throw new UsageError(`--require must look like PATH=V1,V2 (e.g. meta.family=math,code); got ${JSON.stringify(r)}`);
    return { path: parsePath(r.slice(0, eq)), values: r.slice(eq + 1).split(',') };
  });
  const tokens = await loadTokenCounter(o.tokenizer);
  if (o.template !== undefined && o.fields !== undefined) throw new UsageError('--template and --fields exclude each other (--template counts the rendered conversation)');
  const template = o.template === undefined ? undefined : await templateRule(o.template);
  const toolChain = await readToolChain(o.statsFrom);
  const textField = o.fields;
  const groupBy = o.groupBy;
  const b = new ManifestBuilder(
    {
      outDir,
      partitionBy: parsePaths(o.partitionBy),
      shardBytes: o.shardBytes,
      shardRows: o.shardRows,
      compression: o.compress,
      groupBy: groupBy ? parsePaths(groupBy) : undefined,
      tokens,
      template,
      textFields: textField ? parsePaths(textField) : undefined,
      single: o.single,
      croissant: o.croissant,
      name: o.name ?? basename(resolve(outDir)),
      require: requireGates,
      minRows: o.minRows,
      toolChain,
      createdBy: { tool: 'manifest', version: o.version, argv: [...o.argv] },
      inputs,
    },
    ctx.report,
  );
  await b.start();
  try {
    // readRows' loop, with the chunks in sight: a chunk whose every line is a row as read (no blank
    // or rejected line, no CR, ending in \n) goes to --single as it is, not copied row by row.
    const counts = ctx.readOptions.counts ?? { lines: 0, blank: 0 };
    for await (const chunk of readLineChunks(inputs, { ...ctx.readOptions, counts })) {
      const batch = parseChunk(chunk, counts, ctx.readOptions.rejector, true);
      if (batch.length === 0) continue;
      let asRead = 0;
      for (const r of batch) asRead += r.bytes ? r.bytes.length + 1 : Number.NaN;
      await b.addBatch(batch, asRead === chunk.buf.length ? chunk.buf : undefined);
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
export async function runShow(o: ShowRunOptions, ctx: ToolContext): Promise<void> {
  const [{ existsSync, statSync }, { join }, sh] = await Promise.all([import('node:fs'), import('node:path'), import('./show.js')]);
  const files = o.files;
  const json = o.json;
  const write = (text: string) => ctx.out.pushBytes(Buffer.from(text));
  // show looks at rows and writes a summary, not rows: an audit (`checked N rows`, as verify).
  ctx.report.audit = true;
  if (files.length === 1 && files[0] !== '-' && existsSync(files[0]) && statSync(files[0]).isDirectory()) {
    const dir = files[0];
    if (!existsSync(join(dir, 'manifest.json')))
      throw new DataError(`${dir} is a folder without manifest.json`, undefined, 'give the --out-dir folder of a manifest build, or NDJSON files');
    for (const n of o.streamOnly) throw new UsageError(`manifest show DIR does not take --${n} (the manifest records its own counts)`);
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
export async function runReport(dir: string, outFile: string | undefined, ctx: ToolContext): Promise<void> {
  const { writeReport } = await import('./report.js');
  const r = await writeReport(dir, outFile, ctx.io.env);
  ctx.summaryExtra.push(`wrote ${r.path} (${r.bytes} bytes${r.recorded ? ', recorded in manifest.json' : ''})`);
  for (const w of r.warnings) ctx.warn(w);
}

/** `manifest verify DIR`: every recorded figure against the shards; a DataError listing what differs. */
export async function runVerify(dir: string, ctx: ToolContext): Promise<void> {
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

/** `manifest cat DIR`: the rows of the shards (of `partitions`, or all), checked against the recorded counts. */
export async function runCat(dir: string, partitions: string[], ctx: ToolContext): Promise<void> {
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
