import type { Json, JsonObject } from '@ldt/schema';
import { topLevelMembers, topLevelSpans } from './spans.js';

/**
 * Serialise a row after a tool added or changed keys under `meta`, keeping every byte of the
 * input line outside `meta` as it was. Re-serialising the whole row with JSON.stringify would
 * silently change data the tool does not own: integers beyond 2^53 lose digits
 * (`12345678901234567890` → `12345678901234567000`), `1.0` becomes `1`, escapes are rewritten.
 * Splicing is also cheaper than a full JSON.stringify (no walk over the row).
 *
 * `row.meta` must already hold the updated meta object (use `setMeta`). A line with `meta` more
 * than once is rebuilt from its other members' bytes and the new meta (`rebuiltWithMeta`).
 */
export function serializeWithMeta(raw: string, row: JsonObject, hadMeta: boolean): string {
  const s = metaSplice(raw, row, hadMeta);
  return s ? `${raw.slice(0, s.start)}${s.text}${raw.slice(s.end)}` : rebuiltWithMeta(raw, row);
}

/**
 * A line whose `meta` occurs more than once (JSON.parse kept the last): every other member keeps
 * its bytes, the `meta` members give way to the one new `meta` at the end. JSON.stringify of the
 * row would change values outside meta (1e400 → null, big integers lose digits; found by the
 * property test of issue 13); it stays only for a text that is not one object.
 */
function rebuiltWithMeta(raw: string, row: JsonObject): string {
  const members = topLevelMembers(raw);
  if (!members) return JSON.stringify(row);
  const kept = members.filter((m) => m.key !== 'meta').map((m) => raw.slice(m.start, m.end));
  return `{${[...kept, `"meta":${JSON.stringify(row.meta)}`].join(',')}}`;
}

/** An edit of a raw line: `raw[0, start)`, then `text`, then `raw[end, raw.length)`. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/**
 * `serializeWithMeta` as a splice of the raw line (so a caller holding the line's bytes copies
 * them around the new meta instead of encoding the row again: `LineAssembler.splice`), or
 * undefined where serializeWithMeta falls back to JSON.stringify of the whole row.
 */
export function metaSplice(raw: string, row: JsonObject, hadMeta: boolean): Splice | undefined {
  const meta = row.meta as Json;
  const metaText = JSON.stringify(meta);
  let end = raw.length - 1;
  while (end > 0 && isWs(raw.charCodeAt(end))) end--;
  if (raw.charCodeAt(end) !== 125 /* } */) return undefined;
  if (!hadMeta) {
    // `meta` was appended as the last key: insert it before the closing brace.
    const empty = Object.keys(row).length === 1;
    return { start: end, end: raw.length, text: `${empty ? '' : ','}"meta":${metaText}}` };
  }
  const span = findTopLevelValue(raw, 'meta');
  if (!span) return undefined;
  return { start: span[0], end: span[1], text: metaText };
}

function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Find the [start, end) span of the value of top-level key `key` in a JSON object text. Returns
 * undefined when the key is absent or present more than once (JSON.parse keeps the last one; we
 * would rather re-serialise than guess).
 */
export function findTopLevelValue(text: string, key: string): [number, number] | undefined {
  return topLevelSpans(text)?.get(key);
}
