#!/usr/bin/env node
// Which zstd decoder ldt uses (issue 21): fzstd (pure JS), zstddec (zstd as WebAssembly) and
// @bokuweb/zstd-wasm (zstd as WebAssembly), decompressing the same real .zst files in one run,
// alternately, best of --runs. Checks every output against `zstd -dc`. Not part of the tests.
//
//   node bench/zstd-decoders.mjs [--input FILE.ndjson] [--runs N]
//
// FILE (default: the bench corpus, bench/out/chat-v1-seed1-dup10-32MB.ndjson, made by
// bench/run.mjs or bench/hf-fetch.mjs) is compressed by the zstd CLI twice: one frame (`zstd -3`,
// as a user's .jsonl.zst) and 1 MiB frames (as manifest shards and parquet pages).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const input = flag('input', join(ROOT, 'bench', 'out', 'chat-v1-seed1-dup10-32MB.ndjson'));
const runs = Number(flag('runs', 5));
if (!existsSync(input)) {
  process.stderr.write(`bench/zstd-decoders: ${input} is missing (run node bench/hf-fetch.mjs --size 32MB --runs 1 first, or give --input)\n`);
  process.exit(1);
}
const from = (pkg, name) => import(createRequire(join(ROOT, pkg, 'package.json')).resolve(name));
const fzstd = await from('shared/ndjson', 'fzstd');
const { ZSTDDecoder } = await from('tools/hf-fetch', 'zstddec/stream');
const zstdWasm = await from('tools/manifest', '@bokuweb/zstd-wasm');
await zstdWasm.init();
const zd = new ZSTDDecoder();
await zd.init();

const raw = readFileSync(input);
const one = execFileSync('zstd', ['-3', '-c', input], { maxBuffer: 1 << 30 });
const framed = [];
for (let o = 0; o < raw.length; o += 1 << 20) framed.push(execFileSync('zstd', ['-3', '-c'], { input: raw.subarray(o, o + (1 << 20)), maxBuffer: 1 << 30 }));
const frames = Buffer.concat(framed);
writeFileSync(join(ROOT, 'bench', 'out', 'zstd-decoders.zst'), one);
const reference = execFileSync('zstd', ['-dc', join(ROOT, 'bench', 'out', 'zstd-decoders.zst')], { maxBuffer: 1 << 30 });
if (!reference.equals(raw)) throw new Error('zstd -dc does not give the input back');

/** Streaming over 64 KiB input chunks, as the shared reader gets them from a file. */
const chunks = (b) => Array.from({ length: Math.ceil(b.length / 65536) }, (_, i) => b.subarray(i * 65536, (i + 1) * 65536));
const concat = (parts) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const decoders = {
  'fzstd stream': (z) => {
    const out = [];
    const d = new fzstd.Decompress((c) => out.push(c));
    for (const c of chunks(z)) d.push(c);
    d.push(new Uint8Array(0), true);
    return concat(out);
  },
  'fzstd one-shot': (z) => Buffer.from(fzstd.decompress(z)),
  'zstddec stream': (z) => concat([...zd.decodeStreaming(chunks(z))]),
  'zstddec one-shot (size known)': (z, size) => Buffer.from(zd.decode(z, size)),
  'zstd-wasm one-shot': (z) => Buffer.from(zstdWasm.decompress(z)),
};
const results = {};
for (const [kind, z, perFrame] of [
  ['one frame', one, false],
  ['1 MiB frames', frames, true],
]) {
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(decoders)) {
      const key = `${kind} | ${name}`;
      const t0 = performance.now();
      let out;
      let error;
      try {
        // One-shot decoders get one frame at a time where there are several (their API takes one).
        out = perFrame && name.includes('one-shot') ? Buffer.concat(framed.map((f, i) => fn(f, Math.min(1 << 20, raw.length - i * (1 << 20))))) : fn(z, raw.length);
      } catch (e) {
        error = e.message;
      }
      const ms = performance.now() - t0;
      const ok = out?.equals(raw) ?? false;
      const prev = results[key];
      results[key] = { ms: Math.min(prev?.ms ?? Number.POSITIVE_INFINITY, ms), ok: (prev?.ok ?? true) && ok, error: error ?? prev?.error };
    }
  }
}
const load = (await import('node:os')).loadavg().map((x) => x.toFixed(1));
process.stdout.write(
  `zstd decoders on ${input} (${(raw.length / 2 ** 20).toFixed(1)} MiB; one frame ${one.length} bytes, 1 MiB frames ${frames.length} bytes), best of ${runs}, load ${load.join(' ')}, Node ${process.version}\n\n`,
);
process.stdout.write('| input | decoder | ms | MiB/s | same bytes as zstd -dc |\n|---|---|---:|---:|---|\n');
for (const [key, r] of Object.entries(results)) {
  const [kind, name] = key.split(' | ');
  process.stdout.write(
    `| ${kind} | ${name} | ${r.ms.toFixed(0)} | ${((raw.length / 2 ** 20 / r.ms) * 1000).toFixed(0)} | ${r.ok ? 'yes' : `NO${r.error ? ` (${r.error})` : ''}`} |\n`,
  );
}
