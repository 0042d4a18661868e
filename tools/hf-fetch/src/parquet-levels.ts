/**
 * The low-level readers of parquet page data: little-endian lengths, bit widths and the
 * RLE/bit-packed hybrid encoding that holds repetition and definition levels, dictionary
 * indices and RLE booleans (parquet-format Encodings.md, "Run Length Encoding / Bit-Packing
 * Hybrid"). Anything malformed throws `Unsupported`: hyparquet then reads the row group and
 * reports the error in its own words.
 */
import { Unsupported } from './parquet-fast-errors.js';

/** The little-endian uint32 at b[p] (a length prefix). */
export function readUint32(b: Uint8Array, p: number): number {
  if (p + 4 > b.length) throw new Unsupported('truncated page');
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** A size or count from a page header: a non-negative integer (a corrupt header may give anything). */
export function isCount(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0;
}

/** Bits needed for values up to `maxValue` (the width of levels up to that level). */
export function bitWidth(maxValue: number): number {
  return 32 - Math.clz32(maxValue);
}

/**
 * RLE/bit-packed hybrid: decode `count` values of `width` bits from b[pos, end) into out[at…].
 * Returns the position after the last run read.
 */
export function decodeRleHybrid(b: Uint8Array, pos: number, end: number, width: number, out: Uint8Array | Int32Array, at: number, count: number): number {
  if (width > 24) throw new Unsupported(`bit width ${width}`);
  // (Written so that a NaN from a corrupt header fails too.)
  if (!(end <= b.length && pos >= 0 && count >= 0)) throw new Unsupported('truncated levels');
  const mask = (1 << width) - 1;
  const bytes = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    if (!(pos < end)) throw new Unsupported('levels end early');
    // The run header: a ULEB128 varint; its low bit says bit-packed (1) or RLE (0).
    let header = 0;
    let shift = 0;
    let x: number;
    do {
      x = b[pos++];
      header += (x & 0x7f) * 2 ** shift;
      shift += 7;
    } while (x & 0x80 && shift < 35);
    if (header % 2 === 1) {
      const groups = (header - 1) / 2;
      const stop = pos + groups * width;
      if (stop > end) throw new Unsupported('bit-packed run past the end');
      let n = groups * 8;
      if (n > count - seen) n = count - seen;
      let acc = 0;
      let bits = 0;
      for (let i = 0; i < n; i++) {
        while (bits < width) {
          acc |= b[pos++] << bits;
          bits += 8;
        }
        out[at + seen++] = acc & mask;
        acc >>>= width;
        bits -= width;
      }
      pos = stop;
    } else {
      let run = header / 2;
      if (pos + bytes > end) throw new Unsupported('RLE run past the end');
      let v = 0;
      for (let i = 0; i < bytes; i++) v |= b[pos++] << (8 * i);
      if (run > count - seen) run = count - seen;
      out.fill(v, at + seen, at + seen + run);
      seen += run;
    }
  }
  return pos;
}
