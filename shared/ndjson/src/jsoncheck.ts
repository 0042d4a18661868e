import { readFileSync } from 'node:fs';

// The WebAssembly global of Node 20, typed here: the project's TypeScript lib settings (ES2022,
// @types/node 20) do not declare it.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: unknown;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}

interface Exports {
  memory: WebAssembly.Memory;
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
 * its bytes and that it is a JSON object: on the bench corpus the check takes ~20 ms per 64 MB
 * where `toString` + `JSON.parse` take ~200 ms (and the garbage they leave ~50 ms more; issue 17).
 * The check is sound: a line it passes is one JSON.parse accepts, as an object; a line it does not
 * pass may still be one (the caller parses it then, and JSON.parse gives the error).
 */
export class JsonChecker {
  private readonly x: Exports;
  private mem: Uint8Array;
  private loaded: Uint8Array | undefined;

  constructor() {
    mod ??= new WebAssembly.Module(readFileSync(new URL('./jsoncheck.wasm', import.meta.url)));
    this.x = new WebAssembly.Instance(mod).exports as Exports;
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

let mod: WebAssembly.Module | undefined;
