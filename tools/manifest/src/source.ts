/** A `meta.source` value split into its parts (hf-fetch writes `dataset@revision:path#row`). */
export interface SourceParts {
  /** The dataset (`org/name`), or the file for a local source. */
  dataset: string;
  /** The revision (commit sha or branch) after `@`, if any. */
  revision: string | undefined;
  /** The file inside the dataset after `:`, if any. */
  path: string | undefined;
}

/**
 * Split `dataset@revision:path#row` (the form hf-fetch writes); a local source is `path#row`.
 * The `#row` fragment is dropped: it identifies one row, not a source.
 */
export function parseSource(source: string): SourceParts {
  const hash = source.lastIndexOf('#');
  const s = hash >= 0 ? source.slice(0, hash) : source;
  const at = s.indexOf('@');
  if (at > 0) {
    const rest = s.slice(at + 1);
    const colon = rest.indexOf(':');
    return { dataset: s.slice(0, at), revision: colon >= 0 ? rest.slice(0, colon) : rest, path: colon >= 0 ? rest.slice(colon + 1) : undefined };
  }
  return { dataset: s, revision: undefined, path: undefined };
}
