// WebAssembly built from its .wat source, to check a committed or built module against it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/**
 * Compile a WebAssembly text file with wabt, exactly as `scripts/build-wasm.mjs` does at build
 * time, so a test can check that the built `.wasm` a package loads is its current source.
 */
export async function wasmFromWat(watPath: string): Promise<Buffer> {
  const require = createRequire(join(repoRoot(), 'package.json'));
  const wabt = await (require('wabt') as () => Promise<WabtModule>)();
  const mod = wabt.parseWat(watPath, readFileSync(watPath, 'utf8'), { simd: true, bulk_memory: true });
  try {
    mod.validate();
    return Buffer.from(mod.toBinary({ log: false, write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

interface WabtModule {
  parseWat(name: string, text: string, features: Record<string, boolean>): { validate(): void; toBinary(o: Record<string, boolean>): { buffer: Uint8Array }; destroy(): void };
}
