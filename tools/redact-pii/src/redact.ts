import type { Position } from '@ldt/errors';
import { serializeWithMeta, topLevelSpans } from '@ldt/ndjson';
import { type FieldPath, type JsonObject, setMeta } from '@ldt/schema';
import { type DetectOptions, detect, PII_TYPES, type PiiType, type Span } from './detect.js';
import { pathPattern, pathText, textSlots } from './fields.js';
import type { Pseudonymizer } from './pseudo.js';

export type Mode = 'redact' | 'mark' | 'drop';
export type PiiStatus = 'clean' | 'redacted' | 'found';

export interface RedactOptions {
  detect: DetectOptions;
  mode: Mode;
  /** Replacement form in redact mode; `{type}` is replaced by the type name. */
  placeholder: string;
  /** Required in pseudonymize mode. */
  pseudonymizer?: Pseudonymizer;
  /** Only strings at or under these paths (--fields); undefined = the record model's text fields. */
  fields?: readonly FieldPath[];
}

/** One finding as `meta.pii` lists it: start/end in Unicode code points of the string at `path`. */
export interface PiiMark {
  path: string;
  start: number;
  end: number;
  type: PiiType;
}

export interface RowResult {
  status: PiiStatus;
  /** The output line; undefined when the row is dropped (drop mode and PII found). */
  line: string | undefined;
  /** Findings per field pattern (`messages.*.content`) and type, for the counts. */
  found: { field: string; type: PiiType }[];
}

/** Counts for the summary and --stats: rows scanned, rows with PII, spans per type and per field. */
export class PiiCounts {
  rowsScanned = 0;
  rowsWithPii = 0;
  readonly byType = new Map<PiiType, number>();
  readonly byField = new Map<string, number>();

  /** Count one row, given its findings (`RowResult.found`). */
  add(found: RowResult['found']): void {
    this.rowsScanned++;
    if (found.length === 0) return;
    this.rowsWithPii++;
    for (const f of found) {
      this.byType.set(f.type, (this.byType.get(f.type) ?? 0) + 1);
      this.byField.set(f.field, (this.byField.get(f.field) ?? 0) + 1);
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      rows_scanned: this.rowsScanned,
      rows_with_pii: this.rowsWithPii,
      spans: Object.fromEntries(PII_TYPES.filter((t) => this.byType.has(t)).map((t) => [t, this.byType.get(t)])),
      spans_by_field: Object.fromEntries([...this.byField].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))),
    };
  }
}

/**
 * Scan one row and produce its output line. A row without findings is written as read, with
 * `meta.pii_status: "clean"` spliced in (no re-serialisation). In redact and pseudonymize mode
 * the top-level fields that hold a changed string are re-serialised (JSON.stringify of that field
 * only; every other byte of the line is kept); in mark mode only `meta` changes. `pos` names the
 * row in the error thrown when its `meta` is not an object.
 */
export function redactRowLine(raw: string, value: JsonObject, opts: RedactOptions, pos?: Position): RowResult {
  const slots = textSlots(value, opts.fields);
  const found: RowResult['found'] = [];
  const hits: { slot: (typeof slots)[number]; spans: Span[] }[] = [];
  for (const slot of slots) {
    const spans = detect(slot.value, opts.detect);
    if (spans.length === 0) continue;
    hits.push({ slot, spans });
    const field = pathPattern(slot.path);
    for (const s of spans) found.push({ field, type: s.type });
  }
  const hadMeta = value.meta !== undefined;
  if (hits.length === 0) {
    setMeta(value, 'pii_status', 'clean', pos);
    return { status: 'clean', line: serializeWithMeta(raw, value, hadMeta), found };
  }
  if (opts.mode === 'drop') return { status: 'found', line: undefined, found };
  if (opts.mode === 'mark') {
    const marks: PiiMark[] = [];
    for (const { slot, spans } of hits) {
      const path = pathText(slot.path);
      for (const s of spans) marks.push({ path, start: codePoints(slot.value, 0, s.start), end: codePoints(slot.value, 0, s.end), type: s.type });
    }
    setMeta(value, 'pii_status', 'found', pos);
    (value.meta as JsonObject).pii = marks as unknown as JsonObject[];
    return { status: 'found', line: serializeWithMeta(raw, value, hadMeta), found };
  }
  // Check meta before changing anything, so a bad meta is reported on the row as read.
  setMeta(value, 'pii_status', 'redacted', pos);
  const changedTop = new Set<string>();
  for (const { slot, spans } of hits) {
    let text = '';
    let last = 0;
    for (const s of spans) {
      text += slot.value.slice(last, s.start) + replacement(s, opts);
      last = s.end;
    }
    text += slot.value.slice(last);
    (slot.parent as Record<string | number, unknown>)[slot.key] = text;
    changedTop.add(String(slot.path[0]));
  }
  return { status: 'redacted', line: spliceFields(raw, value, changedTop, hadMeta), found };
}

function replacement(s: Span, opts: RedactOptions): string {
  if (opts.pseudonymizer) return opts.pseudonymizer.fake(s.type, s.text);
  return opts.placeholder.replaceAll('{type}', s.type);
}

/** Code points in s[from, to) (UTF-16 offsets), i.e. the code point offset of `to` when from = 0. */
function codePoints(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Replace the values of the changed top-level fields and `meta` in the raw line; the rest stays as read. */
function spliceFields(raw: string, value: JsonObject, changed: Set<string>, hadMeta: boolean): string {
  const spans = topLevelSpans(raw);
  if (!spans) return JSON.stringify(value);
  const edits: [number, number, string][] = [];
  for (const k of changed) {
    const sp = spans.get(k);
    if (!sp) return JSON.stringify(value);
    edits.push([sp[0], sp[1], JSON.stringify(value[k])]);
  }
  edits.sort((a, b) => b[0] - a[0]);
  let line = raw;
  for (const [a, b, t] of edits) line = line.slice(0, a) + t + line.slice(b);
  return serializeWithMeta(line, value, hadMeta);
}
