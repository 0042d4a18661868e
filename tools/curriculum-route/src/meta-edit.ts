// Setting keys under `meta` of a raw line, every byte outside `meta` kept.
import { findTopLevelValue, type Splice, serializeWithMeta } from '@ldt/ndjson';
import { isJsonObject, type Json, type JsonObject, setMeta } from '@ldt/schema';

/**
 * The raw line with keys set under `meta`, every byte outside `meta` as read. The common case
 * (a top-level `meta` object located by a scan of the raw text) parses only the meta value; anything
 * else goes through a full parse and `serializeWithMeta`.
 */
export function withMeta(raw: string, add: Record<string, Json>): string {
  const e = metaEdit(raw, add);
  return typeof e === 'string' ? e : `${raw.slice(0, e.start)}${e.text}${raw.slice(e.end)}`;
}

/** `withMeta` as a splice of the raw line where its common case applies, else the whole new line. */
export function metaEdit(raw: string, add: Record<string, Json>): Splice | string {
  if (!raw.includes('"meta"')) {
    // No "meta" key anywhere (a key is always written with its quotes): append it before the
    // closing brace, without parsing the row.
    let end = raw.length - 1;
    while (end > 0 && (raw.charCodeAt(end) === 32 || raw.charCodeAt(end) === 9 || raw.charCodeAt(end) === 13)) end--;
    if (raw.charCodeAt(end) === 125 /* } */) {
      let k = end - 1;
      while (k > 0 && (raw.charCodeAt(k) === 32 || raw.charCodeAt(k) === 9 || raw.charCodeAt(k) === 13 || raw.charCodeAt(k) === 10)) k--;
      const empty = raw.charCodeAt(k) === 123; /* { */
      return { start: end, end: raw.length, text: `${empty ? '' : ','}"meta":${JSON.stringify(add)}}` };
    }
  }
  const span = findTopLevelValue(raw, 'meta');
  if (span) {
    const meta = JSON.parse(raw.slice(span[0], span[1])) as unknown;
    if (isJsonObject(meta)) {
      delete meta.repeat;
      Object.assign(meta, add);
      return { start: span[0], end: span[1], text: JSON.stringify(meta) };
    }
  }
  const row = JSON.parse(raw) as JsonObject;
  const hadMeta = row.meta !== undefined;
  if (isJsonObject(row.meta)) delete row.meta.repeat;
  for (const [k, v] of Object.entries(add)) setMeta(row, k, v);
  return serializeWithMeta(raw, row, hadMeta);
}
