/**
 * JSON string escaping on UTF-8 bytes, exactly as JSON.stringify does on the decoded string:
 * `"` `\` and C0 controls are escaped (\b \t \n \f \r, else \u00xx lowercase); everything else,
 * DEL and U+2028/2029 included, is copied. Two implementations that write the same bytes: a
 * JavaScript byte loop and a WebAssembly SIMD one (escape.wat).
 */
import { readFileSync } from 'node:fs';

const SAFE = new Uint8Array(256);
for (let i = 0x20; i < 0x80; i++) SAFE[i] = 1;
SAFE[0x22] = 0;
SAFE[0x5c] = 0;
/** The letter after the backslash of a two-character escape (0: use \u00xx). */
const SHORT_ESCAPE = new Uint8Array(0x60);
SHORT_ESCAPE[0x08] = 0x62;
SHORT_ESCAPE[0x09] = 0x74;
SHORT_ESCAPE[0x0a] = 0x6e;
SHORT_ESCAPE[0x0c] = 0x66;
SHORT_ESCAPE[0x0d] = 0x72;
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;
const HEX = new TextEncoder().encode('0123456789abcdef');

/** Length of the valid UTF-8 sequence starting at b[i] (a byte ≥ 0x80), or 0 if invalid. */
function utf8SequenceLength(b: Uint8Array, i: number, e: number): number {
  const c = b[i];
  if (c < 0xc2) return 0;
  if (c < 0xe0) return i + 1 < e && (b[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  if (c < 0xf0) {
    if (i + 2 >= e) return 0;
    const c1 = b[i + 1];
    if (c1 < (c === 0xe0 ? 0xa0 : 0x80) || c1 > (c === 0xed ? 0x9f : 0xbf)) return 0;
    return (b[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c < 0xf5) {
    if (i + 3 >= e) return 0;
    const c1 = b[i + 1];
    if (c1 < (c === 0xf0 ? 0x90 : 0x80) || c1 > (c === 0xf4 ? 0x8f : 0xbf)) return 0;
    return (b[i + 2] & 0xc0) === 0x80 && (b[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/**
 * Write the UTF-8 bytes b[s, e) as a JSON string (with its quotes) into out[o…], which has room
 * for (e - s) * 6 + 2 bytes. Returns the offset after the closing quote, or -1 when the bytes
 * are not valid UTF-8 (nothing useful was written then).
 */
export function escapeJsonString(b: Uint8Array, s: number, e: number, out: Uint8Array, o: number): number {
  out[o++] = 0x22;
  let i = s;
  while (i < e) {
    const c = b[i];
    if (SAFE[c] === 1) {
      out[o++] = c;
      i++;
    } else if (c < 0x80) {
      out[o++] = 0x5c;
      const short = SHORT_ESCAPE[c];
      if (short !== 0) out[o++] = short;
      else {
        out[o++] = 0x75;
        out[o++] = 0x30;
        out[o++] = 0x30;
        out[o++] = HEX[c >> 4];
        out[o++] = HEX[c & 15];
      }
      i++;
    } else {
      const k = utf8SequenceLength(b, i, e);
      if (k === 0) return -1;
      for (let j = 0; j < k; j++) out[o++] = b[i + j];
      i += k;
    }
  }
  out[o++] = 0x22;
  return o;
}

/** The WebAssembly memory of the escaper (this package's TypeScript lib has no WebAssembly types). */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * JSON escaping of string cells in WebAssembly SIMD (escape.wat): 16 bytes a step, UTF-8 checked
 * on the way. On the bench's 30 MB of chat strings (226,736 strings, 1.5 M escapes) it took
 * 18–24 ms against 125–200 ms for the JavaScript loop of `escapeJsonString` (the best of four JS
 * variants tried) on this machine; in hf-fetch --threads 1 on the 256 MB corpus that loop was
 * 40 % of the CPU profile.
 */
export interface WasmEscaper {
  memory: WasmMemory;
  /** Escape the bytes at [s, e) of the memory to d (the opening quote is the caller's); returns the end, or < 0 for invalid UTF-8. */
  escape: (s: number, e: number, d: number) => number;
}

const WA = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } } }).WebAssembly;
let wasmEscaper: WasmEscaper | undefined;

/** The WebAssembly escaper of this thread (instantiated on first use). */
export function loadWasmEscaper(): WasmEscaper {
  if (wasmEscaper === undefined) {
    // escape.wasm is compiled from escape.wat at build time (scripts/build-wasm.mjs at the root).
    const instance = new WA.Instance(new WA.Module(readFileSync(new URL('./escape.wasm', import.meta.url))));
    wasmEscaper = instance.exports as unknown as WasmEscaper;
  }
  return wasmEscaper;
}

/** Grow `memory` to hold at least `bytes` bytes. */
export function reserveWasmMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
