#!/usr/bin/env node
// The one WebAssembly build path of the workspace: compiles a package's .wat source to the .wasm
// its compiled code loads at run time (`new URL('./NAME.wasm', import.meta.url)`), with wabt (the
// WebAssembly Binary Toolkit compiled to JavaScript: a dev dependency, nothing native). Run by the
// package's `build` script before tsc:
//   node ../../scripts/build-wasm.mjs src/kernels.wat dist/src/kernels.wasm
// Each package's tests compile the source again (`wasmFromWat` in @ldt/testkit) and compare it with
// the built file, so a stale .wasm cannot pass.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

const [watPath, wasmPath] = process.argv.slice(2);
if (!watPath || !wasmPath) {
  process.stderr.write('usage: build-wasm.mjs SRC.wat OUT.wasm\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const wabt = await require('wabt')();
const mod = wabt.parseWat(watPath, readFileSync(watPath, 'utf8'), { simd: true, bulk_memory: true });
mod.validate();
const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
mkdirSync(dirname(resolve(wasmPath)), { recursive: true });
writeFileSync(wasmPath, buffer);
mod.destroy();
