// A bounded piece → token-count cache, shared by the o200k/cl100k and tokenizer.json counters.
//
// A tokenizer splits text into pre-tokenised pieces (words with their leading space, runs of
// digits or punctuation, …) and encodes each piece on its own, so a piece's token count is a pure
// function of the piece: caching it cannot change a count, only skip the byte-pair merges.
// Natural text repeats its pieces (Zipf): on the 64 MB bench chat corpus 15.5 M o200k pieces are
// 32,669 distinct ones, the 10,000 commonest cover 97.3% of them.
//
// Looked up by (text, start, end) without cutting the piece out of the text: a hit costs a hash
// and a compare over the piece's UTF-16 units, no string (a Map<string, number> keyed by sliced
// pieces spent 0.85 s of 1.8 s on the 15.5 M o200k pieces of the bench corpus, mostly making and
// hashing the slices).
//
// Bounded by generations rather than LRU bookkeeping on every hit: pieces go into `young`; when
// it holds GENERATION entries it becomes `old` (the previous `old` is emptied and becomes the new
// `young`); a hit in `old` is copied into `young`. So at most 2 × GENERATION pieces are held, the
// pieces in use survive, and a hit costs one probe (gpt-tokenizer's and @huggingface/tokenizers'
// LRU caches delete and re-insert on every hit). Pieces longer than MAX_KEY UTF-16 units are not
// cached (rare, and they would hold memory). Memory: two tables of 2^18 slots (keys, hashes,
// counts: ~4 MB) plus the cached pieces themselves (≤ 64 units each).

/** Entries per generation; the cache holds at most twice this many. */
export const GENERATION = 100_000;
/** Longest piece cached, in UTF-16 code units. */
export const MAX_KEY = 64;
/** Slots per table: a power of two ≥ 2 × GENERATION, so probes stay short. */
const TABLE_BITS = 18;

/** FNV-1a over the UTF-16 units of text[start, end), with a final mix for the low bits. */
export function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

class Table {
  readonly keys: (string | undefined)[];
  readonly hashes: Int32Array;
  readonly counts: Int32Array;
  readonly mask: number;
  size = 0;

  constructor(bits: number) {
    const cap = 1 << bits;
    this.mask = cap - 1;
    this.keys = new Array<string | undefined>(cap).fill(undefined);
    this.hashes = new Int32Array(cap);
    this.counts = new Int32Array(cap);
  }

  /** The slot holding text[start, end), or -1. */
  find(text: string, start: number, end: number, h: number): number {
    const len = end - start;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i];
      if (k === undefined) return -1;
      if (this.hashes[i] === h && k.length === len) {
        let j = 0;
        while (j < len && k.charCodeAt(j) === text.charCodeAt(start + j)) j++;
        if (j === len) return i;
      }
    }
  }

  add(key: string, h: number, count: number): void {
    let i = h & this.mask;
    while (this.keys[i] !== undefined) {
      if (this.hashes[i] === h && this.keys[i] === key) {
        this.counts[i] = count;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keys[i] = key;
    this.hashes[i] = h;
    this.counts[i] = count;
    this.size++;
  }

  clear(): void {
    this.keys.fill(undefined);
    this.size = 0;
  }
}

export class PieceCache {
  private young: Table;
  private old: Table;

  constructor(private readonly generation = GENERATION) {
    let bits = 4;
    while (1 << bits < 2 * generation) bits++;
    bits = Math.max(bits, generation === GENERATION ? TABLE_BITS : 0);
    this.young = new Table(bits);
    this.old = new Table(bits);
  }

  /** The count of text[start, end) (whose hashRange is `h`), or -1 if not cached. */
  lookup(text: string, start: number, end: number, h: number): number {
    let i = this.young.find(text, start, end, h);
    if (i >= 0) return this.young.counts[i] as number;
    i = this.old.find(text, start, end, h);
    if (i < 0) return -1;
    const c = this.old.counts[i] as number;
    this.add(this.old.keys[i] as string, h, c);
    return c;
  }

  /** Cache `piece` (whose hashRange is `h`) → `count`. */
  add(piece: string, h: number, count: number): void {
    if (this.young.size >= this.generation) {
      const t = this.old;
      this.old = this.young;
      t.clear();
      this.young = t;
    }
    this.young.add(piece, h, count);
  }

  /** The count of text[start, end): from the cache, else `count(piece)`, cached when the piece is at most MAX_KEY long. */
  countRange(text: string, start: number, end: number, count: (piece: string) => number): number {
    if (end - start > MAX_KEY) return count(text.slice(start, end));
    const h = hashRange(text, start, end);
    let c = this.lookup(text, start, end, h);
    if (c < 0) {
      const p = text.slice(start, end);
      c = count(p);
      this.add(p, h, c);
    }
    return c;
  }

  get(piece: string): number | undefined {
    const c = this.lookup(piece, 0, piece.length, hashRange(piece, 0, piece.length));
    return c < 0 ? undefined : c;
  }

  set(piece: string, count: number): void {
    this.add(piece, hashRange(piece, 0, piece.length), count);
  }

  /** Entries held now (at most 2 × the generation size). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
