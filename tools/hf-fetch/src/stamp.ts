import { DataError } from '@ldt/errors';

/**
 * The provenance hf-fetch adds to every row: `meta.source` (where the row came from, with its row
 * index in the file) and `meta.license` (when known). `--no-meta` turns it off (`Stamp.none`).
 */
export class Stamp {
  private readonly head: string;
  private readonly tail: string;
  /**
   * @param source the row's file as a compact string, e.g.
   *   `hf://datasets/o/n@<sha>/data/train-00000.parquet?config=default&split=train`; `#<row>` is appended.
   * @param license the dataset licence, or undefined when unknown (then no `meta.license`).
   * @param registry `"off"` when the governance gate was turned off with `--no-registry` (then `meta.registry`).
   * @param convertedFrom the loading script a row's parquet conversion stands in for (`meta.converted_from`).
   */
  constructor(
    readonly source: string | undefined,
    readonly license: string | undefined,
    readonly registry?: string,
    readonly convertedFrom?: string,
  ) {
    this.head = source === undefined ? '' : `{"source":${JSON.stringify(`${source}#`).slice(0, -1)}`;
    this.tail = `"${license === undefined ? '' : `,"license":${JSON.stringify(license)}`}${registry === undefined ? '' : `,"registry":${JSON.stringify(registry)}`}${convertedFrom === undefined ? '' : `,"converted_from":${JSON.stringify(convertedFrom)}`}}`;
  }

  /** No provenance (`--no-meta`). */
  static none(): Stamp {
    return new Stamp(undefined, undefined);
  }

  get enabled(): boolean {
    return this.source !== undefined;
  }

  /** The `meta` object text for row `i` (0-based, in the file). */
  metaText(i: number): string {
    return `${this.head}${i}${this.tail}`;
  }

  /** The text around the row index of `metaText`: `metaText(i)` is `parts[0] + i + parts[1]`. */
  get parts(): [string, string] {
    return [this.head, this.tail];
  }

  /** The meta keys for row `i`, for merging into a row that already has a `meta` object. */
  metaObject(i: number): Record<string, string> {
    const m: Record<string, string> = { source: `${this.source}#${i}` };
    if (this.license !== undefined) m.license = this.license;
    if (this.registry !== undefined) m.registry = this.registry;
    if (this.convertedFrom !== undefined) m.converted_from = this.convertedFrom;
    return m;
  }

  /** Merge the stamp into an existing `meta` value (must be an object, or the row is an error). */
  merge(existing: unknown, i: number, where: string): Record<string, unknown> {
    if (existing === null || typeof existing !== 'object' || Array.isArray(existing))
      throw new DataError(
        `${where}: row ${i} has a "meta" field that is not an object; hf-fetch will not overwrite it`,
        undefined,
        'pass --no-meta to write rows without provenance',
      );
    return { ...(existing as Record<string, unknown>), ...this.metaObject(i) };
  }
}
