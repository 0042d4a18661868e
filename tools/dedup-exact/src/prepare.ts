import { DataError, type Position } from '@ldt/errors';
import {
  encodeLines,
  LineAssembler,
  type LineChunk,
  metaSplice,
  parseChunk,
  type ReadCounts,
  type Rejector,
  type Row,
  type Splice,
  serializeWithMeta,
  type WireChunk,
} from '@ldt/ndjson';
import { isJsonObject, parsePaths, setMeta } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import { type KeySpec, keyHash } from './key.js';

/**
 * The per-chunk half of dedup-exact: parse rows, compute their key hashes and their output lines.
 * It depends on nothing but the chunk, so it runs in worker threads (in parallel, in any order);
 * the order-dependent half (the seen-set, counting, writing) stays on the main thread
 * (`ExactDedup.applyChunk`). Structured-clone-safe in and out.
 */
export interface PrepareConfig {
  /** Key paths as text (FieldPath objects hold a symbol and cannot cross threads); undefined = auto. */
  keyPaths: string[] | undefined;
  normalize: NormalizeMode;
  /** Keep the raw lines of rows (needed only to write dropped rows to --dups). */
  keepRaw: boolean;
  /** Return output lines as UTF-8 bytes (for workers: transferred, not copied) instead of strings. */
  asBytes: boolean;
}

/** A line that is not a usable row, with what the main thread needs to reject it or fail. */
export interface Problem {
  line: number;
  reason: string;
  message: string;
  hint?: string;
  raw: string;
}

export interface PreparedChunk {
  file: string;
  lines: number;
  blank: number;
  /** Good rows in line order: their line numbers, raw lines (with `keepRaw`) and key hashes (16 bytes each). */
  rowLines: Int32Array;
  raws: string[];
  hashes: Uint8Array;
  /** Whether the row had a `meta` object (the output line is built differently). */
  hadMeta: Uint8Array;
  /**
   * The output line of each row if kept (with meta.content_hash), UTF-8 encoded, each ending in
   * `\n`: row i is `out[outOffsets[i] .. outOffsets[i+1])`. Bytes, not strings, so a worker hands
   * them over without a copy (transferred) and the main thread writes them without encoding.
   */
  out: Uint8Array;
  outOffsets: Int32Array;
  /** The same lines as strings (without `\n`), when prepared with `asBytes: false` (in-thread). */
  outLines: string[] | undefined;
  /** Bad lines in line order. */
  problems: Problem[];
}

export function keySpecOf(keyPaths: string[] | undefined): KeySpec {
  return keyPaths ? { mode: 'paths', paths: parsePaths(keyPaths) } : { mode: 'auto' };
}

const specCache = new Map<string, KeySpec>();

/** Parse and hash one chunk. Never throws for bad data: bad lines become `problems`. */
export function prepareChunk(chunk: WireChunk, cfg: PrepareConfig): PreparedChunk {
  const cacheKey = JSON.stringify(cfg.keyPaths ?? null);
  let key = specCache.get(cacheKey);
  if (!key) {
    key = keySpecOf(cfg.keyPaths);
    specCache.set(cacheKey, key);
  }
  const problems: Problem[] = [];
  const collect: Rejector = {
    reject(reason: string, raw: string | Buffer, pos: Position, error: DataError) {
      problems.push({ line: pos.line, reason, message: error.message, hint: error.hint, raw: String(raw) });
    },
  };
  const counts: ReadCounts = { lines: 0, blank: 0 };
  const buf = Buffer.from(chunk.buf.buffer, chunk.buf.byteOffset, chunk.buf.byteLength);
  const line: LineChunk = { buf, file: chunk.file, firstLine: chunk.firstLine };
  const rows = parseChunk(line, counts, collect, true);
  return prepareRows(rows, chunk.file, counts, problems, key, cfg.normalize, cfg.keepRaw, cfg.asBytes);
}

