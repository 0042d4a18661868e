/**
 * The parts of hyparquet's private modules that the parquet fast path uses, in one place.
 *
 * hyparquet exports a reader, not its building blocks: the page header parser, the DECIMAL and
 * FLOAT16 converters and the DELTA_BINARY_PACKED decoder live in `hyparquet/src/*.js`, which its
 * semver does not cover. Every use goes through this module, and test/hyparquet-internals.test.ts
 * checks each function on known bytes, so an upgrade that renames, moves or changes one of them
 * fails that test by name instead of changing the fast path's output.
 */
import type { PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { parseDecimal, parseFloat16 } from 'hyparquet/src/convert.js';
import { deltaBinaryUnpack } from 'hyparquet/src/delta.js';

/** A byte cursor as hyparquet's readers take it: `view` over the bytes, `offset` moved past what was read. */
export interface ByteCursor {
  view: DataView;
  offset: number;
}

/** Read one Thrift-encoded page header at `cursor.offset` and move past it. */
export function readPageHeader(cursor: ByteCursor): PageHeader {
  return parquetHeader(cursor);
}

/** A DECIMAL's unscaled value from its big-endian two's-complement bytes, as a Number (hyparquet's rounding). */
export function decimalFromBytes(bytes: Uint8Array): number {
  return parseDecimal(bytes);
}

/** An IEEE half-precision float from its 2 little-endian bytes. */
export function float16FromBytes(bytes: Uint8Array): number {
  return parseFloat16(bytes) as number;
}

/**
 * Decode `count` DELTA_BINARY_PACKED values at `cursor.offset` into `output` (Int32Array for
 * INT32, BigInt64Array for INT64) and move the cursor past them.
 */
export function deltaBinaryDecode(cursor: ByteCursor, count: number, output: Int32Array | BigInt64Array): void {
  deltaBinaryUnpack(cursor, count, output);
}
