import type { LineChunk } from './lines.js';
import { type WasmMemory, wasmExports } from './wasm.js';

interface Exports {
  memory: WasmMemory;
  check(p: number, len: number): number;
}

/** The line is one JSON object (as JSON.parse accepts it, nested at most MAX_DEPTH deep). */
export const JSON_OBJECT = 1;
/** … and a string in it holds a character outside printable ASCII (DEL, or non-ASCII). */
export const JSON_NON_ASCII = 2;
/** … and a string in it holds a `\u`, `\r`, `\b` or `\f` escape. */
export const JSON_ESCAPE_URBF = 4;
/** … and a string in it holds `&`. */
export const JSON_AMPERSAND = 8;

/** Where the chunk starts in the module's memory (below: the stack of open containers). */
const BASE = 1024;

/**
 * Checks lines of a chunk for being one JSON object each, without parsing them (jsoncheck.wat:
 * SIMD over strings, a state machine over the rest). For a tool that needs nothing of a row but
 * its bytes and that it is a JSON object: on the bench corpus the check takes ~35 ms per 64 MB
 * where `toString` + `JSON.parse` take ~165 ms (and the garbage they leave ~50 ms more; issue 17).
 * The check is sound: a line it passes is one JSON.parse accepts, as an object; a line it does not
 * pass may still be one (the caller parses it then, and JSON.parse gives the error).
 */
export class JsonChecker {
  private readonly x: Exports;
  private mem: Uint8Array;
  private loaded: Uint8Array | undefined;

  constructor() {
    this.x = wasmExports<Exports>(new URL('./jsoncheck.wasm', import.meta.url));
    this.mem = new Uint8Array(this.x.memory.buffer);
  }

  /** Copy `buf` (a chunk of lines) into the checker; `check` then takes offsets into it. */
  load(buf: Uint8Array): void {
    const need = BASE + buf.length + 16;
    if (need > this.mem.length) {
      this.x.memory.grow(Math.ceil((need - this.mem.length) / 65536));
      this.mem = new Uint8Array(this.x.memory.buffer);
    }
    this.mem.set(buf, BASE);
    this.loaded = buf;
  }

  /** The flags of the bytes `[start, stop)` of the loaded chunk: 0, or JSON_OBJECT with the others. */
  check(start: number, stop: number): number {
    return this.x.check(BASE + start, stop - start);
  }

  /** The flags of `bytes` on their own (copies them in: for tests and single lines). */
  checkBytes(bytes: Uint8Array): number {
    this.load(bytes);
    return this.check(0, bytes.length);
  }

  /** The chunk last loaded. */
  get chunk(): Uint8Array | undefined {
    return this.loaded;
  }
}

/**
 * Walk the lines of `chunk` in order, for a tool with a path that needs no parse: a line that
 * starts with `{`, passes the checker and has none of the `skip` flags is offered to
 * `take(start, stop, end, line)` (`stop` excludes a CR before the line end; `end` is the index of
 * the `\n`, or the chunk's length). The lines not offered, or not taken, go to `rest` as runs of
 * whole lines (a LineChunk with its first line number), each run before the line offered after it,
 * so a caller writing from both keeps the input order (normalize-encoding, split-holdout).
 */
export function walkCheckedLines(
  chunk: LineChunk,
  checker: JsonChecker,
  skip: number,
  take: (start: number, stop: number, end: number, line: number) => boolean,
  rest: (run: LineChunk) => void,
): void {
  const buf = chunk.buf;
  checker.load(buf);
  let from = 0;
  let fromLine = chunk.firstLine;
  let line = chunk.firstLine;
  let start = 0;
  const n = buf.length;
  while (start < n) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = n;
    let stop = end;
    if (stop > start && buf[stop - 1] === 13) stop--;
    if (buf[start] === 123 /* { */) {
      const f = checker.check(start, stop);
      if ((f & JSON_OBJECT) !== 0 && (f & skip) === 0) {
        if (start > from) rest({ buf: buf.subarray(from, start), file: chunk.file, firstLine: fromLine });
        from = start;
        fromLine = line;
        if (take(start, stop, end, line)) {
          from = end + 1;
          fromLine = line + 1;
        }
      }
    }
    start = end + 1;
    line++;
  }
  if (n > from) rest({ buf: buf.subarray(from, n), file: chunk.file, firstLine: fromLine });
}