/** Hash and serialise parsed rows (the part of prepareChunk after parsing). */
export function prepareRows(
  rows: readonly Row[],
  file: string,
  counts: ReadCounts,
  problems: Problem[],
  key: KeySpec,
  normalize: NormalizeMode,
  keepRaw: boolean,
  asBytes = false,
): PreparedChunk {
  const hashes = new Uint8Array(rows.length * 16);
  const rowLines = new Int32Array(rows.length);
  const hadMetaArr = new Uint8Array(rows.length);
  const raws: string[] = [];
  const out: string[] = [];
  // Rows with their bytes (from prepareChunk) are assembled as bytes: copied around the new meta.
  const asm = rows.length > 0 && rows[0].bytes !== undefined ? new LineAssembler(rows.reduce((a, r) => a + (r.bytes?.length ?? 0), 0) + 80 * rows.length) : undefined;
  let n = 0;
  for (const row of rows) {
    const value = row.value;
    const hadMeta = value.meta !== undefined;
    const badMeta = hadMeta && !isJsonObject(value.meta);
    let h: Buffer;
    try {
      if (badMeta) setMeta(value, 'content_hash', '', row); // throws the contract error
      h = keyHash(value, key, normalize, row);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      problems.push({ line: row.line, reason: badMeta ? 'bad_meta' : 'missing_key', message: e.message, hint: e.hint, raw: row.raw });
      continue;
    }
    hashes.set(h, n * 16);
    rowLines[n] = row.line;
    hadMetaArr[n] = hadMeta ? 1 : 0;
    if (keepRaw) raws.push(row.raw);
    const hex = h.toString('hex');
    const bytes = row.bytes;
    if (asm && bytes) {
      let s: Splice | undefined;
      if (hadMeta) {
        setMeta(value, 'content_hash', hex, row);
        s = metaSplice(row.raw, value, true);
      } else s = appendMetaSplice(row.raw, hex);
      if (s) asm.splice(row.raw, bytes, s.start, s.end, s.text);
      else asm.text(serializeWithMeta(row.raw, value, true)); // meta twice: the other members keep their bytes
      asm.endLine();
    } else if (hadMeta) {
      setMeta(value, 'content_hash', hex, row);
      out.push(serializeWithMeta(row.raw, value, true));
    } else out.push(appendMeta(row.raw, hex));
    n++;
  }
  problems.sort((a, b) => a.line - b.line);
  // One encode for the whole chunk, then the line boundaries by scanning for \n (a JSON line
  // holds no raw newline).
  const common = {
    file,
    lines: counts.lines,
    blank: counts.blank,
    rowLines: rowLines.subarray(0, n),
    raws,
    hashes: hashes.subarray(0, n * 16),
    hadMeta: hadMetaArr.subarray(0, n),
    problems,
  };
  if (!asBytes && !asm) return { ...common, out: new Uint8Array(0), outOffsets: new Int32Array(0), outLines: out };
  // encodeLines allocates with allocUnsafeSlow, not Buffer.from: small Buffers live in Node's shared pool, and transferring
  // the pool's ArrayBuffer out of a worker would detach memory other Buffers use. (TextEncoder
  // also gives an own buffer but encoded ~2× slower here: 1.08 s vs ~0.5 s per 256 MB, cpu-prof.)
  const { bytes, offsets: outOffsets } = asm ? asm.take() : encodeLines(out);
  const encoded = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...common, out: encoded, outOffsets, outLines: undefined };
}

/**
 * `{...}` → `{...,"meta":{"content_hash":"<hex>"}}`, keeping every byte of the raw line: the same
 * bytes as serializeWithMeta for a row without meta, without building and stringifying an object.
 */
export function appendMeta(raw: string, hex: string): string {
  const s = appendMetaSplice(raw, hex);
  return `${raw.slice(0, s.start)}${s.text}`;
}

/** `appendMeta` as a splice of the raw line. */
function appendMetaSplice(raw: string, hex: string): Splice {
  let end = raw.length - 1;
  while (end > 0 && raw.charCodeAt(end) !== 125 /* } */) end--;
  let j = end - 1;
  while (j > 0 && (raw.charCodeAt(j) === 32 || raw.charCodeAt(j) === 9 || raw.charCodeAt(j) === 10 || raw.charCodeAt(j) === 13)) j--;
  const empty = raw.charCodeAt(j) === 123; /* { */
  return { start: end, end: raw.length, text: `${empty ? '' : ','}"meta":{"content_hash":"${hex}"}}` };
}
