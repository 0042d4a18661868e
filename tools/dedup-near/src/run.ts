import { createReadStream, type WriteStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ToolContext } from '@ldt/cli';
import { DataError, type Position } from '@ldt/errors';
import {
  byteTopLevelValue,
  DEFAULT_CHUNK_SIZE,
  LineAssembler,
  mapLineChunks,
  metaSplice,
  type Rejector,
  type Report,
  type Row,
  readLineChunks,
  readRows,
  serializeWithMeta,
} from '@ldt/ndjson';
import { isJsonObject, type Json, type JsonObject, setMeta } from '@ldt/schema';
import { applyProblem, type ChunkJob, type ChunkProblem, fieldsOf, ROW_MISSING, ROW_PLAIN, signChunk } from './chunks.js';
import { type IndexParams, loadIndex, writeIndex } from './index-file.js';
import { type Decision, NearDedup, type NearOptions, REASONS } from './near.js';
import { unpackSigned } from './parallel.js';

/** Files and side outputs of a run. */
export interface NearFiles {
  /** Reference files (--against). */
  against: string[];
  dups?: string;
  mark: boolean;
  index?: string;
  saveIndex?: string;
  /** Worker threads for signatures (1: none). The output does not depend on it. */
  jobs: number;
  /** Budget in bytes for the band keys and their sort (`--memory`; default 1 GiB). The output does not depend on it. */
  memory?: number;
}

/** The parameters an index must match. */
export function indexParams(o: NearOptions): IndexParams {
  return {
    tool: 'dedup-near',
    num_perm: o.numPerm,
    bands: o.bands,
    rows: o.rows,
    seed: o.seed,
    ngram: o.ngram,
    char_ngram: o.charNgram,
    auto_char_ngram: o.autoCharNgram,
    normalize: 'aggressive',
    shingle_hash: 'xxh32',
  };
}

/** Pass 2 and `apply` re-read lines that pass 1 / `sign` already counted: bad ones are skipped here. */
export const IGNORE: Rejector = { reject() {} };

/**
 * The whole run: load --index, add --against references, pass 1 over the input (shingles, MinHash,
 * band keys; stdin spooled), cluster, pass 2 over the input (write kept/marked rows, count and
 * write dropped ones), then --save-index.
 */
