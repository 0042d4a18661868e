/**
 * XXH32 (xxHash, 32-bit variant, spec: github.com/Cyan4973/xxHash doc/xxhash_spec.md) over a byte
 * range, in plain JS with exact 32-bit arithmetic (Math.imul, >>> 0). Used for shingle hashes: a
 * row has hundreds of shingles, and the native addon's per-call overhead (~1 µs a call measured
 * here, see bench/dedup-near.mjs) would cost more than hashing a 30-byte shingle in JS (~40 ns).
 * Checked against hash-wasm's XXH32 in the tests.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function u32le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

/** XXH32's final mix. */
function avalanche(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);
}

/** XXH32 of `buf[start, end)` with `seed`; an unsigned 32-bit integer. */
export function xxh32(buf: Uint8Array, start: number, end: number, seed = 0): number {
  const len = end - start;
  let i = start;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = round(v1, u32le(buf, i));
      v2 = round(v2, u32le(buf, i + 4));
      v3 = round(v3, u32le(buf, i + 8));
      v4 = round(v4, u32le(buf, i + 12));
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  h = (h + len) | 0;
  while (i + 4 <= end) {
    h = Math.imul(rotl((h + Math.imul(u32le(buf, i), P3)) | 0, 17), P4);
    i += 4;
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(buf[i], P5)) | 0, 11), P1);
    i++;
  }
  return avalanche(h);
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
let viewed: Uint32Array | undefined;
let view: Uint8Array = new Uint8Array(0);

/** The words `w` as little-endian bytes: a copy (`DataView`), whatever the machine's byte order. */
export function wordsLE(w: Uint32Array): Uint8Array {
  const out = new Uint8Array(w.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < w.length; i++) dv.setUint32(i * 4, w[i], true);
  return out;
}

/**
 * XXH32 of a run of 32-bit words `w[start, end)` taken as little-endian bytes (band keys), with
 * `seed`: `xxh32` over the words' bytes. On a little-endian machine the bytes are a view of `w`
 * (kept while the same array is passed again: the signer's signature buffer), else a copy.
 */
export function xxh32Words(w: Uint32Array, start: number, end: number, seed: number): number {
  if (!LITTLE_ENDIAN) return xxh32(wordsLE(w.subarray(start, end)), 0, (end - start) * 4, seed);
  if (w !== viewed) {
    viewed = w;
    view = new Uint8Array(w.buffer, w.byteOffset, w.byteLength);
  }
  return xxh32(view, start * 4, end * 4, seed);
}
