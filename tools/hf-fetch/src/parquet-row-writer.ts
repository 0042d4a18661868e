/**
 * The row writer of the parquet fast path: walks the levels of every column row by row (Dremel
 * record assembly) and writes JSON bytes into one output buffer. String cells are copied from the
 * decompressed pages with JSON escaping done on the UTF-8 bytes (json-escape.ts), never decoded
 * into JS strings, and no per-row or per-cell JS object is built. The bytes are those hyparquet
 * + `jsonValue` would write (parquet.ts `rowGroupLines`).
 */
import { decimalFromBytes, float16FromBytes } from './hyparquet-internals.js';
import { escapeJsonString, reserveWasmMemory, type WasmEscaper } from './json-escape.js';
import type { ColumnData } from './parquet-column-data.js';
import { Unsupported } from './parquet-fast-errors.js';
import type { OutputNode } from './parquet-fast-plan.js';
import { dateText, isoFrom } from './times.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NULL = encoder.encode('null');
const TRUE = encoder.encode('true');
const FALSE = encoder.encode('false');
/** Bytes past the end of the output the WebAssembly escaper may read or write. */
const SLACK = 64;

function levelsMisaligned(d: ColumnData): Unsupported {
  return new Unsupported(`${d.spec.path.join('.')}: levels do not line up with the other columns`);
}

export class RowWriter {
  out: Uint8Array;
  /** Bytes written. */
  o = 0;
  /** The WebAssembly address of out[0] (with the escaper). */
  private base = 0;

  /**
   * `size`: the first guess of the output size. With `wasm`, the output and the string columns'
   * bytes live in its memory: [tables | string bytes of the columns | output], reused by every row
   * group of this thread (it grows, never shrinks: about one row group's columns and NDJSON).
   */
  constructor(
    private readonly columns: ColumnData[],
    size: number,
    private readonly wasm: WasmEscaper | undefined,
  ) {
    if (!wasm) {
      this.out = new Uint8Array(size);
      return;
    }
    let p = 1024;
    for (const d of columns)
      if (d.spec.kind === 'string') {
        d.wasmOffset = p;
        p += (d.bytes.length + 31) & ~15;
      }
    this.base = p;
    reserveWasmMemory(wasm.memory, p + size + SLACK);
    const memory = new Uint8Array(wasm.memory.buffer);
    for (const d of columns) if (d.wasmOffset >= 0) memory.set(d.bytes, d.wasmOffset);
    this.out = new Uint8Array(wasm.memory.buffer, p, wasm.memory.buffer.byteLength - p - SLACK);
  }

  ensure(n: number): void {
    if (this.o + n <= this.out.length) return;
    const size = Math.max(this.out.length * 2, this.o + n);
    if (this.wasm) {
      const memory = this.wasm.memory;
      reserveWasmMemory(memory, this.base + size + SLACK);
      this.out = new Uint8Array(memory.buffer, this.base, memory.buffer.byteLength - this.base - SLACK);
      return;
    }
    const bigger = new Uint8Array(size);
    bigger.set(this.out.subarray(0, this.o));
    this.out = bigger;
  }

  /** The NDJSON written (a copy when it is in the WebAssembly memory, which the next row group reuses). */
  result(): Uint8Array {
    return this.wasm ? this.out.slice(0, this.o) : this.out.subarray(0, this.o);
  }

  byte(b: number): void {
    if (this.o >= this.out.length) this.ensure(1);
    this.out[this.o++] = b;
  }

  put(b: Uint8Array): void {
    this.ensure(b.length);
    if (b.length < 16) {
      const out = this.out;
      let o = this.o;
      for (let i = 0; i < b.length; i++) out[o++] = b[i];
      this.o = o;
    } else {
      this.out.set(b, this.o);
      this.o += b.length;
    }
  }

  ascii(s: string): void {
    this.ensure(s.length);
    const out = this.out;
    let o = this.o;
    for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
    this.o = o;
  }

