import { isJsonObject, type Json, type JsonObject, recordKind } from '@ldt/schema';
import { cmp } from './fields.js';
import { BIN_SCHEME, Histogram, type HistogramJson } from './histogram.js';

/** What a dataset is made of, beyond counts: what `manifest show` and `manifest report` draw. Merges exactly. */
export interface ManifestProfile {
  /** The histogram bins (fixed, see histogram.ts). */
  bins: string;
  /** What the lengths measure. */
  measures: { chars: string; tokens: string; turns: string };
  /** Rows by record kind (chat, preference, text, other). */
  kinds: Record<string, number>;
  /** Length histograms per split × phase (null: the row has none). */
  lengths: { split: Json; phase: Json; rows: number; chars: HistogramJson; tokens: HistogramJson; turns: HistogramJson }[];
  /** Rows and tokens by `meta.license` (null: none). */
  licenses: { license: string | null; rows: number; tokens: number }[];
  /** Rows with `meta.cluster` (dedup-near --mark), and those rows by `meta.cluster_size`. Absent when no row has one. */
  clusters?: { rows: number; by_size: HistogramJson };
  /** Rows by `meta.pii_status` (redact-pii), and spans by type from `meta.pii` (mark mode). Absent when no row has one. */
  pii?: { status: { status: string; rows: number }[]; spans: Record<string, number> };
}

export const MEASURES = {
  chars: 'Unicode code points of the texts whose tokens are counted',
  tokens: 'tokens of the row, as in totals.tokens',
  turns: 'messages of chat rows (rows with a messages array); other rows are not counted',
};

interface Cell {
  split: Json;
  phase: Json;
  chars: Histogram;
  tokens: Histogram;
  turns: Histogram;
}

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;

/** Code points of a string (UTF-16 length less one per surrogate pair). */
export function codePoints(s: string): number {
  let n = s.length;
  if (!HIGH_SURROGATE.test(s)) return n;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function tag(v: Json): string {
  return typeof v === 'string' ? `s${v}` : JSON.stringify(v);
}

/** Collects the profile row by row during a build (or from any stream of rows: `manifest show -`). */
export class ProfileBuilder {
  private readonly cells = new Map<string, Cell>();
  private readonly kinds = new Map<string, number>();
  private readonly licenses = new Map<string | null, { rows: number; tokens: number }>();
  private clusterRows = 0;
  private readonly clusterSizes = new Histogram();
  private readonly pii = new Map<string, number>();
  private readonly piiSpans = new Map<string, number>();

  /** One row: its split and phase (scalars or null), the texts its tokens were counted on, its tokens. */
  add(row: JsonObject, split: Json, phase: Json, texts: readonly string[], tokens: number): void {
    const k = `${tag(split)}\u0001${tag(phase)}`;
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { split, phase, chars: new Histogram(), tokens: new Histogram(), turns: new Histogram() }));
    let chars = 0;
    for (const s of texts) chars += codePoints(s);
    c.chars.add(chars);
    c.tokens.add(tokens);
    const kind = recordKind(row);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    if (kind === 'chat') c.turns.add((row.messages as Json[]).length);
    const meta = row.meta;
    let license: string | null = null;
    if (isJsonObject(meta)) {
      const l = meta.license;
      if (l !== undefined && l !== null) license = typeof l === 'string' ? l : JSON.stringify(l);
      if (meta.cluster !== undefined && meta.cluster !== null) {
        this.clusterRows++;
        const size = meta.cluster_size;
        if (typeof size === 'number' && size >= 0) this.clusterSizes.add(size);
      }
      const st = meta.pii_status;
      if (st !== undefined && st !== null) {
        const s = typeof st === 'string' ? st : JSON.stringify(st);
        this.pii.set(s, (this.pii.get(s) ?? 0) + 1);
      }
      if (Array.isArray(meta.pii))
        for (const f of meta.pii) {
          const t = isJsonObject(f) && typeof f.type === 'string' ? f.type : 'unknown';
          this.piiSpans.set(t, (this.piiSpans.get(t) ?? 0) + 1);
        }
    }
    let lic = this.licenses.get(license);
    if (!lic) this.licenses.set(license, (lic = { rows: 0, tokens: 0 }));
    lic.rows++;
    lic.tokens += tokens;
  }

  toJSON(): ManifestProfile {
    const key = (v: Json) => (v === null ? '\uffff' : tag(v));
    const cells = [...this.cells.values()].sort((a, b) => cmp(key(a.split), key(b.split)) || cmp(key(a.phase), key(b.phase)));
    const out: ManifestProfile = {
      bins: BIN_SCHEME,
      measures: MEASURES,
      kinds: Object.fromEntries([...this.kinds].sort((a, b) => cmp(a[0], b[0]))),
      lengths: cells.map((c) => ({ split: c.split, phase: c.phase, rows: c.chars.rows, chars: c.chars.toJSON(), tokens: c.tokens.toJSON(), turns: c.turns.toJSON() })),
      licenses: [...this.licenses]
        .sort((a, b) => b[1].rows - a[1].rows || cmp(a[0] ?? '\uffff', b[0] ?? '\uffff'))
        .map(([license, v]) => ({ license, rows: v.rows, tokens: v.tokens })),
    };
    if (this.clusterRows > 0) out.clusters = { rows: this.clusterRows, by_size: this.clusterSizes.toJSON() };
    if (this.pii.size > 0 || this.piiSpans.size > 0)
      out.pii = {
        status: [...this.pii].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).map(([status, rows]) => ({ status, rows })),
        spans: Object.fromEntries([...this.piiSpans].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))),
      };
    return out;
  }
}
