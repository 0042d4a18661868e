// tokenizer.json counts: @huggingface/tokenizers' own added-token splitting, normalizer and
// pre-tokenizer, with a piece-count cache and a byte-pair merge on integer pairs in place of its
// model step.
//
// The library's `encode(text, { add_special_tokens: false })` is `encode_text` (split out added
// tokens, normalize, pre-tokenize each section, run the model on the pieces) and then the
// post-processor. With a BPE model whose `fuse_unk` is off, the model's output for a list of
// pieces is the concatenation of its outputs for each piece, so the count of a text is the sum of
// a pure per-piece count, which is cached (./cache.ts). Where the pre-tokenizer is a Sequence
// whose later steps ignore the section index (ByteLevel, Split, …) or a regex ByteLevel, the
// cached piece is the first step's (raw text): a hit skips the later steps too (the byte-to-
// unicode mapping). A piece not in the cache goes through the library's later pre-tokenizer steps
// and then `BpeMerger` below (or, for BPE variants it does not cover, the library's model).
//
// Tokenizers outside that (another model, fuse_unk, a post-processor not known to keep the token
// count) are counted by the library's `encode` itself; `path` says which was taken.
//
// Measured on the 64 MB bench chat corpus (57.9 MB of counted text, Qwen3's tokenizer.json): the
// library's encode took 82.9 CPU-s (125 k tokens/s); see README.md "Performance" for this path.

import type { Tokenizer } from '@huggingface/tokenizers';
import * as hf from '@huggingface/tokenizers';
import { PieceCache } from './cache.js';

type PreTok = { pre_tokenize_text(text: string, options?: { section_index?: number }): string[]; pre_tokenize(text: string[], options?: unknown): string[] };
type AddedTok = { lstrip: boolean; rstrip: boolean };
/** The parts of the library's Tokenizer read here (not all in its typings). */
interface Internals {
  normalizer: ((s: string) => string) | null;
  pre_tokenizer: PreTok | null;
  model: BpeModel & ((pieces: string[]) => string[]);
  post_processor: ((a: string[], b: null, add: boolean) => { tokens: string[] }) | null;
  added_tokens_map: Map<string, AddedTok>;
  splitter_unnormalized: { split(s: string): string[]; trie: Record<string, unknown> };
  splitter_normalized: { split(s: string): string[]; trie: Record<string, unknown> };
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
}
interface BpeModel {
  merges: [string, string][];
  tokens_to_ids: Map<string, number>;
  unk_token?: string | null;
  byte_fallback: boolean;
  ignore_merges: boolean;
  fuse_unk: boolean;
  end_of_word_suffix?: string | null;
  continuing_subword_suffix?: string | null;
}

// The library's classes, for instanceof: its typings re-export them by extensionless paths that
// TypeScript's nodenext resolution does not follow, so they are read off the module here.
type Class = abstract new (...args: never[]) => unknown;
const lib = hf as unknown as Record<string, Class>;
const cls = (name: string): Class => {
  const c = lib[name];
  if (typeof c !== 'function') throw new Error(`@huggingface/tokenizers has no export ${name}: not the version @ldt/tokens was written for`);
  return c;
};
const BPE = cls('BPE');
const ByteLevelPreTokenizer = cls('ByteLevelPreTokenizer') as unknown as new (config: object) => PreTok;
const SequencePreTokenizer = cls('SequencePreTokenizer');
const SequencePostProcessor = cls('SequencePostProcessor');
const SplitPreTokenizer = cls('SplitPreTokenizer');

/** Pre-tokenizers whose `pre_tokenize_text` ignores the section index (so a piece's later steps depend on the piece alone). */
const SECTIONLESS = [
  'ByteLevelPreTokenizer',
  'SplitPreTokenizer',
  'DigitsPreTokenizer',
  'PunctuationPreTokenizer',
  'ReplacePreTokenizer',
  'WhitespaceSplitPreTokenizer',
  'FixedLengthPreTokenizer',
].map(cls);
const sectionless = (p: unknown): boolean => SECTIONLESS.some((C) => p instanceof C);

const COUNT_KEEPING = ['ByteLevelPostProcessor', 'TemplateProcessingPostProcessor', 'BertProcessingPostProcessor', 'RobertaProcessingPostProcessor'].map(cls);

/** Post-processors that, without special tokens, repeat the sequence a fixed number of times. */
function keepsCount(p: unknown): boolean {
  if (p instanceof SequencePostProcessor) return (p as unknown as { processors: unknown[] }).processors.every(keepsCount);
  return COUNT_KEEPING.some((C) => p instanceof C);
}

