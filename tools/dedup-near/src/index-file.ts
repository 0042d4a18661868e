import { readFile } from 'node:fs/promises';
import { DataError, UsageError } from '@ldt/errors';
import { xxh64Stream } from '@ldt/hash';
import type { LineWriter } from '@ldt/ndjson';
import type { NearDedup } from './near.js';

/**
 * The persistent LSH index of dedup-near (`--save-index` / `--index`), version 1:
 *
 * ```
 * offset  size  field
 * 0       8     magic "LDTNIDX\0"
 * 8       4     format version, u32 LE (1)
 * 12      4     header length H, u32 LE
 * 16      H     header, UTF-8 JSON: the parameters that must match (see IndexParams) and "rows"
 * 16+H    …     per kept row: u32 text length, bands × u32 band keys, u32 shingle count S,
 *               16-byte content hash, S × u32 sorted shingle hashes (all LE)
 * end-8   8     XXH3-64 (seed 0) of every byte before it
 * ```
 * The shingle sets are stored so that matches against indexed rows are verified exactly, like
 * matches within a run. Loading checks magic, version, checksum and that the parameters match.
 */
export interface IndexParams {
  tool: 'dedup-near';
  num_perm: number;
  bands: number;
  rows: number;
  seed: number;
  ngram: number;
  char_ngram: number;
  auto_char_ngram: number;
  normalize: 'aggressive';
  shingle_hash: 'xxh32';
}

const MAGIC = Buffer.from('LDTNIDX\0', 'latin1');
const VERSION = 1;

/** Write every kept row of `nd` (loaded index rows and rows kept in this run) to `w`. Returns the row count. */
export function writeIndex(w: LineWriter, params: IndexParams, nd: NearDedup, ids: Iterable<number>): number {
  const entries: number[] = [];
  for (const id of ids) if (nd.isKept(id)) entries.push(id);
  const head = Buffer.from(JSON.stringify({ ...params, rows_saved: entries.length }), 'utf8');
  const pre = Buffer.alloc(16);
  MAGIC.copy(pre, 0);
  pre.writeUInt32LE(VERSION, 8);
  pre.writeUInt32LE(head.length, 12);
  const sum = xxh64Stream();
  const put = (b: Buffer) => {
    sum.update(b);
    w.pushBytes(b);
  };
  put(pre);
  put(head);
  for (const id of entries) {
    const { keys, len, record } = nd.indexEntry(id);
    const fixed = Buffer.allocUnsafe(4 + keys.length * 4);
    fixed.writeUInt32LE(len, 0);
    Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).copy(fixed, 4);
    put(fixed);
    put(record);
  }
  w.pushBytes(sum.digest());
  return entries.length;
}

/** Load an index into `nd` (before any reference or input). Returns the number of rows loaded. */
export async function loadIndex(path: string, params: IndexParams, nd: NearDedup): Promise<number> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new DataError(`cannot read --index ${path}: ${(e as Error).message}`);
  }
  const bad = (what: string) =>
    new DataError(`${path}: not a valid dedup-near index (${what})`, undefined, 'was it written by dedup-near --save-index, completely? rebuild it with --save-index');
  if (buf.length < 24 || !buf.subarray(0, 8).equals(MAGIC)) throw bad('bad magic or too short');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) throw bad(`format version ${version}; this dedup-near reads version ${VERSION}`);
  const sum = xxh64Stream();
  sum.update(buf.subarray(0, buf.length - 8));
  if (!sum.digest().equals(buf.subarray(buf.length - 8))) throw bad('checksum mismatch: truncated or altered');
  const hlen = buf.readUInt32LE(12);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + hlen));
  } catch {
    throw bad('unreadable header');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('the header is not a JSON object');
  for (const [k, v] of Object.entries(params)) {
    if (header[k] !== v) {
      const flag = `--${k.replace(/_/g, '-')}`;
      throw new UsageError(
        `--index ${path} was built with ${k} ${JSON.stringify(header[k])}; this run uses ${JSON.stringify(v)}`,
        `run with the same ${flag} (and --threshold/--bands/--rows, --seed) as the run that saved it`,
      );
    }
  }
  const bands = params.bands;
  let p = 16 + hlen;
  const end = buf.length - 8;
  let n = 0;
  while (p < end) {
    if (p + 4 + bands * 4 + 20 > end) throw bad('truncated row');
    const len = buf.readUInt32LE(p);
    const keys = new Uint32Array(bands);
    for (let j = 0; j < bands; j++) keys[j] = buf.readUInt32LE(p + 4 + j * 4);
    p += 4 + bands * 4;
    const s = buf.readUInt32LE(p);
    const recLen = 20 + s * 4;
    if (p + recLen > end) throw bad('truncated row');
    nd.addIndexRow(keys, len, buf.subarray(p, p + recLen));
    p += recLen;
    n++;
  }
  if (n !== header.rows_saved) throw bad(`header says ${String(header.rows_saved)} rows, found ${n}`);
  return n;
}
