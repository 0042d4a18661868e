// Content-addressed provenance of local files: the one form of `meta.source` for a row read from a
// local file or from standard input (shared/schema/README.md, "meta.source"). The Hub's form is
// `hf://datasets/ID@COMMIT/PATH`: a name plus the commit that fixes the bytes. A local file has no
// commit, so its bytes stand in for one: `NAME@xxh3-HASH`, where NAME does not depend on the
// working directory and HASH is the XXH3-64 of the file's bytes.
import { open, realpath } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '@ldt/errors';
import { xxh64Stream } from './xxhash.js';

/** The read size of `fileContentHash`: 1 MiB (larger reads were no faster here). */
const READ_SIZE = 1 << 20;

/**
 * The XXH3-64 (seed 0) of a file's bytes as 16 lower-case hex digits: the bytes as stored (a
 * `.gz` file is hashed compressed). One sequential pass in 1 MiB reads, before the rows are read,
 * so that the first row already carries the hash (a hash known only at the end could not be in
 * the rows of a stream). Cost: one more read of the file, mostly from the page cache; see
 * bench/provenance.mjs for the figure.
 */
export async function fileContentHash(path: string): Promise<string> {
  const h = xxh64Stream();
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_SIZE);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, READ_SIZE, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest().toString('hex');
}

/** Where a local file's name is taken from (see `localSourceName`). */
export interface SourceNameOptions {
  /** `--source-root DIR`: names are relative to this folder (resolved like `path`); files outside it are a usage error. */
  root?: string;
  /** The working directory relative paths are resolved against (default `process.cwd()`). */
  cwd?: string;
}

/**
 * The name of a local file in `meta.source`, independent of the working directory and of how the
 * path was spelled (absolute, relative, through a symlink): the file's real path (symlinks
 * resolved) relative to the real path of `opts.root`, or without a root its base name. `/`
 * separates folders on every platform.
 */
export async function localSourceName(path: string, opts: SourceNameOptions = {}): Promise<string> {
  const cwd = opts.cwd ?? process.cwd();
  const real = await realpath(resolve(cwd, path));
  if (opts.root === undefined) return basename(real);
  return underRoot(real, await realRoot(opts.root, cwd), path, opts.root);
}

/**
 * The name of file `rel` inside a dataset folder `dir` (a repository laid out like a Hub dataset):
 * the folder's real path joined with `rel` as the dataset names it (a file that is itself a
 * symlink, as in git-annex clones, keeps its name in the dataset), relative to `opts.root`, or
 * without a root `<folder name>/<rel>`.
 */
export async function datasetFileSourceName(dir: string, rel: string, opts: SourceNameOptions = {}): Promise<string> {
  const cwd = opts.cwd ?? process.cwd();
  const realDir = await realpath(resolve(cwd, dir));
  const file = join(realDir, rel);
  if (opts.root === undefined) return toSlash(join(basename(realDir), rel));
  return underRoot(file, await realRoot(opts.root, cwd), join(dir, rel), opts.root);
}

async function realRoot(root: string, cwd: string): Promise<string> {
  try {
    return await realpath(resolve(cwd, root));
  } catch (e) {
    throw new UsageError(`--source-root ${root}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
}

function underRoot(file: string, root: string, shown: string, rootShown: string): string {
  const rel = relative(root, file);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw new UsageError(`${shown} is not inside --source-root ${rootShown}`, 'name a folder that holds every input file, or leave --source-root out (names are then file names)');
  return toSlash(rel);
}

const toSlash = (p: string) => (sep === '/' ? p : p.split(sep).join('/'));

/** `%`, `@`, `?` and `#` in a name are percent-encoded, so that `NAME@xxh3-HASH?…#ROW` parses back unambiguously. */
export function encodeSourceName(name: string): string {
  return name.replace(/[%@?#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `meta.source` (without `?config…` and `#row`) of a local file: `NAME@xxh3-HASH`. */
export function localSource(name: string, hash: string): string {
  return `${encodeSourceName(name)}@xxh3-${hash}`;
}

/**
 * `meta.source` (without `#row`) of standard input, which has no hash before its first row: the
 * name the user gives (`--source-name NAME`), by default `stdin`.
 */
export function stdinSource(name = 'stdin'): string {
  return encodeSourceName(name);
}

/** The name and content hash of a local file, and its `meta.source` base, in one call. */
export async function localFileSource(path: string, opts: SourceNameOptions = {}): Promise<{ name: string; hash: string; source: string }> {
  const name = await localSourceName(path, opts);
  const hash = await fileContentHash(resolve(opts.cwd ?? process.cwd(), path));
  return { name, hash, source: localSource(name, hash) };
}