  /** A non-negative integer in decimal (others through String). */
  int(v: number): void {
    if (v < 0 || v > 0x7fffffff) {
      this.ascii(String(v));
      return;
    }
    this.ensure(10);
    const out = this.out;
    if (v < 10) {
      out[this.o++] = 48 + v;
      return;
    }
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let o = this.o + digits;
    this.o = o;
    for (let x = v; x > 0; x = (x / 10) | 0) out[--o] = 48 + (x % 10);
  }

  /** Skip a null or empty node: one entry in each of its leaves, which must all be below `level`. */
  skip(n: OutputNode, level: number): void {
    const leaves = n.leaves;
    for (let i = 0; i < leaves.length; i++) {
      const d = this.columns[leaves[i]];
      // Every column below a null (or empty) node must say so (hyparquet rejects the file else).
      if ((d.definitionLevels as Uint8Array)[d.entryCursor] >= level) throw levelsMisaligned(d);
      d.entryCursor++;
    }
  }

  /** Is this optional group (struct or list) null at the current position? */
  isNullGroup(n: OutputNode): boolean {
    if (!n.optional) return false;
    const d = this.columns[n.firstLeaf];
    return (d.definitionLevels as Uint8Array)[d.entryCursor] < n.definitionLevel;
  }

  /** Write the value of `n` at the current position. `plain`: JSON.stringify semantics (a null struct/list field is left out). */
  node(n: OutputNode, plain: boolean): void {
    if (n.kind === 'leaf') {
      const d = this.columns[n.leaf];
      const defs = d.definitionLevels;
      const present = defs === undefined || defs[d.entryCursor] === n.definitionLevel;
      if (!present && n.optional && defs !== undefined && defs[d.entryCursor] < n.definitionLevel - 1) throw levelsMisaligned(d);
      d.entryCursor++;
      if (present) this.value(d);
      else this.put(NULL);
      return;
    }
    if (this.isNullGroup(n)) {
      this.skip(n, n.definitionLevel);
      this.put(NULL);
      return;
    }
    if (n.kind === 'struct') {
      this.byte(0x7b);
      let first = true;
      for (let i = 0; i < n.fields.length; i++) {
        const field = n.fields[i];
        // JSON.stringify leaves out a key whose value is undefined: hyparquet gives undefined for a
        // null struct or list (a null leaf is null).
        if (plain && field.kind !== 'leaf' && this.isNullGroup(field)) {
          this.skip(field, field.definitionLevel);
          continue;
        }
        if (!first) this.byte(0x2c);
        first = false;
        this.put(n.fieldKeys[i]);
        this.node(field, plain);
      }
      this.byte(0x7d);
      return;
    }
    const d = this.columns[n.firstLeaf];
    if (d.definitionLevels !== undefined && d.definitionLevels[d.entryCursor] < n.elementDefinitionLevel) {
      this.skip(n, n.elementDefinitionLevel);
      this.byte(0x5b);
      this.byte(0x5d);
      return;
    }
    this.byte(0x5b);
    const reps = d.repetitionLevels as Uint8Array;
    for (;;) {
      this.node(n.element, plain);
      if (d.entryCursor < d.entryCount && reps[d.entryCursor] === n.repetitionLevel) this.byte(0x2c);
      else break;
    }
    this.byte(0x5d);
  }

