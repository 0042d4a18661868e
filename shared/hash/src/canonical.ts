import { type NormalizeMode, normalizeText } from '@ldt/text';

/**
 * The canonical text of a key value, which is what content hashes are computed over.
 *
 * - A string is its normalised self (no quotes), so the key of a text row is its text.
 * - Anything else is canonical JSON: object keys sorted by UTF-16 code units (so `{"a":1,"b":2}`
 *   and `{"b":2,"a":1}` are the same key), every string value normalised, no white space.
 *
 * Written by hand instead of with fast-json-stable-stringify because the string leaves must be
 * normalised during the same walk (a second pass would cost another full copy per row).
 */
export function canonicalText(value: unknown, mode: NormalizeMode): string {
  if (typeof value === 'string') return normalizeText(value, mode);
  return canonicalJson(value, mode);
}

/** Canonical JSON (sorted keys, normalised strings) of any JSON value. */
export function canonicalJson(value: unknown, mode: NormalizeMode): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(normalizeText(value, mode));
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          s += canonicalJson(value[i], mode);
        }
        return `${s}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += `${JSON.stringify(k)}:${canonicalJson(v, mode)}`;
      }
      return `${s}}`;
    }
    default:
      return 'null';
  }
}
