import type { ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import { displayName, mapLineChunks, readRows } from '@ldt/ndjson';
import type { FieldPath, JsonObject } from '@ldt/schema';
import { applyProblem, type ChunkJob, fieldsOf, ROW_MISSING, signChunk } from './chunks.js';
import { type IndexParams, loadIndex, writeIndex } from './index-file.js';
import { type Decision, type KeepPolicy, NearDedup, type NearOptions, REASONS } from './near.js';
import { unpackSigned } from './parallel.js';
import { emitRow, finishTally, IGNORE, indexParams, roundSim, type Tally } from './run.js';
import { Signer } from './signer.js';

/**
 * The staged mode: `sign` (stateless per shard) → `cluster` (all signatures) → `apply` (per shard).
 * The stages call the same code as the one-shot run — Signer, NearDedup.cluster/decide, emitRow — on
 * the same rows in the same order (shards in the order given to `cluster`), so the staged result is
 * byte-identical to `dedup-near SHARD1 SHARD2 …`.
 *
 * Sign file (NDJSON): a header line `{"dedup_near_sign":1,"params":{…}}`, then one line per parsed
 * row of the shard: `{"shard","row","len","hash","keys":[…],"set":"<base64 of u32 LE shingles>"}`
 * (`"char":true` for character n-grams), or `{"shard","row","rejected":"missing_field"}`.
 * Assignment file (NDJSON, from `cluster`): one line per input row, `{"shard","row","cluster",
 * "cluster_size"}` plus `"dup_reason","dup_of","similarity"` for rows to drop, or
 * `{"shard","row","rejected":true}`.
 */

/** `dedup-near sign`: write the sign file of the input shard(s) to stdout. */
export async function runSign(opts: NearOptions, jobs: number, ctx: ToolContext): Promise<void> {
  ctx.progressStage('signing');
  const { report, out } = ctx;
  out.push(JSON.stringify({ dedup_near_sign: 1, params: indexParams(opts) }));
  const job: ChunkJob = { opts: { ...opts, fields: undefined, againstFields: undefined }, fields: opts.fields?.map((f) => f.text), wantNorm: false };
  const fields = fieldsOf(job);
  let signer: Signer | undefined;
  const chunks = mapLineChunks(ctx.inputs, ctx.readOptions, {
    threads: jobs,
    workerUrl: new URL('./chunk-worker.js', import.meta.url),
    workerData: job,
    inline: (chunk) => signChunk(chunk, (signer ??= new Signer(opts)), fields, false),
    rejector: report.hasRejects ? report : undefined,
  });
  let rowNo = 0;
  let lastFile = '';
  for await (const { result: c, before } of chunks) {
    for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
    report.counts.lines += c.lines;
    report.counts.blank += c.blank;
    if (c.file !== lastFile) {
      lastFile = c.file;
      rowNo = 0;
    }
    const signed = unpackSigned(c.packed);
    const problems = c.problems;
    let k = 0;
    let p = 0;
    for (let i = 0; i < c.rowLines.length; i++) {
      for (; p < problems.length && problems[p].line <= c.rowLines[i]; p++) applyProblem(problems[p], c.file, report);
      rowNo++;
      if ((c.flags[i] & ROW_MISSING) !== 0) {
        out.push(JSON.stringify({ shard: c.file, row: rowNo, rejected: REASONS.missingField }));
        continue;
      }
      const sg = signed[k++];
      const rec: Record<string, unknown> = {
        shard: c.file,
        row: rowNo,
        len: sg.len,
        hash: Buffer.from(sg.hash).toString('hex'),
        keys: [...sg.keys],
        set: Buffer.from(sg.set.buffer, sg.set.byteOffset, sg.set.byteLength).toString('base64'),
      };
      if (sg.charMode) rec.char = true;
      out.push(JSON.stringify(rec));
      report.written++;
    }
    for (; p < problems.length; p++) applyProblem(problems[p], c.file, report);
    await out.flush();
    await report.flushSinks();
  }
}

/** Options of `dedup-near cluster` besides the sign parameters (which come from the sign files). */
export interface ClusterOptions {
  threshold: number;
  keep: KeepPolicy;
  verify: boolean;
  fields?: FieldPath[];
  againstFields?: FieldPath[];
  against: string[];
  index?: string;
  saveIndex?: string;
  tmpDir?: string;
  /** Budget in bytes for the band keys and their sort (`--memory`; default 1 GiB). */
  memory?: number;
}

/** `dedup-near cluster`: read sign files (in order), cluster, write one assignment line per row. */
export async function runCluster(co: ClusterOptions, ctx: ToolContext): Promise<void> {
  const { report, out } = ctx;
  const inputs = ctx.inputs.length > 0 ? ctx.inputs : ['-'];
  let params: IndexParams | undefined;
  let nd: NearDedup | undefined;
  // Which shard and row each input row is: 8 bytes per row (shard number, row number), names once.
  const shards: string[] = [];
  const shardNo = new Map<string, number>();
  let rowShard = new Uint32Array(1024);
  let rowNum = new Uint32Array(1024);
  let nRows = 0;
  try {
    ctx.progressStage('reading signatures');
    for await (const batch of readRows(inputs, ctx.readOptions)) {
      for (const r of batch) {
        const v = r.value;
        if (v.dedup_near_sign !== undefined) {
          if (v.dedup_near_sign !== 1) throw new DataError(`sign file version ${JSON.stringify(v.dedup_near_sign)} is not supported (expected 1)`, r);
          const p = v.params as unknown as IndexParams;
          const why = badParams(p);
          if (why) throw new DataError(`sign file header: ${why}`, r, 'the input of `dedup-near cluster` is the output of `dedup-near sign`; make the sign file again');
          if (params && JSON.stringify(p) !== JSON.stringify(params))
            throw new DataError(
              'this sign file was made with other parameters than the first one',
              r,
              'run every `dedup-near sign` with the same --num-perm, --threshold (or --bands/--rows), --ngram, --char-ngram and --seed',
            );
          if (!params) {
            params = p;
            nd = await start(p, co, ctx);
          }
          continue;
        }
        if (!nd || !params) throw new DataError('expected a dedup-near sign file header first', r, 'the input of `dedup-near cluster` is the output of `dedup-near sign`');
        const shard = v.shard;
        const rowNo = v.row;
        if (typeof shard !== 'string' || typeof rowNo !== 'number') throw badRecord(r);
        let sn = shardNo.get(shard);
        if (sn === undefined) {
          sn = shards.length;
          shards.push(shard);
          shardNo.set(shard, sn);
        }
        if (nRows === rowShard.length) {
          const a = new Uint32Array(nRows * 2);
          a.set(rowShard);
          rowShard = a;
          const b = new Uint32Array(nRows * 2);
          b.set(rowNum);
          rowNum = b;
        }
        rowShard[nRows] = sn;
        rowNum[nRows++] = rowNo;
        if (v.rejected !== undefined) {
          nd.addRejectedInput();
          continue;
        }
        const keys = v.keys;
        if (
          !Number.isSafeInteger(v.len) ||
          (v.len as number) < 0 ||
          typeof v.hash !== 'string' ||
          !/^[0-9a-f]{32}$/.test(v.hash) ||
          typeof v.set !== 'string' ||
          !Array.isArray(keys)
        )
          throw badRecord(r);
        if (!keys.every((k) => Number.isInteger(k) && (k as number) >= 0 && (k as number) <= 0xffffffff)) throw badRecord(r);
        const setBuf = Buffer.from(v.set, 'base64');
        // 4 bytes a shingle hash (a set edited to another length was a RangeError: property test, issue 13).
        if (setBuf.length % 4 !== 0) throw badRecord(r);
        const set = new Uint32Array(setBuf.length / 4);
        new Uint8Array(set.buffer).set(setBuf);
        if (keys.length !== (set.length === 0 ? 0 : params.bands)) throw badRecord(r);
        nd.addSigned({ len: v.len as number, hash: Buffer.from(v.hash, 'hex'), set, keys: Uint32Array.from(keys as number[]), charMode: v.char === true });
      }
    }
    // Only an input without rows gets here (a row before the header fails above): name it
    // (an empty sign file gave no name: found by a long property run).
    if (!nd || !params)
      throw new DataError(
        `${inputs.map(displayName).join(', ')}: no sign file header (no rows)`,
        undefined,
        'the input of `dedup-near cluster` is the output of `dedup-near sign`',
      );
    ctx.progressStage('clustering');
    nd.cluster();
    ctx.progressStage('writing');
    const kept = new Map<string, number>();
    let id = nd.firstInputId;
    for (let k = 0; k < nRows; k++) {
      const shard = shards[rowShard[k]];
      const row = rowNum[k];
      const rid = id++;
      if (nd.isRejected(rid)) {
        out.push(JSON.stringify({ shard, row, rejected: true }));
        continue;
      }
      const d = nd.decide(rid);
      const rec: Record<string, unknown> = { shard, row, cluster: d.cluster, cluster_size: d.clusterSize };
      if (d.reason !== undefined) {
        rec.dup_reason = d.reason;
        rec.dup_of = d.dupOf;
        if (d.similarity !== undefined) rec.similarity = roundSim(d.similarity);
      }
      const what = d.reason ?? 'kept';
      kept.set(what, (kept.get(what) ?? 0) + 1);
      out.push(JSON.stringify(rec));
      if (out.pending) await out.flush();
    }
    report.written = nRows;
    report.notes.assignments = Object.fromEntries([...kept].sort());
    ctx.summaryExtra.push(
      `assignments: ${[...kept]
        .sort()
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    if (co.saveIndex) {
      const w = ctx.openOutputFile(co.saveIndex);
      const all = nd;
      const n = writeIndex(
        w,
        params,
        nd,
        (function* () {
          for (let i = 0; i < all.count; i++) yield i;
        })(),
      );
      report.notes.index_rows_saved = n;
      ctx.summaryExtra.push(`saved ${n} rows to ${co.saveIndex}`);
    }
    Object.assign(report.notes, nd.stats, nd.sortStats);
  } finally {
    nd?.close();
  }
}

/**
 * What is wrong with the parameters of a sign file header (the ranges `dedup-near sign` accepts),
 * or undefined. They size the MinHash tables: a header edited to `"num_perm": 1e9` or without
 * params must be an error, not a crash or an allocation of gigabytes (property test, issue 13).
 */
function badParams(p: unknown): string | undefined {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return 'no "params" object';
  const q = p as Record<string, unknown>;
  const int = (k: string, min: number, max: number) =>
    Number.isSafeInteger(q[k]) && (q[k] as number) >= min && (q[k] as number) <= max ? undefined : `params.${k} is not an integer in [${min}, ${max}]`;
  const why =
    int('num_perm', 2, 1024) ??
    int('bands', 1, 1024) ??
    int('rows', 1, 1024) ??
    int('seed', 0, Number.MAX_SAFE_INTEGER) ??
    int('ngram', 1, 100) ??
    int('char_ngram', 0, 100) ??
    int('auto_char_ngram', 0, 100);
  if (why) return why;
  if ((q.bands as number) * (q.rows as number) > (q.num_perm as number)) return 'params.bands x params.rows is more than params.num_perm';
  if (q.tool !== 'dedup-near' || q.normalize !== 'aggressive' || q.shingle_hash !== 'xxh32') return 'params are not those of dedup-near sign (tool, normalize, shingle_hash)';
  return undefined;
}

function badRecord(r: { file: string; line: number }): DataError {
  return new DataError('expected a dedup-near sign record {"shard","row","len","hash","keys","set"}', r, 'the input of `dedup-near cluster` is the output of `dedup-near sign`');
}

async function start(p: IndexParams, co: ClusterOptions, ctx: ToolContext): Promise<NearDedup> {
  const opts: NearOptions = {
    fields: co.fields,
    againstFields: co.againstFields,
    numPerm: p.num_perm,
    bands: p.bands,
    rows: p.rows,
    seed: p.seed,
    ngram: p.ngram,
    charNgram: p.char_ngram,
    autoCharNgram: p.auto_char_ngram,
    threshold: co.threshold,
    keep: co.keep,
    verify: co.verify,
    overlapNgram: 0,
    tmpDir: co.tmpDir,
  };
  const nd = new NearDedup(opts, co.memory);
  try {
    if (co.index) ctx.report.notes.index_rows_loaded = await loadIndex(co.index, p, nd);
    let n = 0;
    for await (const batch of readRows(co.against, { stdin: ctx.io.stdin })) {
      for (const row of batch) {
        nd.addReference(row.value, row);
        n++;
      }
    }
    if (co.against.length > 0) ctx.report.notes.reference_rows = n;
  } catch (e) {
    nd.close();
    throw e;
  }
  return nd;
}

/** `dedup-near apply`: filter (or mark) shards by the assignment file of `cluster`. */
export async function runApply(assignment: string, mark: boolean, dups: string | undefined, ctx: ToolContext): Promise<void> {
  const { report } = ctx;
  const wanted = new Set(ctx.inputs.map((f) => (f === '-' ? '<stdin>' : f)));
  if (ctx.inputs.includes('-')) throw new UsageError('apply reads its shards by name; give the shard files (the names used with `dedup-near sign`)');
  const byShard = new Map<string, (Decision | null)[]>();
  ctx.progressStage('reading the assignment');
  for await (const batch of readRows([assignment], { stdin: ctx.io.stdin })) {
    for (const r of batch) {
      const v = r.value as JsonObject;
      const shard = v.shard;
      const rowNo = v.row;
      if (typeof shard !== 'string' || typeof rowNo !== 'number')
        throw new DataError('expected a dedup-near assignment record {"shard","row",…}', r, 'the --assignment file is the output of `dedup-near cluster`');
      if (!wanted.has(shard)) continue;
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      if (rowNo !== list.length + 1) throw new DataError(`assignment rows of ${shard} are out of order (expected row ${list.length + 1}, got ${rowNo})`, r);
      if (v.rejected !== undefined) list.push(null);
      else
        list.push({
          cluster: v.cluster as string,
          clusterSize: v.cluster_size as number,
          reason: v.dup_reason as string | undefined,
          dupOf: v.dup_of as string | undefined,
          similarity: v.similarity as number | undefined,
        });
    }
  }
  for (const f of wanted)
    if (!byShard.has(f)) throw new DataError(`the assignment file has no rows for shard ${f}`, undefined, 'give apply the same shard paths that were given to `dedup-near sign`');
  const dupsSink = dups ? ctx.openOutputFile(dups) : undefined;
  if (dupsSink) report.setDropsSink(dupsSink);
  const tally: Tally = { marked: new Map(), clusters: 0, inClusters: 0 };
  let lastFile = '';
  let rowNo = 0;
  const readCount = new Map<string, number>();
  // Bad lines were counted (or rejected) by `sign`: skipped here. Rows are counted as read.
  ctx.progressStage('writing');
  for await (const batch of readRows(ctx.inputs, { stdin: ctx.io.stdin, rejector: IGNORE, onBytes: ctx.readOptions.onBytes, withBytes: true })) {
    for (const row of batch) {
      if (row.file !== lastFile) {
        lastFile = row.file;
        rowNo = 0;
      }
      const list = byShard.get(row.file) as (Decision | null)[];
      const d = list[rowNo++];
      readCount.set(row.file, rowNo);
      if (d === undefined) throw new DataError(`${row.file} has more rows than its assignment (${list.length})`, row, 'was the shard changed after `dedup-near sign`?');
      report.counts.lines++;
      if (d === null) {
        report.drop(REASONS.missingField);
        continue;
      }
      emitRow(row, d, mark, ctx, dupsSink !== undefined, tally);
    }
    await ctx.out.flush();
    await report.flushSinks();
  }
  for (const [shard, list] of byShard) {
    const n = readCount.get(shard) ?? 0;
    if (n !== list.length) throw new DataError(`${shard} has ${n} rows, its assignment ${list.length}`, undefined, 'was the shard changed after `dedup-near sign`?');
  }
  finishTally(tally, mark, ctx);
}
