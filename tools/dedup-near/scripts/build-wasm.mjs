// Compile src/kernels.wat to dist/src/kernels.wasm with wabt (the WebAssembly Binary Toolkit, as
// JavaScript: a dev dependency, nothing native). Run by `pnpm build` before tsc.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const src = new URL('../src/kernels.wat', import.meta.url);
const out = new URL('../dist/src/kernels.wasm', import.meta.url);
const wabt = await require('wabt')();
const mod = wabt.parseWat('kernels.wat', readFileSync(src, 'utf8'), { simd: true, bulk_memory: true });
mod.validate();
const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
mkdirSync(new URL('.', out), { recursive: true });
writeFileSync(out, buffer);
mod.destroy();
