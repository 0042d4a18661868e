import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { LdtError } from '@ldt/errors';
import { SHA_RE } from './cache.js';
import { formatOf, readCsv, readJsonRows, readText } from './formats.js';
import type { HttpOptions } from './http.js';
import { configsOf, openRepo } from './open-repo.js';
import { type ParquetTuning, readParquetChunks, readParquetMetadata, readParquetParallel } from './parquet.js';
import type { Registry } from './registry.js';
import { selectSplits } from './resolve.js';
import type { DatasetRef } from './source.js';
import { Stamp } from './stamp.js';

/** Everything `fetchDataset` needs; the CLI fills it from flags and the environment. */
export interface FetchOptions {
  ref: DatasetRef;
  config?: string;
  split?: string;
  revision?: string;
  columns?: string[];
  limit?: number;
  /** JSON documents: the key of the array of rows inside a single object (`--field`). */
  field?: string;
  /** Read the Hub's parquet conversion (`refs/convert/parquet`). */
  parquetExport?: boolean;
  /** Warnings for stderr (e.g. a loading-script dataset read through its parquet conversion). */
  warn?: (message: string) => void;
  /** No `meta.source` / `meta.license`. */
  noMeta?: boolean;
  /** `--source-root DIR`: local files are named relative to it in `meta.source` (default: by file name). */
  sourceRoot?: string;
  /** Standard input, for DATASET `-`. */
  stdin?: Readable;
  http: HttpOptions;
  /** The HF hub cache folder, or undefined for `--no-cache`. */
  cacheDir?: string;
  /** `HF_HUB_OFFLINE`: only the cache, no HTTP at all. */
  offline?: boolean;
  /** The governance gate (see registry.ts); undefined = no gate. */
  registry?: Registry;
  /** `--no-registry`: the gate was turned off on purpose; every row says so (`meta.registry: "off"`). */
  noRegistry?: boolean;
  /** Worker threads for parquet row groups (1 = none). */
  threads?: number;
  /** How parquet is read (engine, escaper, worker threshold); the CLI takes it from the environment. */
  parquet?: ParquetTuning;
  /** Bytes read (network or disk), for progress. */
  onBytes?: (n: number) => void;
  /** Called before each file is read with the number of files done and the total (for the progress line). */
  onFile?: (done: number, total: number) => void;
  cwd?: string;
}

/** The facts of a run, for the summary and `--stats`. */
export interface FetchFacts {
  dataset: string;
  revision?: string;
  sha?: string;
  license?: string;
  config?: string;
  splits: string[];
  files: { path: string; config: string; split: string; rows: number; size?: number }[];
  ignored_files: string[];
  cache?: string;
  downloaded_bytes: number;
  http_requests: number;
  http_retries: number;
  blank_lines: number;
}

/** One batch of output: lines, or NDJSON bytes from a worker thread, and the file it came from. */
export interface Batch {
  lines?: string[];
  bytes?: Uint8Array;
  rows: number;
  path: string;
}

/**
 * Stream the rows of a dataset as NDJSON lines, split by split and file by file in order, row
 * order kept (deterministic). `facts` is filled as it goes (resolved commit, files, rows).
 */
