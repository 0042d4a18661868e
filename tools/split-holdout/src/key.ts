import { DataError, type Position, quote } from '@ldt/errors';
import { canonicalKey, canonicalText, xxh64, xxh128String } from '@ldt/hash';
import { comparedValue, type FieldPath, getPath, isJsonObject, type JsonObject } from '@ldt/schema';
import { type NormalizeMode, normalizeText } from '@ldt/text';

/** How the group of a row is found. */
export interface GroupOptions {
  /** `--group-by` paths; empty: the default group (meta.content_hash, else the content hash of the row without meta). */
  groupBy: FieldPath[];
  /** Text normalisation of group key strings (default none). */
  normalize: NormalizeMode;
  /** A row without the `--group-by` paths: `error`, or `own` (its own group: its default group key). */
  missingGroup: 'error' | 'own';
}

/**
 * The content key of a row, for exact-duplicate checks: `meta.content_hash` when it is a string
 * (as dedup-exact writes it), else XXH3-128 (seed 0, 32 hex digits) of the row's compared value
 * (`comparedValue` of @ldt/schema, by record kind) in the form dedup-exact hashes it — the same
 * hash dedup-exact gives the row by default.
 */
export function contentKey(row: JsonObject, normalize: NormalizeMode): string {
  const meta = row.meta;
  if (isJsonObject(meta) && typeof meta.content_hash === 'string') return meta.content_hash;
  return xxh128String(comparedKeyText(row, normalize)).toString('hex');
}

/**
 * The default group key: `meta.content_hash` when it is a string, else the text whose XXH3-128 is
 * the row's content hash (hashing it once, seeded, instead of twice saves ~20% of the run time);
 * a string (a text row's text) prefixed with a NUL so that it never equals a hex content hash.
 */
export function defaultGroupKey(row: JsonObject, normalize: NormalizeMode): string {
  const meta = row.meta;
  if (isJsonObject(meta) && typeof meta.content_hash === 'string') return meta.content_hash;
  const v = comparedValue(row);
  // A string key (a text row's text) could look like a hex hash: prefixed with a NUL. Other values'
  // canonical keys start with `[`, `{`, … and never do.
  return typeof v === 'string' ? `\u0000${normalizeText(v, normalize)}` : canonicalKey(v, normalize);
}

/** dedup-exact's default key text: the compared value, a string normalised, else its canonical key. */
function comparedKeyText(row: JsonObject, normalize: NormalizeMode): string {
  const v = comparedValue(row);
  return typeof v === 'string' ? normalizeText(v, normalize) : canonicalKey(v, normalize);
}

/** Thrown (as a DataError) when a row lacks the group path; `missing` lets callers reject it. */
export class MissingGroupError extends DataError {}

/**
 * The group key text of a row. With `--group-by`: one path → its value (a string as itself after
 * normalisation, anything else canonical JSON); several paths → canonical JSON of the array of
 * their values. Without: `defaultGroupKey`. A missing path is a `MissingGroupError`, or with
 * `missingGroup: 'own'` the row's default group key (prefixed, so it is a group of its own).
 */
export function groupKey(row: JsonObject, opts: GroupOptions, pos?: Position): string {
  const paths = opts.groupBy;
  if (paths.length === 0) return defaultGroupKey(row, opts.normalize);
  if (paths.length === 1) {
    const v = getPath(row, paths[0]);
    if (v === undefined) return missing(row, paths[0], opts, pos);
    return typeof v === 'string' ? normalizeText(v, opts.normalize) : canonicalText(v, opts.normalize);
  }
  const values: unknown[] = [];
  for (const p of paths) {
    const v = getPath(row, p);
    if (v === undefined) return missing(row, p, opts, pos);
    values.push(v);
  }
  return canonicalText(values, opts.normalize);
}

function missing(row: JsonObject, path: FieldPath, opts: GroupOptions, pos?: Position): string {
  if (opts.missingGroup === 'own') return `\u0000own:${defaultGroupKey(row, opts.normalize)}`;
  const keys = Object.keys(row);
  throw new MissingGroupError(
    `row has no group field ${quote(path.text)}`,
    pos,
    `is --group-by correct? this row's fields are: ${keys.slice(0, 12).join(', ')}${keys.length > 12 ? ', …' : ''}; or use --missing-group own to make such a row its own group`,
  );
}

let scratch = Buffer.allocUnsafe(1 << 16);

/**
 * The seeded group hash: XXH3-64 (seed 0) of the UTF-8 bytes of `"<seed>:" + key`, as 8 bytes
 * (big-endian, as `xxhsum -H3` prints it). Everything about a group's split follows from it.
 */
export function seededHash(seed: number, key: string): Buffer {
  const s = `${seed}:${key}`;
  if (s.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(Math.max(s.length * 3, scratch.length * 2));
  const n = scratch.write(s, 0, 'utf8');
  return xxh64(scratch.subarray(0, n));
}

/** The point in [0, 1) of a seeded hash: its top 53 bits / 2^53 (exact in a double). */
export function unitInterval(h: Buffer): number {
  return (h.readUInt32BE(0) * 2097152 + (h.readUInt32BE(4) >>> 11)) / 9007199254740992;
}
