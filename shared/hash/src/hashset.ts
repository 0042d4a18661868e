/**
 * A set of 128-bit hashes in typed arrays: the "seen" state of dedup-exact (and of any tool that
 * must remember content hashes), at 20–24 bytes per distinct key.
 *
 * Layout: 256 shards chosen by the first byte of the hash; each shard an open-addressing table
 * (linear probing) of 16-byte slots in one Uint32Array. A shard grows by ×1.2 when its load
 * passes 0.8, so the load stays between 0.667 and 0.8: 16 / 0.8 = 20 to 16 / 0.667 = 24 bytes per
 * key. Growing one shard at a time keeps the transient extra memory of a resize to 1/256 of the
 * table (a single table doubling would briefly need 3× its size). JS objects per key would cost
 * ~80–120 bytes (a Set of 32-char hex strings measured ~100 B/key here).
 *
 * An all-zero slot means empty, so bit 0 of the last word of every stored hash is forced to 1:
 * 127 bits are compared. At 10^10 keys the chance of any false "seen" is ~10^-18.
 */
const SHARDS = 256;
const MIN_CAP = 16;
const MAX_LOAD = 0.8;
const GROWTH = 1.2;

export class HashSet128 {
  private readonly tables: Uint32Array[] = [];
  private readonly caps = new Float64Array(SHARDS);
  private readonly counts = new Float64Array(SHARDS);
  private total = 0;

  constructor() {
    for (let i = 0; i < SHARDS; i++) {
      this.tables.push(new Uint32Array(MIN_CAP * 4));
      this.caps[i] = MIN_CAP;
    }
  }

  /** Number of distinct keys held. */
  get size(): number {
    return this.total;
  }

  /** Bytes held by the slot arrays (what grows with the number of keys). */
  get byteLength(): number {
    let n = 0;
    for (const t of this.tables) n += t.byteLength;
    return n;
  }

  /**
   * Add the 16-byte hash at `h[off..off+16)`. Returns true if it was new, false if already present.
   */
  add(h: Uint8Array, off = 0): boolean {
    const w0 = read32(h, off);
    const w1 = read32(h, off + 4);
    const w2 = read32(h, off + 8);
    const w3 = (read32(h, off + 12) | 1) >>> 0;
    const shard = w0 & 0xff;
    let table = this.tables[shard];
    let cap = this.caps[shard];
    let i = home(w1, cap) * 4;
    const end = cap * 4;
    for (;;) {
      const a = table[i];
      const d = table[i + 3];
      if (d === 0) break; // empty slot (w3 is never 0 for a stored key)
      if (a === w0 && d === w3 && table[i + 1] === w1 && table[i + 2] === w2) return false;
      i += 4;
      if (i === end) i = 0;
    }
    if (this.counts[shard] + 1 > cap * MAX_LOAD) {
      this.grow(shard);
      table = this.tables[shard];
      cap = this.caps[shard];
      i = this.findEmpty(table, cap, w1);
    }
    table[i] = w0;
    table[i + 1] = w1;
    table[i + 2] = w2;
    table[i + 3] = w3;
    this.counts[shard]++;
    this.total++;
    return true;
  }

  /** True if the 16-byte hash at `h[off..]` is in the set. */
  has(h: Uint8Array, off = 0): boolean {
    const w0 = read32(h, off);
    const w1 = read32(h, off + 4);
    const w2 = read32(h, off + 8);
    const w3 = (read32(h, off + 12) | 1) >>> 0;
    const shard = w0 & 0xff;
    const table = this.tables[shard];
    const cap = this.caps[shard];
    let i = home(w1, cap) * 4;
    const end = cap * 4;
    for (;;) {
      const d = table[i + 3];
      if (d === 0) return false;
      if (table[i] === w0 && d === w3 && table[i + 1] === w1 && table[i + 2] === w2) return true;
      i += 4;
      if (i === end) i = 0;
    }
  }

  /**
   * Every stored key as 16-byte records, shard by shard in slot order (deterministic for a given
   * insertion sequence), in chunks of up to `chunkKeys` keys.
   */
  *chunks(chunkKeys = 65536): Generator<Uint8Array> {
    let out = new Uint32Array(chunkKeys * 4);
    let n = 0;
    for (const table of this.tables) {
      for (let i = 0; i < table.length; i += 4) {
        if (table[i + 3] === 0) continue;
        out[n * 4] = table[i];
        out[n * 4 + 1] = table[i + 1];
        out[n * 4 + 2] = table[i + 2];
        out[n * 4 + 3] = table[i + 3];
        if (++n === chunkKeys) {
          yield toBytes(out, n);
          out = new Uint32Array(chunkKeys * 4);
          n = 0;
        }
      }
    }
    if (n > 0) yield toBytes(out, n);
  }

  private grow(shard: number): void {
    const old = this.tables[shard];
    const cap = Math.ceil(this.caps[shard] * GROWTH);
    const table = new Uint32Array(cap * 4);
    for (let j = 0; j < old.length; j += 4) {
      if (old[j + 3] === 0) continue;
      const i = this.findEmpty(table, cap, old[j + 1]);
      table[i] = old[j];
      table[i + 1] = old[j + 1];
      table[i + 2] = old[j + 2];
      table[i + 3] = old[j + 3];
    }
    this.tables[shard] = table;
    this.caps[shard] = cap;
  }

  private findEmpty(table: Uint32Array, cap: number, w1: number): number {
    let i = home(w1, cap) * 4;
    const end = cap * 4;
    while (table[i + 3] !== 0) {
      i += 4;
      if (i === end) i = 0;
    }
    return i;
  }
}

/** Map a 32-bit word to [0, cap) by multiply-shift (fast range reduction, no modulo bias issue). */
function home(w: number, cap: number): number {
  return Math.floor((w * cap) / 4294967296);
}

function read32(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function toBytes(words: Uint32Array, n: number): Uint8Array {
  // Stored little-endian as the platform's Uint32Array; normalise to LE bytes explicitly so the
  // index file format does not depend on the machine's endianness.
  const out = new Uint8Array(n * 16);
  for (let k = 0; k < n * 4; k++) {
    const w = words[k];
    out[k * 4] = w & 0xff;
    out[k * 4 + 1] = (w >>> 8) & 0xff;
    out[k * 4 + 2] = (w >>> 16) & 0xff;
    out[k * 4 + 3] = w >>> 24;
  }
  return out;
}
