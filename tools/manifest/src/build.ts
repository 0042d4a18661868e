import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DataError, quote, UsageError } from '@ldt/errors';
import { acquireLock, cleanStaleTemps, type Lock, type Report, type Row, tempPathFor, trackTemp, untrackTemp, writeError } from '@ldt/ndjson';
import { type FieldPath, getMeta, getPath, isJsonObject, type Json } from '@ldt/schema';
import { countRowTokens, rowTexts, TEMPLATE_TOKEN_RULE, type TemplateRecord, TemplateRowError, type TemplateTokenRule, TOKEN_RULE, type TokenCounter } from '@ldt/tokens';
import { croissantFor } from './croissant.js';
import { cmp, FieldCatalog } from './fields.js';
import { datasetId, MANIFEST_FORMAT, type Manifest, type ManifestGate, type ManifestShard, sideFiles, type ToolChainEntry } from './format.js';
import { ProfileBuilder } from './profile.js';
import { type Compression, loadZstd, ShardFile, SUFFIX } from './shard-file.js';
import { parseSource, SourceTally } from './source.js';

/** A `--require PATH=V1,V2` gate: every listed value must occur at PATH. */
export interface RequireGate {
  path: FieldPath;
  values: string[];
}

export interface BuildOptions {
  /** The output folder (created; a previous manifest build there is replaced as a whole). */
  outDir: string;
  /** Partition paths; rows without a value at a path have no segment for it. Default meta.split, meta.phase. */
  partitionBy: FieldPath[];
  /** Cut a shard before it would exceed this many raw bytes (a single larger row gets its own shard). */
  shardBytes: number;
  /** Cut a shard at this many rows (undefined: no row limit). */
  shardRows: number | undefined;
  compression: Compression;
  /** Group paths for counts; undefined means the dataset part of meta.source. */
  groupBy: FieldPath[] | undefined;
  tokens: TokenCounter;
  /** `--template`: count the tokens of each row rendered by this chat template (rule `chat-template-v1`), recorded in the manifest. */
  template?: { rule: TemplateTokenRule; record: TemplateRecord };
  /** Text fields whose tokens are counted (undefined: by record kind). */
  textFields: FieldPath[] | undefined;
  /** Also write every row to this one NDJSON file (.gz/.zst by extension). */
  single: string | undefined;
  croissant: boolean;
  /** Dataset name (manifest and croissant). */
  name: string;
  require: RequireGate[];
  /** Every group must have at least this many rows. */
  minRows: number | undefined;
  toolChain: ToolChainEntry[];
  createdBy: { tool: string; version: string; argv: string[] };
  inputs: string[];
}

interface Partition {
  name: string;
  values: Record<string, Json>;
  shards: ShardFile[];
  cur: ShardFile | undefined;
  /** Queued rows: their bytes where the reader gave them (copied, not encoded again), else their text. */
  lines: (string | Buffer)[];
  /** Upper bound of the raw bytes of `lines` (queued, not yet written to the current shard): 3 per UTF-16 unit. */
  pendingMax: number;
  rows: number;
}

interface Group {
  key: Record<string, Json>;
  rows: number;
  tokens: number;
}

/** Characters kept as they are in a partition folder name; anything else is %XX (UTF-8). */
const SAFE = /^[A-Za-z0-9._-]$/;

