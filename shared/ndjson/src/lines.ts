import { isUtf8 } from 'node:buffer';
import { DataError, type Position } from '@ldt/errors';
import { displayName, type OpenOptions, openInput } from './input.js';

/** Longest line accepted, in bytes (V8 strings top out near 512 M UTF-16 units). */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;

/**
 * A run of complete lines from one input, as bytes: `buf` ends with `\n`, except for the last
 * chunk of an input whose last line has no newline. Every byte is valid UTF-8 and a UTF-8 BOM at
 * the start of the input has been removed. `firstLine` is the 1-based number of the first line.
 */
export interface LineChunk {
  buf: Buffer;
  file: string;
  firstLine: number;
}

/** Where a reader sends lines it cannot use, when the tool was given `--rejects`. */
export interface Rejector {
  /** Count the line under `reason` and keep it verbatim (without its line end). */
  reject(reason: string, raw: string | Buffer, pos: Position, error: DataError): void;
}

/** Counts a reader keeps while it reads. */
export interface ReadCounts {
  /** Non-blank lines seen (rows + rejected lines, including lines rejected for invalid UTF-8). */
  lines: number;
  /** Blank (empty or white-space only) lines, skipped. */
  blank: number;
}

export interface LineOptions extends OpenOptions {
  maxLineBytes?: number;
  /** Where lines rejected while reading (invalid UTF-8) are counted, so `read` includes them. */
  counts?: ReadCounts;
  /** Without a rejector, the first bad line throws its `DataError`. */
  rejector?: Rejector;
  /** Called with the number of input bytes consumed (after decompression), for progress. */
  onBytes?: (n: number) => void;
}

/**
 * Split inputs into chunks of complete lines. Lines end at `\n` only (a lone `\r` and U+2028 are
 * data, as JSON allows). Memory: one read chunk plus the longest line. Invalid UTF-8 is never
 * replaced by U+FFFD: the line is rejected (with a rejector) or a `DataError` names it.
 */
export async function* readLineChunks(inputs: readonly string[], opts: LineOptions): AsyncGenerator<LineChunk> {
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  for (const input of inputs) {
    const file = displayName(input);
    let lineNo = 1;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let atStart = true;
    for await (let chunk of openInput(input, opts)) {
      opts.onBytes?.(chunk.length);
      if (atStart) {
        // Need the first 3 bytes to recognise a UTF-8 BOM, which may arrive split over chunks.
        const head = carryLen > 0 ? Buffer.concat([...carry, chunk]) : chunk;
        carry = [];
        carryLen = 0;
        if (head.length < 3 && (head.length === 0 || head[0] === 0xef)) {
          carry = [head];
          carryLen = head.length;
          continue;
        }
        chunk = hasBom(head) ? head.subarray(3) : head;
        atStart = false;
      }
      const last = chunk.lastIndexOf(10);
      if (last < 0) {
        carry.push(chunk);
        carryLen += chunk.length;
        if (carryLen > maxLine) throw tooLong(file, lineNo, maxLine);
        continue;
      }
      let complete = chunk.subarray(0, last + 1);
      if (carryLen > 0) {
        complete = Buffer.concat([...carry, complete]);
        carry = [];
        carryLen = 0;
      }
      if (last + 1 < chunk.length) {
        carry.push(chunk.subarray(last + 1));
        carryLen = chunk.length - last - 1;
      }
      for (const part of validate(complete, file, lineNo, opts.rejector, opts.counts)) yield part;
      lineNo += countNewlines(complete);
    }
    if (atStart && carryLen > 0 && hasBom(carry[0])) {
      carry = [carry[0].subarray(3)];
      carryLen = carry[0].length;
    }
    if (carryLen > 0) {
      const rest = Buffer.concat(carry);
      for (const part of validate(rest, file, lineNo, opts.rejector, opts.counts)) yield part;
    }
  }
}

/** Yield `buf` as one chunk if it is valid UTF-8; otherwise reject or throw for each bad line and yield the good runs. */
function* validate(buf: Buffer, file: string, firstLine: number, rejector: Rejector | undefined, counts: ReadCounts | undefined): Generator<LineChunk> {
  if (isUtf8(buf)) {
    yield { buf, file, firstLine };
    return;
  }
  let runStart = 0;
  let runLine = firstLine;
  let start = 0;
  let line = firstLine;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    const lineBuf = buf.subarray(start, end);
    if (!isUtf8(lineBuf)) {
      const col = firstInvalidByte(lineBuf) + 1;
      const err = new DataError(
        `invalid UTF-8 at byte ${col} of the line`,
        { file, line },
        'the input must be UTF-8; transcode it first (e.g. normalize-encoding --input-encoding windows-1252, or iconv -f ENCODING -t UTF-8)',
      );
      // Hand over the good lines before the bad one first, so they are processed (and written)
      // whether the bad line is then rejected or ends the run.
      if (start > runStart) yield { buf: buf.subarray(runStart, start), file, firstLine: runLine };
      if (!rejector) throw err;
      // The line is read (and rejected): it counts in "read" like any other rejected line.
      if (counts) counts.lines++;
      rejector.reject('invalid_utf8', stripCr(lineBuf), { file, line }, err);
      runStart = end + 1;
      runLine = line + 1;
    }
    start = end + 1;
    line++;
  }
  if (runStart < buf.length) yield { buf: buf.subarray(runStart), file, firstLine: runLine };
}

function hasBom(b: Buffer): boolean {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
}

function stripCr(b: Buffer): Buffer {
  return b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b;
}

/** Index of the first byte where `b` stops being valid UTF-8. */
export function firstInvalidByte(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let n = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

function countNewlines(b: Buffer): number {
  let n = 0;
  let i = b.indexOf(10);
  while (i >= 0) {
    n++;
    i = b.indexOf(10, i + 1);
  }
  return n;
}

function tooLong(file: string, line: number, max: number): DataError {
  return new DataError(`line is longer than ${max} bytes`, { file, line }, 'is this NDJSON? each line must be one JSON object; binary or single-line JSON files are not NDJSON');
}
