import type { Json, JsonObject } from '@ldt/schema';
import { topLevelMembers, topLevelSpans } from './spans.js';

/**
 * Serialise a row after a tool added or changed keys under `meta`, keeping every byte of the
 * input line outside `meta` as it was. Re-serialising the whole row with JSON.stringify would
 * silently change data the tool does not own: integers beyond 2^53 lose digits
 * (`12345678901234567890` → `12345678901234567000`), `1.0` becomes `1`, escapes are rewritten.
 * Splicing is also cheaper than a full JSON.stringify (no walk over the row).
 *
 * `row.meta` must already hold the updated meta object (use `setMeta`). Falls back to
 * JSON.stringify of the row only if the raw line's `meta` span cannot be located exactly (e.g.
 * duplicate `meta` keys), which keeps the output correct whatever the input looks like.
 */
export function serializeWithMeta(raw: string, row: JsonObject, hadMeta: boolean): string {
  const meta = row.meta as Json;
  const metaText = JSON.stringify(meta);
  let end = raw.length - 1;
  while (end > 0 && isWs(raw.charCodeAt(end))) end--;
  if (raw.charCodeAt(end) !== 125 /* } */) return JSON.stringify(row);
  if (!hadMeta) {
    // `meta` was appended as the last key: insert it before the closing brace.
    const empty = Object.keys(row).length === 1;
    return `${raw.slice(0, end)}${empty ? '' : ','}"meta":${metaText}}`;
  }
  const span = findTopLevelValue(raw, 'meta');
  if (span) return `${raw.slice(0, span[0])}${metaText}${raw.slice(span[1])}`;
  // `meta` more than once (JSON.parse kept the last): every other member keeps its bytes, the
  // `meta` members give way to the one new `meta` at the end. (JSON.stringify of the row would
  // change values outside meta: 1e400 → null, big integers lose digits; found by the property test.)
  const members = topLevelMembers(raw);
  if (!members) return JSON.stringify(row);
  const kept = members.filter((m) => m.key !== 'meta').map((m) => raw.slice(m.start, m.end));
  return `{${[...kept, `"meta":${metaText}`].join(',')}}`;
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
