import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '@ldt/errors';
import picomatch from 'picomatch';
import { walkFiles } from './cache.js';

/** What the DATASET argument names. */
export type DatasetRef =
  | { kind: 'hub'; id: string; revision?: string; pattern?: string }
  | { kind: 'dir'; dir: string; hubId?: string; sha?: string }
  | { kind: 'files'; files: string[] }
  /** Standard input (`-`), named `name` (`--source-name`; its extension, if any, gives the format). */
  | { kind: 'stdin'; name: string };

const ID_RE = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;
const GLOB_RE = /[*?[{]/;
const SNAPSHOT_RE = /(?:^|\/)datasets--([^/]+?)--([^/]+)\/snapshots\/([0-9a-f]{40})\/?$/;

/**
 * Interpret the positional arguments: `hf://datasets/owner/name[@rev][/path-or-glob]`; an existing
 * directory (a clone of a dataset repo, or a snapshot folder of the HF cache); existing files or
 * globs; else a Hub id (`owner/name`, or a legacy name-only id).
 */
export function parseDatasetArgs(args: readonly string[], cwd = process.cwd(), stdinName = 'stdin'): DatasetRef {
  if (args.length === 0)
    throw new UsageError('missing DATASET', "give a Hub id (owner/name), hf://datasets/owner/name/path, a local dataset folder, files, or '-' (standard input)");
  if (args.includes('-') && args.length > 1) throw new UsageError("'-' (standard input) cannot be mixed with other arguments; give one DATASET");
  if (args.length === 1) {
    const a = args[0];
    if (a === '-') return { kind: 'stdin', name: stdinName };
    if (a.startsWith('hf://')) return parseHfUrl(a);
    const abs = resolve(cwd, a);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      const m = SNAPSHOT_RE.exec(abs);
      return m ? { kind: 'dir', dir: a, hubId: `${m[1]}/${m[2]}`, sha: m[3] } : { kind: 'dir', dir: a };
    }
    if (!existsSync(abs) && !GLOB_RE.test(a)) {
      if (ID_RE.test(a) && !a.startsWith('.') && !/\.(parquet|jsonl|ndjson|json|csv|tsv|txt|gz|zst)$/i.test(a)) return { kind: 'hub', id: a };
      throw new UsageError(`${a}: no such file or directory, and not a dataset id`, 'a Hub id looks like owner/name');
    }
  }
  const files: string[] = [];
  for (const a of args) {
    if (a.startsWith('hf://')) throw new UsageError('hf:// URLs cannot be mixed with other arguments; give one DATASET');
    const abs = resolve(cwd, a);
    if (existsSync(abs)) {
      if (statSync(abs).isDirectory()) throw new UsageError(`${a} is a directory; give one dataset folder alone, or files`);
      files.push(a);
    } else if (GLOB_RE.test(a)) {
      const got = expandGlob(a, cwd);
      if (got.length === 0) throw new UsageError(`${a}: no file matches`);
      files.push(...got);
    } else throw new UsageError(`${a}: no such file`);
  }
  return { kind: 'files', files: [...new Set(files)] };
}

/** `hf://datasets/owner/name[@rev][/path]`; the revision may be URL-encoded (`refs%2Fconvert%2Fparquet`). */
export function parseHfUrl(u: string): DatasetRef {
  const m = /^hf:\/\/datasets\/([^/@]+(?:\/[^/@]+)?)(?:@([^/]+))?(?:\/(.*))?$/.exec(u);
  if (!m || !ID_RE.test(m[1])) throw new UsageError(`not a dataset URL: ${JSON.stringify(u)}`, 'expected hf://datasets/owner/name[@revision][/path-or-glob]');
  return { kind: 'hub', id: m[1], revision: m[2] === undefined ? undefined : decodeURIComponent(m[2]), pattern: m[3] || undefined };
}

/** Expand a glob relative to `cwd` (`*` within a folder, `**` across folders), sorted. */
export function expandGlob(pattern: string, cwd: string): string[] {
  const segs = pattern.split('/');
  const first = segs.findIndex((s) => GLOB_RE.test(s));
  const baseRel = segs.slice(0, first).join('/');
  const base = resolve(cwd, baseRel || '.');
  if (!existsSync(base)) return [];
  const rest = segs.slice(first).join('/');
  const m = picomatch(rest, { dot: false });
  return walkFiles(base)
    .filter((f) => m(f))
    .map((f) => (baseRel ? `${baseRel}/${f}` : f));
}
