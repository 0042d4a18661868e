import type { Signed } from './signer.js';

/**
 * Pack signatures into one transferable buffer of u32 words, per item:
 * `len, charMode, setLength, keysLength, hash (4 words), set…, keys…`.
 */
export function packSigned(items: readonly Signed[]): ArrayBuffer {
  let words = 0;
  for (const s of items) words += 8 + s.set.length + s.keys.length;
  const out = new Uint32Array(words);
  let p = 0;
  for (const s of items) {
    out[p] = s.len;
    out[p + 1] = s.charMode ? 1 : 0;
    out[p + 2] = s.set.length;
    out[p + 3] = s.keys.length;
    new Uint8Array(out.buffer, (p + 4) * 4, 16).set(s.hash);
    p += 8;
    out.set(s.set, p);
    p += s.set.length;
    out.set(s.keys, p);
    p += s.keys.length;
  }
  return out.buffer;
}

/** Unpack `packSigned` (views into the buffer, no copies). */
export function unpackSigned(buf: ArrayBuffer): Signed[] {
  const w = new Uint32Array(buf);
  const items: Signed[] = [];
  let p = 0;
  while (p < w.length) {
    const setLen = w[p + 2];
    const keysLen = w[p + 3];
    const hash = new Uint8Array(buf, (p + 4) * 4, 16);
    const set = w.subarray(p + 8, p + 8 + setLen);
    const keys = w.subarray(p + 8 + setLen, p + 8 + setLen + keysLen);
    items.push({ len: w[p], charMode: w[p + 1] === 1, hash, set, keys });
    p += 8 + setLen + keysLen;
  }
  return items;
}
