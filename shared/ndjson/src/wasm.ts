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
}

/** A WebAssembly module's exported memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * A new instance of the WebAssembly file at `url` (its module compiled synchronously, once per
 * thread and file: the kernels are a few KB) with `imports`; returns its exports. Give the URL
 * relative to `import.meta.url`, with the file name written out in the module that uses it, so
 * `pnpm dist` finds the file (scripts/dist.mjs looks for that form in the compiled code).
 */
export function wasmExports<T>(url: URL, imports?: object): T {
  let mod = modules.get(url.href);
  if (!mod) {
    mod = new WebAssembly.Module(readFileSync(url));
    modules.set(url.href, mod);
  }
  return new WebAssembly.Instance(mod, imports).exports as T;
}
