import { UsageError } from '@ldt/errors';
import { IndexFileWriter, type IndexFormat, invalidIndex, openIndexFile } from '@ldt/hash';
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
 * matches within a run. The container (magic, version, header, checksum) is @ldt/hash's
 * `IndexFileWriter`/`openIndexFile`: loading checks magic, version, that the parameters match,
 * and the checksum.
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

const FORMAT: IndexFormat = {
  magic: Buffer.from('LDTNIDX\0', 'latin1'),
  version: 1,
  tool: 'dedup-near',
  hint: 'was it written by dedup-near --save-index, completely? rebuild it with --save-index',
};

/** Write every kept row of `nd` (loaded index rows and rows kept in this run) to `w`. Returns the row count. */
export function writeIndex(w: LineWriter, params: IndexParams, nd: NearDedup, ids: Iterable<number>): number {
  const entries: number[] = [];
  for (const id of ids) if (nd.isKept(id)) entries.push(id);
  const file = new IndexFileWriter(FORMAT, (b) => w.pushBytes(b));
  file.header({ ...params, rows_saved: entries.length });
  for (const id of entries) {
    const { keys, len, record } = nd.indexEntry(id);
    const fixed = Buffer.allocUnsafe(4 + keys.length * 4);
    fixed.writeUInt32LE(len, 0);
    Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).copy(fixed, 4);
    file.payload(fixed);
    file.payload(record);
  }
  file.finish();
  return entries.length;
}

/** Load an index into `nd` (before any reference or input). Returns the number of rows loaded. */
export async function loadIndex(path: string, params: IndexParams, nd: NearDedup): Promise<number> {
  const file = await openIndexFile(path, FORMAT, '--index', (header) => {
    for (const [k, v] of Object.entries(params)) {
      if (header[k] !== v) {
        const flag = `--${k.replace(/_/g, '-')}`;
        throw new UsageError(
          `--index ${path} was built with ${k} ${JSON.stringify(header[k])}; this run uses ${JSON.stringify(v)}`,
          `run with the same ${flag} (and --threshold/--bands/--rows, --seed) as the run that saved it`,
        );
      }
    }
    return undefined;
  });
  let buf: Buffer = Buffer.alloc(0);
  try {
    // One chunk, the whole payload, checked: the rows keep views of it.
    for await (const chunk of file.payload(file.payloadSize)) buf = chunk;
  } finally {
    await file.close();
  }
  const bad = (what: string) => invalidIndex(path, FORMAT, what);
  const bands = params.bands;
  let p = 0;
  const end = buf.length;
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
  if (n !== file.header.rows_saved) throw bad(`header says ${String(file.header.rows_saved)} rows, found ${n}`);
  return n;
}
