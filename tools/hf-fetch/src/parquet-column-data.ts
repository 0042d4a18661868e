/**
 * The decoded levels and values of one leaf column chunk (parquet-pages.ts fills it, the row
 * writer reads it), and the buffer its decompressed pages go into.
 */
import type { LeafSpec } from './parquet-fast-plan.js';

export interface ColumnData {
  spec: LeafSpec;
  /** Definition levels per entry (undefined when the max definition level is 0). */
  definitionLevels: Uint8Array | undefined;
  /** Repetition levels per entry (undefined when the max repetition level is 0). */
  repetitionLevels: Uint8Array | undefined;
  /** Entries (levels) decoded. */
  entryCount: number;
  /** Non-null values decoded. */
  valueCount: number;
  /** The row writer's cursors into the entries and the values. */
  entryCursor: number;
  valueCursor: number;
  /** Byte-range values (strings, binary, …) are `starts`/`lengths` ranges of these bytes. */
  bytes: Uint8Array;
  /** Where `bytes` was copied in the escaper's WebAssembly memory (strings), else -1. */
  wasmOffset: number;
  starts: Int32Array;
  lengths: Int32Array;
  /** Numeric values: int32/uint32/boolean/date/decimal32 in `ints`, floats in `floats`, 64-bit ones in `bigints`. */
  ints: Int32Array;
  floats: Float64Array;
  bigints: BigInt64Array;
}

export const EMPTY_INT32 = new Int32Array(0);
export const EMPTY_FLOAT64 = new Float64Array(0);
export const EMPTY_BIGINT64 = new BigInt64Array(0);

/**
 * The decompressed pages of one column chunk, one after the other, so that all byte-range
 * values of the column share one buffer. `onGrow` hears of every reallocation.
 */
export class PageHeap {
  used = 0;
  constructor(
    public bytes: Uint8Array,
    private readonly onGrow: (bytes: Uint8Array) => void,
  ) {}

  /** Room for `size` bytes at the end: their offset (the buffer may be replaced by a bigger one). */
  reserve(size: number): number {
    if (this.used + size > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.used + size));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
      this.onGrow(bigger);
    }
    const at = this.used;
    this.used += size;
    return at;
  }
}
