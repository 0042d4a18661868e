/**
 * The one glob syntax of ldt for matching field values (curriculum-route's `meta.source` rules,
 * split-holdout `--holdout PATH=GLOB`): `*` matches any run of characters (also `/`), `?` one
 * character; anything else literally. A pattern without `*` or `?` is an exact match.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) re += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}$`, 's');
}

/** A compiled glob: `matches(value)` for strings. */
export interface Glob {
  readonly pattern: string;
  matches(value: string): boolean;
}

/** Compile a glob (exact patterns skip the regular expression). */
export function compileGlob(pattern: string): Glob {
  if (!/[*?]/.test(pattern)) return { pattern, matches: (v) => v === pattern };
  const re = globToRegExp(pattern);
  return { pattern, matches: (v) => re.test(v) };
}
