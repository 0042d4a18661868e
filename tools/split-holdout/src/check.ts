import { basename } from 'node:path';
import { DataError } from '@ldt/errors';
import { canonicalText } from '@ldt/hash';
import { type Row, STDIN_NAME } from '@ldt/ndjson';
import { getMeta, type JsonObject } from '@ldt/schema';
import { contentKey, type GroupOptions, groupKey } from './key.js';

/** The kinds of leak `split-holdout check` finds. */
export type LeakKind = 'exact' | 'group' | 'near';

/** One leak: a key first seen in split `a` appears in split `b`. */
export interface Leak {
  kind: LeakKind;
  key: string;
  a: { split: string; file: string; line: number };
  b: { split: string; file: string; line: number };
}

export interface CheckOptions extends GroupOptions {
  /** Check near-duplicate clusters (`meta.cluster`) across splits. */
  near: boolean;
}

interface Seen {
  split: number;
  file: number;
  line: number;
  /** Further splits this key was seen in (rare: only leaks). */
  more?: number[];
}

/**
 * Audits finished splits. The split of a row is its `meta.split`, else the name of its file
 * without directory and extensions (`out/val.ndjson.gz` → `val`). For each key kind — the content
 * key (exact duplicates: `meta.content_hash`, else the content hash of the row without meta),
 * the `--group-by` key, and with `near` the `meta.cluster` — it remembers where each key was first
 * seen, and reports a leak the first time a key shows up in a split other than the ones it was
 * already reported for: one leak per (key, extra split), naming both rows by file:line.
 *
 * Memory: about 150 bytes per distinct key of each kind checked (a Map from key to position).
 */
export class LeakChecker {
  readonly splits: string[] = [];
  readonly rowsPerSplit: number[] = [];
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private readonly maps: Record<LeakKind, Map<string, Seen>> = { exact: new Map(), group: new Map(), near: new Map() };
  readonly counts: Record<LeakKind, number> = { exact: 0, group: 0, near: 0 };

  constructor(readonly opts: CheckOptions) {}

  /** The split of a row. */
  splitOf(row: Row): string {
    const m = getMeta(row.value, 'split');
    if (typeof m === 'string' && m !== '') return m;
    if (row.file === STDIN_NAME)
      throw new DataError(
        'row has no meta.split, and rows from standard input have no file name to take the split from',
        row,
        'give the split files (e.g. out/train.ndjson out/test.ndjson) or rows carrying meta.split',
      );
    return basename(row.file).replace(/(\.(ndjson|jsonl|json))?(\.(gz|zst))?$/i, '');
  }

  /** Check a batch of rows; returns the leaks found in it. */
  checkRows(rows: readonly Row[]): Leak[] {
    const leaks: Leak[] = [];
    for (const row of rows) {
      const name = this.splitOf(row);
      let s = this.splits.indexOf(name);
      if (s < 0) {
        s = this.splits.push(name) - 1;
        this.rowsPerSplit.push(0);
      }
      this.rowsPerSplit[s]++;
      let f = this.fileIds.get(row.file);
      if (f === undefined) {
        f = this.files.push(row.file) - 1;
        this.fileIds.set(row.file, f);
      }
      this.see('exact', contentKey(row.value, this.opts.normalize), s, f, row.line, leaks);
      if (this.opts.groupBy.length > 0) {
        const k = groupKey(row.value, this.opts, row);
        // A row that is its own group (--missing-group own) can only leak as an exact duplicate.
        if (!k.startsWith('\u0000own:')) this.see('group', k, s, f, row.line, leaks);
      }
      if (this.opts.near) {
        const c = clusterOf(row.value);
        if (c !== undefined) this.see('near', c, s, f, row.line, leaks);
      }
    }
    return leaks;
  }

  private see(kind: LeakKind, key: string, split: number, file: number, line: number, leaks: Leak[]): void {
    const map = this.maps[kind];
    const prev = map.get(key);
    if (prev === undefined) {
      map.set(key, { split, file, line });
      return;
    }
    if (prev.split === split || prev.more?.includes(split)) return;
    (prev.more ??= []).push(split);
    this.counts[kind]++;
    leaks.push({
      kind,
      key,
      a: { split: this.splits[prev.split], file: this.files[prev.file], line: prev.line },
      b: { split: this.splits[split], file: this.files[file], line },
    });
  }

  get total(): number {
    return this.counts.exact + this.counts.group + this.counts.near;
  }
}

function clusterOf(row: JsonObject): string | undefined {
  const c = getMeta(row, 'cluster');
  if (c === undefined || c === null) return undefined;
  return typeof c === 'string' ? c : canonicalText(c, 'none');
}

const WHAT: Record<LeakKind, string> = {
  exact: 'exact duplicate across splits',
  group: 'group in two splits',
  near: 'near-duplicate cluster in two splits',
};

/** One leak as a line of text: `exact duplicate across splits: test.ndjson:3 [test] and train.ndjson:12 [train] (key …)`. */
export function formatLeak(l: Leak): string {
  const key = l.key.length > 80 ? `${JSON.stringify(l.key.slice(0, 77))}…` : JSON.stringify(l.key);
  return `${WHAT[l.kind]}: ${l.b.file}:${l.b.line} [${l.b.split}] and ${l.a.file}:${l.a.line} [${l.a.split}] (${l.kind === 'exact' ? 'content hash' : l.kind === 'group' ? 'group' : 'cluster'} ${key})`;
}