/** `split=train`: the last path segment, `=`, the value's text (a string as is, else JSON) percent-encoded for a safe folder name. */
function segmentName(label: string, s: string): string {
  let out = '';
  for (const ch of s) out += SAFE.test(ch) ? ch : [...Buffer.from(ch)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return `${label}=${out}`;
}

/**
 * Write rows into partitioned, checksummed shards and a manifest. Rows are written verbatim (the
 * raw line), in input order within each partition. Everything goes to a staging folder beside
 * `outDir` that is renamed into place only when the build (and its gates) succeeded.
 */
export class ManifestBuilder {
  private readonly staging: string;
  private readonly partitions = new Map<string, Partition>();
  private readonly groups = new Map<string, Group>();
  private readonly sources = new SourceTally();
  private readonly fields = new FieldCatalog();
  private readonly profile = new ProfileBuilder();
  private readonly required: Map<string, number>[];
  private readonly labels: string[];
  private single: ShardFile | undefined;
  private singleLines: (string | Buffer)[] = [];
  private rows = 0;
  private tokens = 0;
  private readonly scratch: string[] = [];
  private lock: Lock | undefined;

  constructor(
    private readonly opts: BuildOptions,
    private readonly report: Report,
  ) {
    this.staging = `${resolve(opts.outDir)}.tmp-${process.pid}`;
    this.required = opts.require.map(() => new Map());
    const last = opts.partitionBy.map((p) => String(p.segments[p.segments.length - 1]));
    this.labels = opts.partitionBy.map((p, i) => (last.indexOf(last[i]) === last.lastIndexOf(last[i]) ? last[i] : p.text));
  }

  /** Check the output folder can be (re)placed, load the compressor, open the staging folder. */
  async start(): Promise<void> {
    const out = resolve(this.opts.outDir);
    if (existsSync(out)) {
      if (!statSync(out).isDirectory()) throw new UsageError(`--out-dir ${this.opts.outDir} exists and is not a folder`);
      const entries = readdirSync(out);
      if (entries.length > 0 && !entries.includes('manifest.json'))
        throw new UsageError(
          `--out-dir ${this.opts.outDir} is not empty and holds no manifest.json`,
          'give a new or empty folder; a folder from an earlier manifest build is replaced as a whole',
        );
    }
    if (this.opts.single && resolve(this.opts.single).startsWith(`${out}/`)) throw new UsageError('--single must be outside --out-dir (the folder is replaced as a whole)');
    // One writer per folder: a second build into it fails at once (the lock names the holder).
    try {
      await mkdir(dirname(out), { recursive: true });
    } catch (e) {
      throw writeError(`--out-dir ${this.opts.outDir}`, e);
    }
    this.lock = acquireLock(out, `--out-dir ${this.opts.outDir}`);
    // An earlier build is replaced only when the folder holds nothing but what its manifest lists.
    if (existsSync(out) && readdirSync(out).length > 0) {
      const unknown = await firstUnlistedFile(out);
      if (unknown !== undefined)
        throw new UsageError(
          `--out-dir ${this.opts.outDir} holds ${unknown}, which its manifest.json does not list; a rebuild would delete it`,
          'move that file out of the folder (or give a new folder); only a folder holding just what an earlier build wrote is replaced',
        );
    }
    // Staging folders and temporaries of killed earlier builds into the same place.
    cleanStaleTemps(out);
    if (this.opts.single) cleanStaleTemps(resolve(this.opts.single));
    if (this.opts.compression === 'zstd' || this.opts.single?.endsWith('.zst')) await loadZstd();
    trackTemp(this.staging);
    await rm(this.staging, { recursive: true, force: true });
    try {
      // Synchronously: made on the thread pool, the folder could appear just after a signal
      // handler had removed the temporaries (see createTempFile in @ldt/ndjson).
      mkdirSync(this.staging, { recursive: true });
    } catch (e) {
      throw writeError(`--out-dir ${this.opts.outDir} (staging folder ${this.staging})`, e);
    }
    if (this.opts.single) {
      const s = this.opts.single;
      const comp: Compression = s.endsWith('.zst') ? 'zstd' : s.endsWith('.gz') ? 'gzip' : 'none';
      const tmp = tempPathFor(s);
      trackTemp(tmp);
      this.single = new ShardFile(s, tmp, comp);
    }
  }

  /** Folder names by partition path and value text: few distinct values, each computed once (segmentName tests every character). */
  private readonly segments: Map<string, string>[] = [];

  private segment(i: number, v: Json): string {
    const cache = (this.segments[i] ??= new Map());
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    let name = cache.get(s);
    if (name === undefined) {
      name = segmentName(this.labels[i], s);
      if (cache.size < 10_000) cache.set(s, name);
    }
    return name;
  }

  /**
   * Add one batch of rows (as read). `asRead`, when given, is the batch's rows exactly as their
   * lines were read, each ending in `\n` (the read chunk): `--single` writes it as it is instead
   * of copying every row into a new buffer (the same bytes).
   */
  async addBatch(batch: readonly Row[], asRead?: Buffer): Promise<void> {
    const { partitionBy, groupBy, tokens, textFields } = this.opts;
    const touched = new Set<Partition>();
    for (const row of batch) {
      const v = row.value;
      // Partition.
      const values: Record<string, Json> = {};
      const segs: string[] = [];
      for (let i = 0; i < partitionBy.length; i++) {
        const x = getPath(v, partitionBy[i]);
        if (x === undefined || x === null) continue;
        if (typeof x === 'object') {
          throw new DataError(
            `--partition-by ${partitionBy[i].text} must be a string, number or boolean; got ${Array.isArray(x) ? 'an array' : 'an object'}`,
            { file: row.file, line: row.line },
            'partition on a scalar field such as meta.split',
          );
        }
        values[partitionBy[i].text] = x as Json;
        segs.push(this.segment(i, x as Json));
      }
      const pname = segs.length > 0 ? segs.join('/') : 'all';
      let part = this.partitions.get(pname);
      if (!part) {
        part = { name: pname, values, shards: [], cur: undefined, lines: [], pendingMax: 0, rows: 0 };
        this.partitions.set(pname, part);
      }
      // Shard cut: before a row that would overflow the current shard. The exact UTF-8 size is
      // only computed near the limit: 3 bytes per UTF-16 unit is an upper bound (Buffer.byteLength
      // on every row was ~5% of a build on the bench corpus).
      let t: number;
      try {
        t = countRowTokens(tokens, v, textFields, this.scratch, this.opts.template?.rule);
      } catch (e) {
        if (e instanceof TemplateRowError)
          throw new DataError(
            e.message,
            { file: row.file, line: row.line },
            'the template refuses this row (e.g. roles that do not alternate); fix the row, or count without --template',
          );
        throw e;
      }
      let cur = part.cur;
      if (cur && cur.rows > 0) {
        let cut = this.opts.shardRows !== undefined && cur.rows >= this.opts.shardRows;
        if (!cut && cur.rawBytes + part.pendingMax + 3 * row.raw.length + 1 > this.opts.shardBytes) {
          await this.flushPartition(part);
          cut = cur.rawBytes + Buffer.byteLength(row.raw, 'utf8') + 1 > this.opts.shardBytes;
        }
        if (cut) {
          await this.flushPartition(part);
          await cur.close();
          cur = undefined;
        }
      }
      if (!cur) {
        const rel = `${pname}/part-${String(part.shards.length).padStart(5, '0')}.jsonl${SUFFIX[this.opts.compression]}`;
        cur = new ShardFile(rel, join(this.staging, rel), this.opts.compression);
        part.shards.push(cur);
        part.cur = cur;
      }
      cur.rows++;
      cur.tokens += t;
      part.pendingMax += 3 * row.raw.length + 1;
      part.lines.push(row.bytes ?? row.raw);
      part.rows++;
      touched.add(part);
      this.rows++;
      this.tokens += t;
      if (this.single && !asRead) this.singleLines.push(row.bytes ?? row.raw);

      // Groups: group-by (or source dataset) × split × phase; resolved sources.
      const src = getMeta(v, 'source');
      const sp = typeof src === 'string' ? parseSource(src) : undefined;
      const meta = v.meta;
      const split = isJsonObject(meta) ? scalarKey(meta.split) : null;
      const phase = isJsonObject(meta) ? scalarKey(meta.phase) : null;
      let gk: string;
      let keyValues: Json[];
      if (groupBy) {
        keyValues = groupBy.map((p) => scalarKey(getPath(v, p)));
        keyValues.push(split, phase);
        gk = JSON.stringify(keyValues);
      } else {
        keyValues = [sp ? sp.dataset : null, split, phase];
        // Common case (strings or nulls): a cheap key; JSON text otherwise.
        gk =
          typeof keyValues[0] !== 'number' && typeof split !== 'number' && typeof phase !== 'number' && typeof split !== 'boolean' && typeof phase !== 'boolean'
            ? `${keyValues[0]}\u0001${split}\u0001${phase}`
            : JSON.stringify(keyValues);
      }
      let g = this.groups.get(gk);
      if (!g) {
        const key: Record<string, Json> = {};
        if (groupBy) for (const [i, p] of groupBy.entries()) key[p.text] = keyValues[i];
        else key.source = keyValues[0];
        key.split = split;
        key.phase = phase;
        this.groups.set(gk, (g = { key, rows: 0, tokens: 0 }));
      }
      g.rows++;
      g.tokens += t;
      // Lengths, licences, clusters, PII (for show and report): characters of the texts tokens are counted on.
      this.profile.add(v, split, phase, rowTexts(v, textFields, this.scratch), t);

      if (sp) this.sources.addParts(sp);

      // Gates.
      for (let i = 0; i < this.opts.require.length; i++) {
        const gate = this.opts.require[i];
        const x = getPath(v, gate.path);
        const xs = Array.isArray(x) && gate.path.multi ? x : [x];
        for (const y of xs) {
          const s = typeof y === 'string' ? y : y === undefined ? undefined : JSON.stringify(y);
          if (s !== undefined && gate.values.includes(s)) this.required[i].set(s, (this.required[i].get(s) ?? 0) + 1);
        }
      }
      this.fields.add(v);
    }
    for (const p of touched) await this.flushPartition(p);
    if (this.single && asRead) await this.single.write(asRead);
    else if (this.single && this.singleLines.length > 0) {
      await this.single.write(linesToBuffer(this.singleLines));
      this.singleLines = [];
    }
    this.report.written += batch.length;
  }

  private async flushPartition(p: Partition): Promise<void> {
    if (p.lines.length === 0 || !p.cur) return;
    // Encode straight into one buffer (no joined string to collect), sized exactly: rows read with
    // their bytes (the common case) have a known size, and the 3-bytes-per-unit bound tripled
    // every allocation (fresh pages to fault in: linesToBuffer was ~11% of a build, issue 17).
    const buf = linesToBuffer(p.lines);
    p.lines = [];
    p.pendingMax = 0;
    await p.cur.write(buf);
  }

  /** Close every shard, check the gates, write manifest.json (and croissant.json), move the folder into place. */
  async finish(): Promise<Manifest> {
    for (const p of this.partitions.values()) {
      await this.flushPartition(p);
      if (p.cur) await p.cur.close();
      p.cur = undefined;
    }
    if (this.single) await this.single.close();
    this.checkGates();

    const parts = [...this.partitions.values()].sort((a, b) => cmp(a.name, b.name));
    const shards: ManifestShard[] = [];
    for (const p of parts)
      for (const s of p.shards)
        shards.push({ path: s.finalPath, partition: p.name, rows: s.rows, raw_bytes: s.rawBytes, stored_bytes: s.storedBytes, sha256: s.sha256, tokens: s.tokens });
    const sum = (f: (s: ManifestShard) => number) => shards.reduce((a, s) => a + f(s), 0);
    const { tokens } = this.opts;
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      name: this.opts.name,
      dataset_id: datasetId(shards),
      created_by: this.opts.createdBy,
      inputs: this.opts.inputs,
      compression: this.opts.compression,
      partition_by: this.opts.partitionBy.map((p) => p.text),
      group_by: this.opts.groupBy ? this.opts.groupBy.map((p) => p.text) : ['meta.source (dataset)'],
      tokenizer: {
        name: tokens.name,
        estimate: tokens.estimate,
        description: tokens.description,
        text_fields: this.opts.textFields?.map((p) => p.text) ?? 'by record kind',
        count_rule: this.opts.template ? TEMPLATE_TOKEN_RULE : TOKEN_RULE,
        ...(this.opts.template ? { template: this.opts.template.record } : {}),
      },
      totals: {
        rows: this.rows,
        shards: shards.length,
        partitions: parts.length,
        raw_bytes: sum((s) => s.raw_bytes),
        stored_bytes: sum((s) => s.stored_bytes),
        tokens: this.tokens,
      },
      partitions: parts.map((p) => ({ name: p.name, values: p.values, rows: p.rows, shards: p.shards.length })),
      shards,
      groups: [...this.groups.values()].sort((a, b) => cmp(JSON.stringify(a.key), JSON.stringify(b.key))).map((g) => ({ key: g.key, rows: g.rows, tokens: g.tokens })),
      sources: this.sources.toJSON(),
      fields: this.fields.toJSON(),
      ...(this.fields.overflow > 0 ? { fields_not_recorded: this.fields.overflow } : {}),
      tool_chain: this.opts.toolChain,
      gates: this.gateResults(),
      profile: this.profile.toJSON(),
      ...(this.single
        ? { single: { path: this.opts.single as string, rows: this.rows, raw_bytes: this.single.rawBytes, stored_bytes: this.single.storedBytes, sha256: this.single.sha256 } }
        : {}),
    };
    await writeFile(join(this.staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (this.opts.croissant) await writeFile(join(this.staging, 'croissant.json'), `${JSON.stringify(croissantFor(manifest), null, 2)}\n`);

    // Move into place: the old build (if any) aside, the new one in, the old one removed.
    const out = resolve(this.opts.outDir);
    await mkdir(dirname(out), { recursive: true });
    if (existsSync(out)) {
      // The old build goes aside under a temporary name too, so an interrupted swap leaves
      // nothing that the next run into the same place does not clean.
      const old = `${out}.tmp-${process.pid}-old`;
      trackTemp(old);
      await rename(out, old);
      await rename(this.staging, out);
      untrackTemp(this.staging);
      await rm(old, { recursive: true, force: true });
      untrackTemp(old);
    } else {
      await rename(this.staging, out);
      untrackTemp(this.staging);
    }
    if (this.single) {
      await this.single.commit();
      untrackTemp(tempPathFor(this.opts.single as string));
    }
    this.lock?.release();
    return manifest;
  }

  /** The gates of this build (all passed: a failed gate writes nothing), with what was found. */
  private gateResults(): ManifestGate[] {
    const out: ManifestGate[] = this.opts.require.map((gate, i) => ({
      gate: `--require ${gate.path.text}=${gate.values.join(',')}`,
      passed: true,
      detail: gate.values.map((v) => `${v} ${this.required[i].get(v) ?? 0}`).join(', '),
    }));
    if (this.opts.minRows !== undefined) {
      const least = Math.min(...[...this.groups.values()].map((g) => g.rows));
      out.push({ gate: `--min-rows ${this.opts.minRows}`, passed: true, detail: `${this.groups.size} groups, the smallest has ${Number.isFinite(least) ? least : 0} rows` });
    }
    return out;
  }

  private checkGates(): void {
    const problems: string[] = [];
    this.opts.require.forEach((gate, i) => {
      const missing = gate.values.filter((v) => !this.required[i].has(v));
      if (missing.length > 0) problems.push(`--require ${gate.path.text}: no row has ${missing.map((m) => quote(m)).join(', ')}`);
    });
    if (this.opts.minRows !== undefined) {
      for (const g of [...this.groups.values()].sort((a, b) => cmp(JSON.stringify(a.key), JSON.stringify(b.key))))
        if (g.rows < this.opts.minRows) problems.push(`--min-rows ${this.opts.minRows}: group ${JSON.stringify(g.key)} has ${g.rows} row${g.rows === 1 ? '' : 's'}`);
    }
    if (problems.length > 0) throw new DataError(`gate failed, nothing written:\n  ${problems.join('\n  ')}`, undefined, 'fix the data upstream or relax --require / --min-rows');
  }

  /** Remove the staging folder and temp files after a failure. */
  async abort(): Promise<void> {
    for (const p of this.partitions.values()) for (const s of p.shards) await s.abort();
    await this.single?.abort();
    await rm(this.staging, { recursive: true, force: true });
    untrackTemp(this.staging);
    if (this.opts.single) untrackTemp(tempPathFor(this.opts.single));
    this.lock?.release();
  }
}

/**
 * The first file (relative path) in an earlier build's folder that its manifest.json does not
 * list (shards, manifest.json, croissant.json, its side files such as report.html), or undefined
 * when it holds nothing else.
 */
async function firstUnlistedFile(out: string): Promise<string | undefined> {
  let listed: Set<string>;
  try {
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Pick<Manifest, 'side_files'> & { shards?: { path?: unknown }[] };
    listed = new Set([...sideFiles(m), ...(Array.isArray(m.shards) ? m.shards.map((s) => String(s?.path)) : [])]);
  } catch {
    return 'manifest.json (not a readable manifest)';
  }
  const stack = [''];
  const files: string[] = [];
  while (stack.length > 0) {
    const rel = stack.pop() as string;
    for (const e of readdirSync(join(out, rel), { withFileTypes: true })) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) stack.push(p);
      else files.push(p);
    }
  }
  return files.sort().find((f) => !listed.has(f));
}

function scalarKey(v: unknown): Json {
  if (v === undefined || v === null) return null;
  return typeof v === 'object' ? JSON.stringify(v) : (v as Json);
}

/**
 * Rows as output bytes, each ending in `\n`: rows read with their bytes are copied, others
 * encoded, straight into one buffer (no joined string; issue 17).
 */
function linesToBuffer(lines: readonly (string | Buffer)[]): Buffer {
  let cap = 0;
  for (const l of lines) cap += (typeof l === 'string' ? 3 * l.length : l.length) + 1;
  const buf = Buffer.allocUnsafe(cap);
  let off = 0;
  for (const line of lines) {
    if (typeof line === 'string') off += buf.write(line, off, 'utf8');
    else {
      buf.set(line, off);
      off += line.length;
    }
    buf[off++] = 10;
  }
  return buf.subarray(0, off);
}
