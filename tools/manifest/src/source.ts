import { getMeta, type JsonObject } from '@ldt/schema';
import { cmp } from './fields.js';

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

/** Rows by source dataset and revision (with up to 1000 paths each), as `manifest.json` records them. */
export class SourceTally {
  private readonly sources = new Map<string, Map<string, { rows: number; paths: Set<string> }>>();

  /** Count a row under its `meta.source` (rows without one are not counted). */
  add(row: JsonObject): void {
    const src = getMeta(row, 'source');
    if (typeof src === 'string') this.addParts(parseSource(src));
  }

  addParts(sp: SourceParts): void {
    let revs = this.sources.get(sp.dataset);
    if (!revs) this.sources.set(sp.dataset, (revs = new Map()));
    const rk = sp.revision ?? '';
    let r = revs.get(rk);
    if (!r) revs.set(rk, (r = { rows: 0, paths: new Set() }));
    r.rows++;
    if (sp.path !== undefined && r.paths.size < 1000) r.paths.add(sp.path);
  }

  toJSON(): { dataset: string; revision: string | null; rows: number; paths: string[] }[] {
    return [...this.sources.entries()]
      .sort((a, b) => cmp(a[0], b[0]))
      .flatMap(([dataset, revs]) =>
        [...revs.entries()].sort((a, b) => cmp(a[0], b[0])).map(([rev, r]) => ({ dataset, revision: rev === '' ? null : rev, rows: r.rows, paths: [...r.paths].sort(cmp) })),
      );
  }
}
