import { DataError, type Position, quote } from '@ldt/errors';
import { canonicalKey, xxh128String } from '@ldt/hash';
import { type FieldPath, getPath, type JsonObject, recordKind } from '@ldt/schema';
import { type NormalizeMode, normalizeText } from '@ldt/text';

/**
 * What the dedup key of a row is.
 * - `auto`: `messages` for chat rows, `text` for text rows, otherwise the whole row without `meta`.
 * - `paths`: the values at the given field paths (a missing path is an error for that row).
 * - `line`: the raw bytes of the input line (no JSON parsing at all).
 */
export type KeySpec = { mode: 'auto' } | { mode: 'paths'; paths: FieldPath[] } | { mode: 'line' };

/**
 * The key text of a row (what `meta.content_hash` is the XXH3-128 of, as UTF-8): a single string
 * value is its normalised self; anything else is its canonical key encoding (`canonicalKey` in
 * @ldt/hash: object keys sorted, strings normalised, self-delimiting); several paths are the
 * encoding of the array of their values. Throws `DataError` when a path is missing.
 */
export function keyText(row: JsonObject, spec: KeySpec, mode: NormalizeMode, pos?: Position): string {
  if (spec.mode === 'paths') {
    if (spec.paths.length === 1) return text(required(row, spec.paths[0], pos), mode);
    return canonicalKey(
      spec.paths.map((p) => required(row, p, pos)),
      mode,
    );
  }
  switch (recordKind(row)) {
    case 'chat':
      return canonicalKey(row.messages, mode);
    case 'text':
      return normalizeText(row.text as string, mode);
    default: {
      if (row.meta === undefined) return canonicalKey(row, mode);
      const { meta: _meta, ...rest } = row;
      return canonicalKey(rest, mode);
    }
  }
}

/** XXH3-128 of the key text. */
export function keyHash(row: JsonObject, spec: KeySpec, mode: NormalizeMode, pos?: Position): Buffer {
  return xxh128String(keyText(row, spec, mode, pos));
}

function text(value: unknown, mode: NormalizeMode): string {
  return typeof value === 'string' ? normalizeText(value, mode) : canonicalKey(value, mode);
}

function required(row: JsonObject, path: FieldPath, pos?: Position): unknown {
  const v = getPath(row, path);
  if (v === undefined) {
    const keys = Object.keys(row).filter((k) => k !== 'meta');
    throw new DataError(`row has no field ${quote(path.text)}`, pos, `is --fields correct? this row's fields are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}`);
  }
  return v;
}
