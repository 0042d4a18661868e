import type { IHasher } from 'hash-wasm';
import xxhash3 from 'hash-wasm/dist/xxhash3.umd.min.js';
import xxhash32 from 'hash-wasm/dist/xxhash32.umd.min.js';
import xxhash128 from 'hash-wasm/dist/xxhash128.umd.min.js';

// XXH3 through hash-wasm's WebAssembly build (MIT, pure JS + embedded wasm: nothing compiles at
// install, so `npm install -g` needs no compiler). It replaced the xxhash-addon native addon
// (issue 22), which node-gyp had to compile on every install. Same digests, byte for byte (the
// tests pin reference values). Measured here (2-core Xeon, Node 20.20.2, same run, 2,000 distinct
// buffers × 100 rounds, load ≈ 8 from other work): ns per XXH3-128 of 16 / 100 / 700 / 5,000 bytes —
// xxhash-addon 2255 / 1421 / 1061 / 1414, hash-wasm 768 / 325 / 722 / 1941, @node-rs/xxhash
// 803 / 1031 / 1210 / 3597 (a prebuilt N-API binary per platform, and a BigInt per digest).
// hash-wasm is fastest on the key sizes ldt hashes (rows and keys of 10 B – 2 KB).
// The instances are created once at module load (top-level await: hash-wasm only offers async
// constructors) and are not re-entrant: every call below runs init → update → digest without
// yielding, so one instance per thread is safe.
// Loaded from hash-wasm's one-algorithm builds (the same WebAssembly, the same digests; the tests pin
// reference values), not from its index: the index embeds every algorithm hash-wasm has (272 KB of
// source): importing it and creating the three hashers cost every process and worker thread that
// hashes 57 ms of CPU above `node -e 0` (62 ms), these three files 27 ms (user+sys, median of 20
// alternating runs, 2-core Xeon, Node 20.20.2; issue 17). Static imports, not createRequire:
// the dist bundler (scripts/dist.mjs, esbuild) sees them, keeps them external and declares
// hash-wasm in the package's dependencies (a createRequire'd path was missed, and the installed
// bins failed). Types: ./hash-wasm-builds.d.ts. Created together: the three compile concurrently.
const [h128, h64, h32]: IHasher[] = await Promise.all([xxhash128.createXXHash128(0, 0), xxhash3.createXXHash3(0, 0), xxhash32.createXXHash32(0)]);

/**
 * XXH3-128 of `data` with seed 0 (the fixed, documented seed of every ldt content hash).
 * 128 bits because 64-bit keys start to collide at billions of rows (birthday bound: ~2.7% at 10^9).
 * Returns a new 16-byte Buffer (big-endian canonical form, as `xxhsum -H2` prints it).
 */
export function xxh128(data: Uint8Array): Buffer {
  h128.init();
  h128.update(data);
  const d = h128.digest('binary');
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** XXH3-64 of `data` with seed 0, for hashes that only feed a hash table or a partition. 8-byte Buffer. */
export function xxh64(data: Uint8Array): Buffer {
  h64.init();
  h64.update(data);
  const d = h64.digest('binary');
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** XXH32 of `data` with seed 0, as a big-endian 4-byte Buffer (the reference for dedup-near's own XXH32). */
export function xxh32Reference(data: Uint8Array): Buffer {
  h32.init();
  h32.update(data);
  const d = h32.digest('binary');
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * XXH3-128 of the UTF-8 bytes of `s` (seed 0). Encodes into a reused scratch buffer, which is
 * ~1.3× faster here than `Buffer.from(s)` per call (1.6 µs vs 2.0 µs for a 700-byte string).
 */
export function xxh128String(s: string): Buffer {
  // A UTF-16 code unit is at most 3 UTF-8 bytes.
  if (s.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length * 3, scratch.length * 2));
  const n = scratch.write(s, 0, 'utf8');
  return xxh128(scratch.subarray(0, n));
}

/** A streaming XXH3-64 (seed 0), for checksums over many chunks (index files). */
export interface StreamHasher {
  update(data: Uint8Array): void;
  /** The 8-byte big-endian digest of everything given so far. */
  digest(): Buffer;
  reset(): void;
}

/**
 * A streaming XXH3-64 (seed 0) for checksums over many chunks. Streams share one WebAssembly
 * instance: each keeps its own saved state and loads it around every update, so any number may be
 * open at once (chunks are large, so the state copy is negligible).
 */
export function xxh64Stream(): StreamHasher {
  h64.init();
  const initial = h64.save();
  let state = initial;
  return {
    update(data: Uint8Array): void {
      h64.load(state);
      h64.update(data);
      state = h64.save();
    },
    digest(): Buffer {
      h64.load(state);
      const d = h64.digest('binary');
      return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
    },
    reset(): void {
      state = initial;
    },
  };
}