  /** Write the column's next value. */
  value(d: ColumnData): void {
    const v = d.valueCursor++;
    switch (d.spec.kind) {
      case 'string':
        if (d.wasmOffset >= 0) this.stringByWasm(d, v);
        else this.string(d.bytes, d.starts[v], d.starts[v] + d.lengths[v]);
        return;
      case 'decimalBytes':
        this.num(decimalFromBytes(d.bytes.subarray(d.starts[v], d.starts[v] + d.lengths[v])) * d.spec.decimalFactor);
        return;
      case 'float16':
        this.num(float16FromBytes(d.bytes.subarray(d.starts[v], d.starts[v] + d.lengths[v])));
        return;
      case 'int96': {
        // hyparquet: BigInt(high) << 64n | low (low read signed), then days since the Julian epoch.
        const b = d.bytes;
        const view = new DataView(b.buffer, b.byteOffset + d.starts[v], 12);
        const value = (BigInt(view.getInt32(8, true)) << 64n) | view.getBigInt64(0, true);
        const nanos = ((value >> 64n) - 2440588n) * 86400000000000n + (value & 0xffffffffffffffffn);
        this.text(isoFrom(nanos, 1_000_000_000n, 9));
        return;
      }
      case 'binary': {
        const b = d.bytes;
        this.byte(0x22);
        this.ascii(Buffer.from(b.buffer, b.byteOffset + d.starts[v], d.lengths[v]).toString('base64'));
        this.byte(0x22);
        return;
      }
      case 'int32':
        this.int(d.ints[v]);
        return;
      case 'uint32':
        this.int(d.ints[v] >>> 0);
        return;
      case 'boolean':
        this.put(d.ints[v] ? TRUE : FALSE);
        return;
      case 'int64':
        this.ascii(d.bigints[v].toString());
        return;
      case 'uint64':
        this.ascii(BigInt.asUintN(64, d.bigints[v]).toString());
        return;
      case 'date':
        this.text(dateText(d.ints[v]));
        return;
      case 'timestampMillis':
        this.text(isoFrom(d.bigints[v], 1000n, 3));
        return;
      case 'timestampMicros':
        this.text(isoFrom(d.bigints[v], 1_000_000n, 6));
        return;
      case 'timestampNanos':
        this.text(isoFrom(d.bigints[v], 1_000_000_000n, 9));
        return;
      case 'decimal32':
        this.num(Number(d.ints[v]) * d.spec.decimalFactor);
        return;
      case 'decimal64':
        this.num(Number(d.bigints[v]) * d.spec.decimalFactor);
        return;
      default:
        this.num(d.floats[v]);
    }
  }

  /** A number as jsonValue writes it. */
  num(x: number): void {
    this.ascii(Number.isFinite(x) ? String(x) : Number.isNaN(x) ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"');
  }

  /** An ASCII string that needs no escaping (dates, timestamps), or null. */
  text(t: string | null): void {
    if (t === null) this.put(NULL);
    else this.ascii(`"${t}"`);
  }

  /** `string` for value v of d, by the WebAssembly escaper. */
  stringByWasm(d: ColumnData, v: number): void {
    const b = d.bytes;
    const s0 = d.starts[v];
    const e = s0 + d.lengths[v];
    let s = s0;
    if (e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    this.ensure((e - s) * 6 + 2);
    const o0 = this.o;
    this.out[o0] = 0x22;
    const r = (this.wasm as WasmEscaper).escape(d.wasmOffset + s, d.wasmOffset + e, this.base + o0 + 1);
    if (r < 0) {
      // Invalid UTF-8: the JS path decodes it as hyparquet does.
      this.string(b, s0, e);
      return;
    }
    const o = r - this.base;
    this.out[o] = 0x22;
    this.o = o + 1;
  }

  /**
   * A JSON string from UTF-8 bytes b[s0, e), as hyparquet's TextDecoder (a leading BOM dropped,
   * invalid sequences → U+FFFD) followed by JSON.stringify would write it.
   */
  string(b: Uint8Array, s0: number, e: number): void {
    let s = s0;
    if (e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    this.ensure((e - s) * 6 + 2);
    const o = escapeJsonString(b, s, e, this.out, this.o);
    if (o >= 0) {
      this.o = o;
      return;
    }
    // Invalid UTF-8: decode as hyparquet does (U+FFFD), then write the valid bytes.
    const fixed = Buffer.from(decoder.decode(b.subarray(s0, e)), 'utf8');
    this.ensure(fixed.length * 6 + 2);
    this.o = escapeJsonString(fixed, 0, fixed.length, this.out, this.o);
  }
}
