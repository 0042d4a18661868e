import { DataError, type Position, quote } from '@ldt/errors';
import { canonicalKey, canonicalKeyBytes, xxh128, xxh128String } from '@ldt/hash';
import { comparedValue, type FieldPath, type JsonObject, valuesAt } from '@ldt/schema';
import { type NormalizeMode, normalizeText } from '@ldt/text';

/**
 * What the dedup key of a row is.
 * - `auto`: the row's compared value by record kind (`comparedValue` of @ldt/schema: `text` for
 *   text rows, `messages` (with `tools`) for chat rows, the kind's fields for preference/KTO/
 *   prompt-only rows, otherwise the whole row without `meta`).
 * - `paths`: the values at the given field paths, per row as the row has them (`valuesAt`); a
 *   row with none of them is an error for that row (`missing_key`).
 * - `line`: the raw bytes of the input line (no JSON parsing at all).
 */
export type KeySpec = { mode: 'auto' } | { mode: 'paths'; paths: FieldPath[] } | { mode: 'line' };

/**
 * The key text of a row (what `meta.content_hash` is the XXH3-128 of, as UTF-8): a single string
 * value is its normalised self; anything else is its canonical key encoding (`canonicalKey` in
 * @ldt/hash: object keys sorted, strings normalised, self-delimiting). Throws `DataError` when the
 * row has none of the key paths.
 */
export function keyText(row: JsonObject, spec: KeySpec, mode: NormalizeMode, pos?: Position): string {
  const v = keyValue(row, spec, pos);
  return typeof v === 'string' ? normalizeText(v, mode) : canonicalKey(v, mode);
}

/** The value the key is made of (see `keyText`); throws `DataError` when the row has none of the key paths. */
function keyValue(row: JsonObject, spec: KeySpec, pos?: Position): unknown {
  const v = spec.mode === 'paths' ? valuesAt(row, spec.paths) : comparedValue(row);
  if (v === undefined) {
    const keys = Object.keys(row).filter((k) => k !== 'meta');
    const paths = spec.mode === 'paths' ? spec.paths.map((p) => p.text) : [];
    throw new DataError(
      `row has no field ${paths.length === 1 ? quote(paths[0]) : `of ${paths.map((p) => quote(p)).join(', ')}`}`,
      pos,
      `is --fields correct? this row's fields are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`,
    );
  }
  return v;
}

/**
 * XXH3-128 of the key text's UTF-8 bytes. A non-string key is hashed from `canonicalKeyBytes`
 * (the same bytes, written without building the key string): keyHash over the 64 MB bench
 * corpus' chat rows 0.20 → 0.15 CPU-s (best of 4, process.cpuUsage; issue 17).
 */
export function keyHash(row: JsonObject, spec: KeySpec, mode: NormalizeMode, pos?: Position): Buffer {
  const v = keyValue(row, spec, pos);
  return typeof v === 'string' ? xxh128String(normalizeText(v, mode)) : xxh128(canonicalKeyBytes(v, mode));
}
