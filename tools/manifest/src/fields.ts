import type { JsonObject } from '@ldt/schema';

/** Types and string formats seen at one field path. */
export interface FieldStats {
  /** Rows in which the path occurs (at least once). */
  rows: number;
  /** Values by JSON type: string, integer, number, boolean, null, object, array. */
  types: Record<string, number>;
  /** String values by detected format (date-time, date, uri, uuid, hex, email); strings longer than 256 chars are not tested. */
  formats: Record<string, number>;
}

/** Deepest path recorded (`messages.*.content` is depth 3). */
const MAX_DEPTH = 4;
/** At most this many distinct paths are recorded; further ones are counted in `overflow`. */
export const MAX_PATHS = 2000;

const FORMATS: [string, RegExp][] = [
  ['date-time', /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['uuid', /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/],
  ['uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/\S+$/],
  ['email', /^[^\s@]+@[^\s@]+\.[a-zA-Z]{2,}$/],
  ['hex', /^(?:[0-9a-f]{2}){8,}$/],
];

/** The index in FORMAT_NAMES of the format of `s`, or -1. */
function detectFormat(s: string): number {
  const n = s.length;
  if (n > 256 || n < 6) return -1;
  // Cheap gates before the regexes: most text fails all of them here.
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57 && n >= 10 && s.charCodeAt(4) === 45) {
    if (n === 10) return FORMATS[1][1].test(s) ? 1 : -1;
    if (FORMATS[0][1].test(s)) return 0;
  }
  if (n === 36 && s.charCodeAt(8) === 45 && FORMATS[2][1].test(s)) return 2;
  if (s.includes('://') && FORMATS[3][1].test(s)) return 3;
  if (s.includes('@') && FORMATS[4][1].test(s)) return 4;
  if (n >= 16 && (n & 1) === 0 && ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) && FORMATS[5][1].test(s)) return 5;
  return -1;
}

const TYPES = ['string', 'integer', 'number', 'boolean', 'null', 'object', 'array'] as const;
const FORMAT_NAMES = ['date-time', 'date', 'uuid', 'uri', 'email', 'hex'] as const;

interface Node {
  /** Rows in which the path occurs. */
  rows: number;
  /** Counts by TYPES index, and by FORMAT_NAMES index (typed arrays: no dictionary updates per value). */
  types: Float64Array;
  formats: Float64Array;
  /** The last row (ordinal) that counted in `stats.rows`. */
  lastRow: number;
  children: Map<string, Node> | undefined;
  star: Node | undefined;
}

/**
 * The fields seen across rows, with their types and formats. Array elements are folded into one
 * `*` segment (`messages.*.role`); paths deeper than 4 segments are not recorded; memory is
 * bounded by MAX_PATHS distinct paths. Kept as a tree of nodes keyed by segment (no path strings
 * are built per row: that halved the cost of this walk).
 */
export class FieldCatalog {
  private readonly root = new Map<string, Node>();
  private size = 0;
  overflow = 0;
  private row = 0;

  add(row: JsonObject): void {
    this.row++;
    this.walkObject(row, this.root, 1);
  }

  private node(): Node | undefined {
    if (this.size >= MAX_PATHS) {
      this.overflow++;
      return undefined;
    }
    this.size++;
    return { rows: 0, types: new Float64Array(TYPES.length), formats: new Float64Array(FORMAT_NAMES.length), lastRow: 0, children: undefined, star: undefined };
  }

  private walkObject(o: JsonObject, children: Map<string, Node>, depth: number): void {
    for (const k in o) {
      let n = children.get(k);
      if (!n) {
        n = this.node();
        if (!n) continue;
        children.set(k, n);
      }
      this.value(o[k], n, depth);
    }
  }

  private value(v: unknown, n: Node, depth: number): void {
    if (n.lastRow !== this.row) {
      n.lastRow = this.row;
      n.rows++;
    }
    if (typeof v === 'string') {
      n.types[0]++;
      const f = detectFormat(v);
      if (f >= 0) n.formats[f]++;
    } else if (typeof v === 'number') n.types[Number.isInteger(v) ? 1 : 2]++;
    else if (typeof v === 'boolean') n.types[3]++;
    else if (v === null) n.types[4]++;
    else if (Array.isArray(v)) {
      n.types[6]++;
      if (depth >= MAX_DEPTH || v.length === 0) return;
      if (!n.star) {
        n.star = this.node();
        if (!n.star) return;
      }
      for (const x of v) this.value(x, n.star, depth + 1);
    } else {
      n.types[5]++;
      if (depth >= MAX_DEPTH) return;
      n.children ??= new Map();
      this.walkObject(v as JsonObject, n.children, depth + 1);
    }
  }

  /** Every recorded path with its stats. */
  get fields(): Map<string, FieldStats> {
    const out = new Map<string, FieldStats>();
    const visit = (children: Map<string, Node> | undefined, prefix: string) => {
      if (!children) return;
      for (const [k, n] of children) {
        const p = prefix === '' ? escapeKey(k) : `${prefix}.${escapeKey(k)}`;
        out.set(p, stats(n));
        visitNode(n, p);
      }
    };
    const visitNode = (n: Node, p: string) => {
      visit(n.children, p);
      if (n.star) {
        out.set(`${p}.*`, stats(n.star));
        visitNode(n.star, `${p}.*`);
      }
    };
    visit(this.root, '');
    return out;
  }

  /** Sorted by path (code-unit order), for the manifest. */
  toJSON(): Record<string, FieldStats> {
    const fields = this.fields;
    const out: Record<string, FieldStats> = {};
    for (const k of [...fields.keys()].sort(cmp)) {
      const s = fields.get(k) as FieldStats;
      out[k] = { rows: s.rows, types: sortObj(s.types), formats: sortObj(s.formats) };
    }
    return out;
  }
}

function stats(n: Node): FieldStats {
  const types: Record<string, number> = {};
  const formats: Record<string, number> = {};
  TYPES.forEach((t, i) => {
    if (n.types[i] > 0) types[t] = n.types[i];
  });
  FORMAT_NAMES.forEach((f, i) => {
    if (n.formats[i] > 0) formats[f] = n.formats[i];
  });
  return { rows: n.rows, types, formats };
}

function escapeKey(k: string): string {
  return k.includes('.') || k === '*' ? k.replaceAll('.', '\\.').replace(/^\*$/, '\\*') : k;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortObj<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort(cmp)) out[k] = o[k];
  return out;
}