export async function runNear(opts: NearOptions, files: NearFiles, ctx: ToolContext): Promise<void> {
  const { report, out } = ctx;
  const nd = new NearDedup(opts, files.memory);
  let spool: WriteStream | undefined;
  try {
    ctx.progressStage('loading');
    if (files.index) report.notes.index_rows_loaded = await loadIndex(files.index, indexParams(opts), nd);
    if (files.against.length > 0) {
      // References are read strictly (no --rejects): a bad reference line is an error.
      let n = 0;
      for await (const batch of readRows(files.against, { stdin: ctx.io.stdin })) {
        for (const row of batch) {
          nd.addReference(row.value, row);
          n++;
        }
      }
      report.notes.reference_rows = n;
    }

    // Standard input is read twice: pass 1 reads it while a copy goes (as read, compressed or not)
    // to a spool file in the run's private temporary directory (removed with it, also on
    // SIGINT/SIGTERM); pass 2 reads the spool as standard input (same names and line numbers).
    let stdin1: NodeJS.ReadableStream = ctx.io.stdin;
    let stdin2 = (): NodeJS.ReadableStream => ctx.io.stdin;
    let spooled: Promise<void> | undefined;
    if (ctx.inputs.includes('-')) {
      const file = nd.spill.createFile('stdin');
      const spoolPath = file.path;
      spool = file.stream;
      spooled = finished(spool);
      // Awaited before clustering; when pass 1 fails first, the error that matters is that one.
      spooled.catch(() => {});
      const tee = new PassThrough();
      ctx.io.stdin.pipe(spool);
      ctx.io.stdin.pipe(tee);
      stdin1 = tee;
      // Read back in 1 MiB chunks, as files are (`openInput`): the default 64 KiB made pass 2 loop
      // 16 times as often per byte (a chunk's assembler, flushes and line-end search each time).
      stdin2 = () => createReadStream(spoolPath, { highWaterMark: DEFAULT_CHUNK_SIZE });
    }

    // Pass 1: parse, compared text, signature — per chunk, in --threads worker threads (src/chunks.ts).
    ctx.progressStage('signing');
    const job: ChunkJob = {
      opts: { ...opts, fields: undefined, againstFields: undefined },
      fields: opts.fields?.map((f) => f.text),
      wantNorm: nd.overlapActive,
    };
    const fields = fieldsOf(job);
    /** Lines of each file that are not rows (rejected in pass 1), skipped in pass 2. */
    const notRows = new Map<string, Set<number>>();
    const chunks = mapLineChunks(
      ctx.inputs,
      { ...ctx.readOptions, stdin: stdin1 as Readable },
      {
        threads: files.jobs,
        workerUrl: new URL('./chunk-worker.js', import.meta.url),
        workerData: job,
        inline: (chunk) => signChunk(chunk, nd.signer, fields, job.wantNorm),
        rejector: report.hasRejects ? report : undefined,
      },
    );
    // --mark: 1 byte per input row, ROW_PLAIN when its meta can be appended to its bytes in pass 2.
    let plain = new Uint8Array(files.mark ? 1 << 16 : 0);
    let nRows = 0;
    for await (const { result: c, before } of chunks) {
      if (files.mark && nRows + c.flags.length > plain.length) {
        const g = new Uint8Array(Math.max(plain.length * 2, nRows + c.flags.length));
        g.set(plain);
        plain = g;
      }
      if (files.mark) plain.set(c.flags, nRows);
      nRows += c.flags.length;
      for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
      report.counts.lines += c.lines;
      report.counts.blank += c.blank;
      const signed = unpackSigned(c.packed);
      let k = 0;
      let p = 0;
      const problems = c.problems;
      for (let i = 0; i < c.rowLines.length; i++) {
        const line = c.rowLines[i];
        for (; p < problems.length && problems[p].line <= line; p++) problem(problems[p], c.file, notRows, report);
        if ((c.flags[i] & ROW_MISSING) !== 0) nd.addRejectedInput();
        else {
          nd.addSigned(signed[k]);
          if (c.norms) nd.checkOverlap(c.norms[k]);
          k++;
        }
      }
      for (; p < problems.length; p++) problem(problems[p], c.file, notRows, report);
      await report.flushSinks();
    }

    if (spooled) await spooled;
    ctx.progressStage('clustering');
    nd.cluster();
    ctx.progressStage('writing');

    // Pass 2: the same lines again. A kept row is written as read, without parsing it (unless
    // --mark); rejected lines were counted in pass 1 and are skipped.
    const dupsSink = files.dups ? ctx.openOutputFile(files.dups) : undefined;
    if (dupsSink) report.setDropsSink(dupsSink);
    let id = nd.firstInputId;
    const tally: Tally = { marked: new Map(), clusters: 0, inClusters: 0 };
    const changed = (pos?: Position) =>
      new DataError(
        `an input changed between the two passes (${nd.count - nd.firstInputId} rows the first time, more the second)`,
        pos,
        'dedup-near reads its input twice; do not modify it while it runs',
      );
    for await (const chunk of readLineChunks(ctx.inputs, { stdin: stdin2() as Readable, rejector: IGNORE })) {
      const { buf, file } = chunk;
      const skip = notRows.get(file);
      let line = chunk.firstLine;
      let start = 0;
      const n = buf.length;
      // Consecutive kept rows are written as one slice of the chunk, line ends included.
      let runStart = -1;
      // --mark: rows whose meta is appended to their bytes are assembled into one buffer per chunk
      // (one copy), not a Buffer.concat and a stream write per row (those were ~11% of a --mark
      // run's CPU on a 64 MB chat file; issue 17).
      let asm: LineAssembler | undefined;
      const endRun = (at: number) => {
        if (runStart >= 0) out.pushBytes(buf.subarray(runStart, at));
        runStart = -1;
      };
      const endAsm = () => {
        if (asm) out.pushBytes(asm.take().bytes);
        asm = undefined;
      };
      while (start < n) {
        let end = buf.indexOf(10, start);
        if (end < 0) end = n;
        let stop = end;
        if (stop > start && buf[stop - 1] === 13) stop--;
        let asRead = false;
        let sp: ByteSplice | undefined;
        if (!isBlank(buf, start, stop) && !skip?.has(line)) {
          const rid = id++;
          if (rid >= nd.count) throw changed({ file, line });
          if (!nd.isRejected(rid)) {
            const d = nd.decide(rid);
            if (d.reason === undefined && !files.mark) {
              report.written++;
              countKept(d, tally);
              if (stop === end && end < n) {
                asRead = true;
                if (runStart < 0) runStart = start;
              } else {
                endRun(start);
                out.pushBytes(Buffer.concat([buf.subarray(start, stop), NEWLINE]));
              }
            } else if (files.mark && (plain[rid - nd.firstInputId] & ROW_PLAIN) !== 0) {
              // A row without meta: append meta to its bytes (what serializeWithMeta writes).
              endRun(start);
              let last = stop - 1;
              while (buf[last] !== 125 /* } */) last--;
              asm ??= new LineAssembler(n - start + (1 << 16));
              asm.copy(buf, start, last);
              asm.text(markMetaText(d));
              asm.endLine();
              report.written++;
              if (d.reason === undefined) countKept(d, tally);
              else tally.marked.set(d.reason, (tally.marked.get(d.reason) ?? 0) + 1);
            } else if (!files.mark && dupsSink === undefined) {
              // A dropped row without --dups: counted, not parsed (pass 1 checked its meta).
              endRun(start);
              report.drop(d.reason as string);
            } else if ((sp = metaEdit(buf, start, stop, d, files.mark)) !== undefined) {
              // A row with a meta object: the new meta is spliced into its bytes, without parsing
              // the row (what emitRow writes, as bytes; pass 1 checked the row and its meta).
              endRun(start);
              if (files.mark) {
                asm ??= new LineAssembler(n - start + (1 << 16));
                asm.copy(buf, start, sp.start);
                asm.text(sp.text);
                asm.copy(buf, sp.end, stop);
                asm.endLine();
                report.written++;
                if (d.reason === undefined) countKept(d, tally);
                else tally.marked.set(d.reason, (tally.marked.get(d.reason) ?? 0) + 1);
              } else report.drop(d.reason as string, `${buf.toString('utf8', start, sp.start)}${sp.text}${buf.toString('utf8', sp.end, stop)}`);
            } else {
              endRun(start);
              endAsm();
              const raw = buf.toString('utf8', start, stop);
              emitRow({ value: JSON.parse(raw) as JsonObject, raw, file, line, bytes: buf.subarray(start, stop) }, d, files.mark, ctx, dupsSink !== undefined, tally);
            }
          }
        }
        if (!asRead) endRun(start);
        start = end + 1;
        line++;
      }
      endRun(n);
      endAsm();
      await out.flush();
      await report.flushSinks();
    }
    if (id !== nd.count)
      throw new DataError(
        `an input changed between the two passes (${nd.count - nd.firstInputId} rows the first time, ${id - nd.firstInputId} the second)`,
        undefined,
        'dedup-near reads its input twice; do not modify it while it runs',
      );

    if (files.saveIndex) {
      ctx.progressStage('saving index');
      const w = ctx.openOutputFile(files.saveIndex);
      const ids = (function* () {
        for (let i = 0; i < nd.count; i++) yield i;
      })();
      const n = writeIndex(w, indexParams(opts), nd, ids);
      report.notes.index_rows_saved = n;
      ctx.summaryExtra.push(`saved ${n} rows to ${files.saveIndex}`);
    }
    finishTally(tally, files.mark, ctx);
    report.notes.bands = opts.bands;
    report.notes.rows = opts.rows;
    report.notes.bytes_per_row = nd.bytesPerRow;
    Object.assign(report.notes, nd.stats, nd.sortStats);
  } finally {
    if (spool && !spool.writableFinished) {
      ctx.io.stdin.unpipe(spool);
      spool.destroy();
    }
    nd.close();
  }
}

