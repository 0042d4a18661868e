import { xxh32 } from './xxh32.js';

let ngScratch = Buffer.allocUnsafe(1 << 16);

/**
 * Call `fn` with a 52-bit key (two XXH32 hashes, seeds 0 and 1) of every n-gram of the normalised
 * text (words, or code points in char mode); texts shorter than n give none. Stops when fn returns true.
 * 52 bits: at a million reference n-grams a random input n-gram collides with probability ~2e-10.
 */
export function forEachNgramKey(norm: string, n: number, charMode: boolean, fn: (key: number) => boolean): void {
  if (norm.length === 0) return;
  if (norm.length * 3 > ngScratch.length) ngScratch = Buffer.allocUnsafe(Math.max(norm.length * 3, ngScratch.length * 2));
  const len = ngScratch.write(norm, 0, 'utf8');
  const buf = ngScratch;
  const starts: number[] = [];
  if (charMode) {
    for (let i = 0; i < len; i++) if ((buf[i] & 0xc0) !== 0x80) starts.push(i);
    starts.push(len);
  } else {
    starts.push(0);
    for (let i = 0; i < len; i++) if (buf[i] === 32) starts.push(i + 1);
    starts.push(len + 1);
  }
  const units = starts.length - 1;
  const sep = charMode ? 0 : 1;
  for (let i = 0; i + n <= units; i++) {
    const s = starts[i];
    const e = starts[i + n] - sep;
    const key = (xxh32(buf, s, e, 0) & 0xfffff) * 4294967296 + xxh32(buf, s, e, 1);
    if (fn(key)) return;
  }
}