export interface HfCounter {
  count: (s: string) => number;
  /** `cached` (this module's path) or `library` (the library's encode, with why). */
  path: string;
}

/** A count function equal to `tok.encode(s, { add_special_tokens: false }).ids.length`. */
export function hfCounter(tok: Tokenizer): HfCounter {
  const reference = (s: string): number => tok.encode(s, { add_special_tokens: false }).ids.length;
  const t = tok as unknown as Internals;
  const model = t.model;
  const why = !(model instanceof BPE)
    ? 'the model is not BPE'
    : model.fuse_unk
      ? 'the model fuses unknown tokens across pieces'
      : t.remove_space || t.do_lowercase_and_remove_accent
        ? 'the tokenizer config asks for remove_space or do_lowercase_and_remove_accent'
        : t.post_processor !== null && !keepsCount(t.post_processor)
          ? 'the post-processor may change the count'
          : undefined;
  if (why) return { count: reference, path: `library (${why})` };

  // Without special tokens the known post-processors emit the sequence `times` times (once, but
  // a template may name $A twice); checked on one and two tokens.
  let times = 1;
  if (t.post_processor) {
    times = t.post_processor(['a'], null, false).tokens.length;
    if (t.post_processor(['a', 'b'], null, false).tokens.length !== 2 * times) return { count: reference, path: 'library (the post-processor does not scale with the sequence)' };
  }

  // First pre-tokenizer step (its pieces are cached) and the later steps (run on a miss).
  // `scan`, where set, is the first step as a regex over the text: `gaps` true for the library's
  // Split (regex_split: the text between matches is a piece too), false for String.match (a
  // ByteLevel with its own regex: text between matches is dropped).
  const pt = t.pre_tokenizer;
  let first: (s: string, section: number) => string[];
  let rest: PreTok[] = [];
  let scan: { re: RegExp; gaps: boolean; prefixSpace: boolean } | undefined;
  if (pt === null) first = (s) => [s];
  else if (pt instanceof SequencePreTokenizer) {
    const steps = (pt as unknown as { tokenizers: (PreTok | null)[] }).tokenizers;
    const later = steps.slice(1).filter((x): x is PreTok => x !== null);
    const head = steps[0];
    if (head && later.every(sectionless)) {
      first = (s, section) => head.pre_tokenize_text(s, { section_index: section });
      rest = later;
      const split = head as unknown as { pattern: RegExp | null; config: { invert?: boolean; behavior?: string } };
      if (head instanceof SplitPreTokenizer && split.pattern instanceof RegExp && !split.config.invert && split.config.behavior?.toLowerCase() !== 'removed')
        scan = { re: split.pattern, gaps: true, prefixSpace: false };
    } else first = (s, section) => pt.pre_tokenize_text(s, { section_index: section });
  } else if (pt instanceof ByteLevelPreTokenizer && (pt as unknown as { use_regex: boolean }).use_regex) {
    // ByteLevel with its own regex: split (with the prefix space) first, map bytes on a miss.
    const bl = pt as unknown as { add_prefix_space: boolean; pattern: RegExp };
    first = (s) => (bl.add_prefix_space && !s.startsWith(' ') ? ` ${s}` : s).match(bl.pattern) ?? [];
    rest = [new ByteLevelPreTokenizer({ type: 'ByteLevel', add_prefix_space: false, use_regex: false })];
    scan = { re: bl.pattern, gaps: false, prefixSpace: bl.add_prefix_space };
  } else first = (s, section) => pt.pre_tokenize_text(s, { section_index: section });

  const merger = !model.end_of_word_suffix && !model.continuing_subword_suffix ? new BpeMerger(model) : undefined;
  const modelCount = merger ? (w: string) => merger.count(w) : (w: string) => model([w]).length;
  const cache = new PieceCache();
  const pieceCount = (p: string): number => {
    let words = [p];
    for (const step of rest) words = step.pre_tokenize(words);
    let n = 0;
    for (const w of words) n += modelCount(w);
    return n;
  };
  /** Tokens of the piece text[start, end). */
  const rangeCount = (text: string, start: number, end: number): number => cache.countRange(text, start, end, pieceCount);
  const piecesCount = (sub: string, section: number): number => {
    let n = 0;
    for (const p of first(sub, section)) n += rangeCount(p, 0, p.length);
    return n;
  };
  let countSection = piecesCount;
  if (scan) {
    // The regex anchored at lastIndex ('y') steps from match to match without match arrays;
    // the 'g' original finds the next match after a gap. An empty match (which the library's
    // matchAll steps over) sends the section to `piecesCount`.
    const { gaps, prefixSpace } = scan;
    const global = new RegExp(scan.re.source, scan.re.flags.includes('g') ? scan.re.flags : `${scan.re.flags}g`);
    const sticky = new RegExp(scan.re.source, `${scan.re.flags.replace('g', '')}y`);
    countSection = (sub, section) => {
      const text = prefixSpace && !sub.startsWith(' ') ? ` ${sub}` : sub;
      const len = text.length;
      let n = 0;
      for (let pos = 0; pos < len; ) {
        sticky.lastIndex = pos;
        if (sticky.test(text)) {
          const end = sticky.lastIndex;
          if (end === pos) return piecesCount(sub, section);
          n += rangeCount(text, pos, end);
          pos = end;
          continue;
        }
        if (!gaps) return piecesCount(sub, section);
        global.lastIndex = pos;
        const m = global.exec(text);
        if (m === null) {
          n += rangeCount(text, pos, len);
          break;
        }
        const end = m.index + m[0].length;
        if (end === m.index) return piecesCount(sub, section);
        n += rangeCount(text, pos, m.index) + rangeCount(text, m.index, end);
        pos = end;
      }
      return n;
    };
  }

  const added = t.added_tokens_map;
  const unnormalized = splitter(t.splitter_unnormalized);
  const normalized = splitter(t.splitter_normalized);
  const normalizer = t.normalizer;
  // encode_text of the library (src/core/Tokenizer.ts), counting instead of collecting tokens.
  const count = (text: string): number => {
    const sections = unnormalized(text);
    stripAround(sections, added);
    let n = 0;
    for (let i = 0; i < sections.length; i++) {
      let s = sections[i] as string;
      if (s.length === 0) continue;
      if (added.has(s)) {
        n++;
        continue;
      }
      if (normalizer !== null) s = normalizer(s);
      if (s.length === 0) continue;
      const subs = normalized(s);
      stripAround(subs, added);
      for (const sub of subs) {
        if (sub.length === 0) continue;
        if (added.has(sub)) n++;
        else n += countSection(sub, i);
      }
    }
    return n * times;
  };
  return { count, path: merger ? 'cached (piece-count cache, integer-pair BPE merges)' : 'cached (piece-count cache, the library BPE model)' };
}