/** Apply a pass-1 problem and remember the lines that are not rows (pass 2 skips them). */
function problem(pr: ChunkProblem, file: string, notRows: Map<string, Set<number>>, report: Report): void {
  if (pr.reason !== REASONS.missingField && pr.reason !== 'meta') {
    let set = notRows.get(file);
    if (!set) notRows.set(file, (set = new Set()));
    set.add(pr.line);
  }
  applyProblem(pr, file, report);
}

const NEWLINE = Buffer.from('\n');

/** Blank as @ldt/ndjson's parseChunk sees it: only spaces, tabs and carriage returns. */
function isBlank(b: Uint8Array, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** An edit of the bytes of a chunk: `[start, end)` becomes `text`. */
interface ByteSplice {
  start: number;
  end: number;
  text: string;
}

/**
 * The meta edit `emitRow` makes (meta.cluster and meta.cluster_size with --mark; meta.dup_of,
 * meta.dup_reason, meta.similarity for a dropped row), found on the bytes of the line
 * `buf[start, stop)`: the span of its top-level `meta` value (`byteTopLevelValue`) and the new
 * meta, from JSON.parse of that span alone. The same bytes as emitRow's `metaSplice` of the parsed
 * row (the same meta object, changed the same way, through JSON.stringify); undefined where that
 * would not splice (meta twice, escaped keys, not an object): the caller then takes emitRow's path.
 * Parsing whole rows there was ~40% of pass 2 on a 64 MB chat file with meta (issue 17).
 */
function metaEdit(buf: Buffer, start: number, stop: number, d: Decision, mark: boolean): ByteSplice | undefined {
  const span = byteTopLevelValue(buf.subarray(start, stop), 'meta');
  if (!span) return undefined;
  const a = start + span[0];
  const b = start + span[1];
  const meta = JSON.parse(buf.toString('utf8', a, b)) as Json;
  if (!isJsonObject(meta)) return undefined;
  annotateMeta(meta, d, mark);
  return { start: a, end: b, text: JSON.stringify(meta) };
}

/**
 * `,"meta":{…}}` for a row written with --mark: its meta (keys in the order emitRow sets them) as
 * JSON.stringify writes it, and the row's closing brace. Built as a string: the cluster id is hex
 * and the reasons are plain words; dup_of (a file:line for references) goes through JSON.stringify.
 */
function markMetaText(d: Decision): string {
  let m = `,"meta":{"cluster":"${d.cluster}","cluster_size":${d.clusterSize}`;
  if (d.reason !== undefined) {
    if (d.dupOf !== undefined) m += `,"dup_of":${JSON.stringify(d.dupOf)}`;
    m += `,"dup_reason":"${d.reason}"`;
    if (d.similarity !== undefined) m += `,"similarity":${roundSim(d.similarity)}`;
  }
  return `${m}}}`;
}

function countKept(d: Decision, tally: Tally): void {
  if (d.clusterSize > 1) {
    tally.clusters++;
    tally.inClusters += d.clusterSize;
  }
}

/** Counts kept while writing rows. */
export interface Tally {
  marked: Map<string, number>;
  clusters: number;
  inClusters: number;
}

/** Put the tally into the summary and --stats notes. */
export function finishTally(t: Tally, mark: boolean, ctx: ToolContext): void {
  const { report } = ctx;
  if (mark) {
    const m = [...t.marked].sort();
    report.notes.marked = Object.fromEntries(m);
    ctx.summaryExtra.push(`marked ${m.reduce((a, [, v]) => a + v, 0)}${m.length > 0 ? ` (${m.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);
  }
  report.notes.clusters = t.clusters;
  report.notes.rows_in_clusters = t.inClusters;
}

/**
 * Write one input row by its decision: a kept row as read (with --mark: plus meta.cluster and
 * meta.cluster_size); a dropped row counted by reason (and serialised for --dups with meta.dup_of,
 * meta.dup_reason, meta.similarity); with --mark, every row written. Shared by the one-shot run and
 * `dedup-near apply`, so both write the same bytes.
 */
export function emitRow(row: Row, d: Decision, mark: boolean, ctx: ToolContext, wantDups: boolean, tally: Tally): void {
  const { report, out } = ctx;
  const value = row.value;
  const hadMeta = value.meta !== undefined;
  if (hadMeta && !isJsonObject(value.meta)) setMeta(value, 'cluster', '', row); // throws the contract error
  if (d.reason === undefined) {
    countKept(d, tally);
    if (mark) {
      annotateMeta(metaOf(value), d, true);
      const s = metaSplice(row.raw, value, hadMeta);
      if (s) out.pushEdited(row.raw, row.bytes, s);
      else out.push(serializeWithMeta(row.raw, value, hadMeta)); // meta twice: the other members keep their bytes
    } else out.pushEdited(row.raw, row.bytes);
    report.written++;
    return;
  }
  const annotate = () => {
    annotateMeta(metaOf(value), d, mark);
    return serializeWithMeta(row.raw, value, hadMeta);
  };
  if (mark) {
    tally.marked.set(d.reason, (tally.marked.get(d.reason) ?? 0) + 1);
    out.push(annotate());
    report.written++;
  } else report.drop(d.reason, wantDups ? annotate() : undefined);
}

/** The row's meta object, created empty where it has none (a meta that is not an object was refused before). */
function metaOf(value: JsonObject): JsonObject {
  if (value.meta === undefined) value.meta = {};
  return value.meta as JsonObject;
}

/**
 * The facts a decision adds to meta, in the order they are written: meta.cluster and
 * meta.cluster_size with --mark; meta.dup_of, meta.dup_reason and meta.similarity for a dropped
 * row. One place for emitRow (a parsed row) and metaEdit (the meta span of a row's bytes).
 */
function annotateMeta(meta: JsonObject, d: Decision, mark: boolean): void {
  if (mark) {
    meta.cluster = d.cluster;
    meta.cluster_size = d.clusterSize;
  }
  if (d.reason !== undefined) {
    meta.dup_of = d.dupOf as string;
    meta.dup_reason = d.reason;
    if (d.similarity !== undefined) meta.similarity = roundSim(d.similarity);
  }
}

/** Similarity as written: 4 decimals. */
export function roundSim(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
