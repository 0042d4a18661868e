/**
 * JSON text for decoded values (parquet cells, CSV fields, JSON rows), written directly rather than
 * through `JSON.stringify` of a whole row object, so rows can be serialised from decoded columns.
 *
 * Rules (the README's "Output" section repeats them):
 * - BigInt (parquet INT64/UINT64) → a JSON integer literal with every digit, e.g. `9007199254740993`.
 *   JSON itself has no precision limit; ldt tools keep bytes outside `meta` as read, so the value
 *   survives a pipeline. (`JSON.parse` in JavaScript would round it: read such columns with a
 *   big-number-aware parser.)
 * - Non-finite floats (NaN, ±Infinity, which JSON cannot hold) → the strings "NaN", "Infinity", "-Infinity".
 * - Uint8Array (parquet binary without a string annotation) → a base64 string.
 * - Date (only if a caller passes one; parquet dates/timestamps are already ISO strings, see
 *   parquet.ts) → `toISOString()`.
 * - Map → an object (keys as strings); undefined (absent optional value) → null.
 */
export function jsonValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object':
      return jsonObject(v);
    default:
      return JSON.stringify(String(v));
  }
}

function jsonObject(v: object | null): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i === 0 ? '' : ',') + jsonValue(v[i]);
    return `${s}]`;
  }
  if (v instanceof Uint8Array) return `"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`;
  if (ArrayBuffer.isView(v)) return jsonValue(Array.from(v as unknown as ArrayLike<unknown>));
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'null' : `"${v.toISOString()}"`;
  if (v instanceof Map) {
    let s = '{';
    let first = true;
    for (const [k, x] of v) {
      s += `${first ? '' : ','}${JSON.stringify(typeof k === 'string' ? k : jsonValue(k))}:${jsonValue(x)}`;
      first = false;
    }
    return `${s}}`;
  }
  let s = '{';
  let first = true;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    s += `${first ? '' : ','}${JSON.stringify(k)}:${jsonValue((v as Record<string, unknown>)[k])}`;
    first = false;
  }
  return `${s}}`;
}