export async function* fetchDataset(opts: FetchOptions, facts: FetchFacts): AsyncGenerator<Batch> {
  const repo = await openRepo(opts, facts);
  facts.dataset = repo.label;
  facts.sha = repo.sha;
  const configs = configsOf(repo, opts, facts);
  const { config, splits } = selectSplits(configs, opts.config, opts.split, repo.label.includes('/') && opts.ref.kind === 'hub' ? `dataset ${repo.label}` : repo.label);
  facts.config = config.name;
  facts.splits = splits.map((s) => s.name);
  const license = repo.entry?.license ?? repo.card.license;
  facts.license = license;
  const needed = splits.flatMap((s) => s.files);
  if (repo.missing) {
    const miss = repo.missing(needed);
    if (miss.length > 0)
      throw new LdtError(
        `HF_HUB_OFFLINE=1: ${miss.length} of the ${needed.length} files needed are not in the cache (${repo.cacheDir}): ${miss.join(', ')}`,
        'run once without HF_HUB_OFFLINE=1 (and without --limit) to download them',
      );
  }
  const sizes = new Map(repo.files.map((f) => [f.path, f.size]));
  let left = opts.limit ?? Number.POSITIVE_INFINITY;
  let fileNo = 0;
  for (const split of splits) {
    for (const path of split.files) {
      if (left <= 0) return;
      opts.onFile?.(fileNo++, needed.length);
      const fmt = (repo.formatOf ?? formatOf)(path);
      const q = `?config=${encodeURIComponent(config.name)}&split=${encodeURIComponent(split.name)}`;
      const stamp = opts.noMeta ? Stamp.none() : new Stamp(`${await repo.sourceOf(path)}${q}`, license, opts.noRegistry ? 'off' : undefined, repo.convertedFrom);
      const limit = Number.isFinite(left) ? left : undefined;
      const rec = { path, config: config.name, split: split.name, rows: 0, size: sizes.get(path) };
      facts.files.push(rec);
      let gen: AsyncGenerator<string[]>;
      const common = { columns: opts.columns, limit, stamp, ...opts.parquet };
      const display = opts.ref.kind === 'files' ? path : `${repo.label}/${path}`;
      const local = fmt === 'parquet' && (opts.threads ?? 1) > 1 ? await repo.localParquet(path, limit === undefined) : undefined;
      if (local !== undefined || fmt === 'parquet') {
        const chunks =
          local !== undefined
            ? readParquetParallel(local, { ...common, display, threads: opts.threads ?? 1 })
            : readParquetChunks(await repo.parquet(path, limit === undefined), { ...common, display });
        for await (const chunk of chunks) {
          rec.rows += chunk.rows;
          left -= chunk.rows;
          // Local files read by workers are counted here; other reads by the counting AsyncBuffer.
          if (local !== undefined) opts.onBytes?.(chunk.bytes.length);
          yield { bytes: chunk.bytes, rows: chunk.rows, path };
        }
        continue;
      }
      {
        const src = await repo.bytes(path);
        const textOpts = { ...common, onBytes: src.local ? opts.onBytes : undefined };
        if (fmt === 'jsonl' || fmt === 'json')
          gen = readJsonRows(
            src,
            { ...textOpts, field: opts.field },
            {
              get blank() {
                return facts.blank_lines;
              },
              set blank(v) {
                facts.blank_lines = v;
              },
            },
            fmt === 'json',
          );
        else if (fmt === 'csv' || fmt === 'tsv') gen = readCsv(src, textOpts, fmt === 'csv' ? ',' : '\t');
        else if (fmt === 'text') gen = readText(src, textOpts);
        else throw new LdtError(`${path}: not a data file hf-fetch reads`);
      }
      for await (const lines of gen) {
        rec.rows += lines.length;
        left -= lines.length;
        yield { lines, rows: lines.length, path };
      }
    }
  }
  if (repo.http) {
    facts.http_requests = repo.http.requests;
    facts.http_retries = repo.http.retried;
  }
}

/** One line of `--list` output. */
export type ListRow = Record<string, unknown>;

/**
 * `--list`: the dataset, its configs, splits and files (path, size) with parquet row counts from
 * the footers (one or two ranged reads per file, never the rows), as NDJSON rows.
 */
export async function* listDataset(opts: FetchOptions, facts: FetchFacts): AsyncGenerator<ListRow> {
  const repo = await openRepo(opts, facts);
  facts.dataset = repo.label;
  facts.sha = repo.sha;
  const configs = configsOf(repo, opts, facts);
  const license = repo.entry?.license ?? repo.card.license;
  yield {
    kind: 'dataset',
    dataset: repo.label,
    ...(repo.revision !== undefined ? { revision: repo.revision } : {}),
    ...(repo.sha !== undefined ? { sha: repo.sha } : {}),
    ...(license !== undefined ? { license } : {}),
    configs: configs.map((c) => c.name),
    ...(facts.ignored_files.length > 0 ? { ignored_files: facts.ignored_files } : {}),
  };
  const sizes = new Map(repo.files.map((f) => [f.path, f.size]));
  const chosen = opts.config !== undefined || opts.split !== undefined ? [selectSplits(configs, opts.config, opts.split, repo.label).config] : configs;
  for (const c of chosen) {
    yield { kind: 'config', config: c.name, default: c.isDefault, splits: c.splits.map((s) => s.name) };
    for (const s of c.splits) {
      if (opts.split !== undefined && s.name !== opts.split) continue;
      const fileRows: ListRow[] = [];
      let rows: number | undefined = 0;
      let bytes: number | undefined = 0;
      for (const p of s.files) {
        let size = sizes.get(p);
        if (size === undefined && opts.ref.kind !== 'hub') size = (await stat(resolvePath(opts.cwd ?? process.cwd(), opts.ref.kind === 'dir' ? opts.ref.dir : '.', p))).size;
        let n: number | undefined;
        if (formatOf(p) === 'parquet' && (!repo.missing || repo.missing([p]).length === 0)) {
          const buf = await repo.parquet(p, false);
          n = Number((await readParquetMetadata(buf, `${repo.label}/${p}`)).num_rows);
        }
        rows = rows !== undefined && n !== undefined ? rows + n : undefined;
        bytes = bytes !== undefined && size !== undefined ? bytes + size : undefined;
        fileRows.push({ kind: 'file', config: c.name, split: s.name, path: p, ...(size !== undefined ? { size } : {}), ...(n !== undefined ? { rows: n } : {}) });
      }
      yield { kind: 'split', config: c.name, split: s.name, files: s.files.length, ...(bytes !== undefined ? { bytes } : {}), ...(rows !== undefined ? { rows } : {}) };
      yield* fileRows;
    }
  }
  if (repo.http) {
    facts.http_requests = repo.http.requests;
    facts.http_retries = repo.http.retried;
  }
}

export function newFacts(): FetchFacts {
  return { dataset: '', splits: [], files: [], ignored_files: [], downloaded_bytes: 0, http_requests: 0, http_retries: 0, blank_lines: 0 };
}

export { SHA_RE };
