import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolContext } from '@ldt/cli';
import { DataError } from '@ldt/errors';
import { type Rejector, type Row, readRows, STDIN_NAME, serializeWithMeta } from '@ldt/ndjson';
import { isJsonObject, setMeta } from '@ldt/schema';
import { type IndexParams, loadIndex, writeIndex } from './index-file.js';
import { type Decision, NearDedup, type NearOptions, REASONS } from './near.js';
import { signRows } from './parallel.js';
import { comparedText } from './shingle.js';

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
  try {
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

    // Pass 1.
    let spoolFd: number | undefined;
    let spoolPath: string | undefined;
    if (ctx.inputs.includes('-')) {
      // In the run's private temporary directory: removed with it (also on SIGINT/SIGTERM).
      spoolPath = join(nd.spill.dir, 'stdin.ndjson');
      spoolFd = openSync(spoolPath, 'w');
    }
    const textOf = (row: Row): string | undefined => {
      try {
        return comparedText(row.value, opts.fields, row);
      } catch (e) {
        if (e instanceof DataError && report.hasRejects) {
          report.reject(REASONS.missingField, row.raw, row, e);
          return undefined;
        }
        throw e;
      }
    };
    for await (const items of signRows(readRows(ctx.inputs, ctx.readOptions), opts, files.jobs, textOf, nd.overlapActive)) {
      const spooled: string[] = [];
      for (const { row, sg, norm } of items) {
        if (spoolFd !== undefined && row.file === STDIN_NAME) spooled.push(row.raw);
        if (!sg) nd.addRejectedInput();
        else {
          nd.addSigned(sg);
          if (norm !== undefined) nd.checkOverlap(norm);
        }
      }
      if (spoolFd !== undefined && spooled.length > 0) writeSync(spoolFd, `${spooled.join('\n')}\n`);
      await report.flushSinks();
    }
    if (spoolFd !== undefined) closeSync(spoolFd);

    nd.cluster();

    // Pass 2: the same rows in the same order (rejected lines are skipped silently: counted in pass 1).
    const dupsSink = files.dups ? ctx.openOutputFile(files.dups) : undefined;
    if (dupsSink) report.setDropsSink(dupsSink);
    const inputs2 = ctx.inputs.map((f) => (f === '-' ? (spoolPath as string) : f));
    let id = nd.firstInputId;
    const tally: Tally = { marked: new Map(), clusters: 0, inClusters: 0 };
    for await (const batch of readRows(inputs2, { stdin: ctx.io.stdin, rejector: IGNORE })) {
      for (const row of batch) {
        const rid = id++;
        if (rid >= nd.count)
          throw new DataError('an input changed between the two passes (more rows the second time)', row, 'dedup-near reads its input twice; do not modify it while it runs');
        if (nd.isRejected(rid)) continue;
        emitRow(row, nd.decide(rid), files.mark, ctx, dupsSink !== undefined, tally);
      }
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
    nd.close();
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
    if (d.clusterSize > 1) {
      tally.clusters++;
      tally.inClusters += d.clusterSize;
    }
    if (mark) {
      setMeta(value, 'cluster', d.cluster, row);
      setMeta(value, 'cluster_size', d.clusterSize, row);
      out.push(serializeWithMeta(row.raw, value, hadMeta));
    } else out.push(row.raw);
    report.written++;
    return;
  }
  const annotate = () => {
    if (mark) {
      setMeta(value, 'cluster', d.cluster, row);
      setMeta(value, 'cluster_size', d.clusterSize, row);
    }
    setMeta(value, 'dup_of', d.dupOf as string, row);
    setMeta(value, 'dup_reason', d.reason as string, row);
    if (d.similarity !== undefined) setMeta(value, 'similarity', roundSim(d.similarity), row);
    return serializeWithMeta(row.raw, value, hadMeta);
  };
  if (mark) {
    tally.marked.set(d.reason, (tally.marked.get(d.reason) ?? 0) + 1);
    out.push(annotate());
    report.written++;
  } else report.drop(d.reason, wantDups ? annotate() : undefined);
}

/** Similarity as written: 4 decimals. */
export function roundSim(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