/** The library's lstrip/rstrip of the neighbours of added tokens, in place, in its order. */
function stripAround(sections: string[], added: Map<string, AddedTok>): void {
  for (let i = 0; i < sections.length; i++) {
    const a = added.get(sections[i] as string);
    if (!a) continue;
    if (a.lstrip && i > 0) sections[i - 1] = (sections[i - 1] as string).trimEnd();
    if (a.rstrip && i < sections.length - 1) sections[i + 1] = (sections[i + 1] as string).trimStart();
  }
}

/**
 * The library's DictionarySplitter, skipped when the text holds no character that starts an
 * added token (then its split is `[text]`, or `[]` for ''): most texts, and the splitter looks
 * every character up in its trie.
 */
function splitter(d: { split(s: string): string[]; trie: Record<string, unknown> }): (s: string) => string[] {
  const starts = Object.keys(d.trie).filter((k) => k !== 'end');
  if (starts.length === 0) return (s) => (s.length === 0 ? [] : [s]);
  if (starts.some((c) => c.length !== 1)) return (s) => d.split(s);
  const re = new RegExp(`[${starts.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`);
  return (s) => (re.test(s) ? d.split(s) : s.length === 0 ? [] : [s]);
}

/**
 * Byte-pair merges of one word (a model input piece) on interned symbol ids, with the merge
 * ranks in an open-addressing table of (left id, right id) → rank; the library keys its ranks by
 * `JSON.stringify([left, right])` strings, built for every candidate pair. Same order as the
 * library's priority queue (lowest rank first, then leftmost: its score is rank + position /
 * length), so the same symbols come out; each symbol counts as the library's `encode` counts it
 * (1 if in the vocabulary, else byte fallback or the unknown token).
 */
export class BpeMerger {
  private readonly ids = new Map<string, number>();
  private readonly strs: string[] = [];
  /** Per symbol id: its token count (-1 not yet computed). */
  private contrib: number[] = [];
  private readonly mergedId: Int32Array;
  private readonly slotLeft: Int32Array;
  private readonly slotRight: Int32Array;
  private readonly slotRank: Int32Array;
  private readonly mask: number;
  private readonly encoder = new TextEncoder();

  constructor(private readonly model: BpeModel) {
    const merges = model.merges;
    let cap = 1;
    while (cap < merges.length * 2) cap <<= 1;
    this.mask = cap - 1;
    this.slotLeft = new Int32Array(cap).fill(-1);
    this.slotRight = new Int32Array(cap);
    this.slotRank = new Int32Array(cap);
    this.mergedId = new Int32Array(merges.length);
    for (let r = 0; r < merges.length; r++) {
      const [a, b] = merges[r] as [string, string];
      const ia = this.intern(a);
      const ib = this.intern(b);
      this.mergedId[r] = this.intern(a + b);
      // A pair listed twice keeps its last rank, as the library's Map built from the list does.
      let h = this.slot(ia, ib);
      while (this.slotLeft[h] !== -1 && !(this.slotLeft[h] === ia && this.slotRight[h] === ib)) h = (h + 1) & this.mask;
      this.slotLeft[h] = ia;
      this.slotRight[h] = ib;
      this.slotRank[h] = r;
    }
  }

  private intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strs.length;
      this.ids.set(s, id);
      this.strs.push(s);
      this.contrib.push(-1);
    }
    return id;
  }

  private slot(a: number, b: number): number {
    return (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77)) & this.mask;
  }

  /** The merge rank of the pair (a, b), or -1. */
  private rank(a: number, b: number): number {
    let h = this.slot(a, b);
    for (;;) {
      const l = this.slotLeft[h] as number;
      if (l === -1) return -1;
      if (l === a && this.slotRight[h] === b) return this.slotRank[h] as number;
      h = (h + 1) & this.mask;
    }
  }

  /** Tokens of one symbol as the library's BPE.encode counts it. */
  private symbolCount(id: number): number {
    let c = this.contrib[id] as number;
    if (c !== -1) return c;
    const s = this.strs[id] as string;
    const m = this.model;
    if (m.tokens_to_ids.has(s)) c = 1;
    else {
      const unk = m.unk_token != null ? 1 : 0;
      if (m.byte_fallback) {
        const bytes = this.encoder.encode(s);
        let all = true;
        for (const x of bytes) if (!m.tokens_to_ids.has(`<0x${x.toString(16).toUpperCase().padStart(2, '0')}>`)) all = false;
        c = all ? bytes.length : unk;
      } else c = unk;
    }
    this.contrib[id] = c;
    return c;
  }

  /** Tokens of one model input piece. */
  count(word: string): number {
    if (word.length === 0) return 0;
    const m = this.model;
    if (m.ignore_merges && m.tokens_to_ids.has(word)) return 1;
    // Symbols: one per code point (Array.from in the library).
    const sym: number[] = [];
    for (const ch of word) sym.push(this.intern(ch));
    const n = sym.length;
    if (n === 1) return this.symbolCount(sym[0] as number);
    const next: number[] = new Array(n);
    const prev: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    // Min-heap of rank * n + position (both exact in a double for any realistic size).
    const heap: number[] = [];
    for (let i = 0; i + 1 < n; i++) {
      const r = this.rank(sym[i] as number, sym[i + 1] as number);
      if (r >= 0) heapPush(heap, r * n + i);
    }
    let alive = n;
    while (heap.length > 0) {
      const key = heapPop(heap);
      const i = key % n;
      const r = (key - i) / n;
      const j = next[i] as number;
      // Stale: i was merged into its left neighbour (sym -1), has no right neighbour, or the pair changed.
      if (sym[i] === -1 || j === -1 || this.rank(sym[i] as number, sym[j] as number) !== r) continue;
      sym[i] = this.mergedId[r] as number;
      sym[j] = -1;
      const k = next[j] as number;
      next[i] = k;
      if (k !== -1) prev[k] = i;
      alive--;
      const p = prev[i] as number;
      if (p !== -1) {
        const rp = this.rank(sym[p] as number, sym[i] as number);
        if (rp >= 0) heapPush(heap, rp * n + p);
      }
      if (k !== -1) {
        const rk = this.rank(sym[i] as number, sym[k] as number);
        if (rk >= 0) heapPush(heap, rk * n + i);
      }
    }
    let c = 0;
    for (let i = 0; i !== -1 && alive > 0; i = next[i] as number) c += this.symbolCount(sym[i] as number);
    return c;
  }
}

function heapPush(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if ((h[p] as number) <= v) break;
    h[i] = h[p] as number;
    i = p;
  }
  h[i] = v;
}

function heapPop(h: number[]): number {
  const top = h[0] as number;
  const last = h.pop() as number;
  const n = h.length;
  if (n > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (h[r] as number) < (h[l] as number) ? r : l;
      if ((h[c] as number) >= last) break;
      h[i] = h[c] as number;
      i = c;
    }
    h[i] = last;
  }
  return top;
}
