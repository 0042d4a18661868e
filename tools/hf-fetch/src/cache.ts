import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { AtomicFile, untrackTemp } from '@ldt/ndjson';

/**
 * The Hugging Face hub cache directory, as `huggingface_hub` reads it: `HF_HUB_CACHE`, else
 * `HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else
 * `~/.cache/huggingface/hub`.
 */
export function hubCacheDir(env: Record<string, string | undefined>): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  return join(hfHome(env), 'hub');
}

export function hfHome(env: Record<string, string | undefined>): string {
  return env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

export const SHA_RE = /^[0-9a-f]{40}$/;

/**
 * One dataset repository in the cache (shared with Python's `huggingface_hub`):
 * `datasets--owner--name/{blobs/<etag>, snapshots/<commit>/<path> → ../../blobs/<etag>, refs/<rev>}`.
 * Blobs are written as `<etag>.incomplete` and renamed when complete, so a cut download never
 * looks complete. hf-fetch also keeps the tree listing of a commit in `.ldt-trees/<commit>.json`
 * (its own file, ignored by other clients), so offline runs can say exactly which files are missing.
 */
export class RepoCache {
  readonly dir: string;

  constructor(
    readonly root: string,
    readonly repoId: string,
  ) {
    this.dir = join(root, `datasets--${repoId.split('/').join('--')}`);
  }

  /** The commit a revision resolved to last time (`refs/<rev>`), or the revision if it is a commit. */
  readRef(rev: string): string | undefined {
    if (SHA_RE.test(rev)) return rev;
    const p = join(this.dir, 'refs', rev);
    if (!existsSync(p)) return undefined;
    const sha = readFileSync(p, 'utf8').trim();
    return SHA_RE.test(sha) ? sha : undefined;
  }

  async writeRef(rev: string, sha: string): Promise<void> {
    if (SHA_RE.test(rev)) return;
    const p = join(this.dir, 'refs', rev);
    await mkdir(dirname(p), { recursive: true });
    await writeAtomic(p, sha);
  }

  snapshotPath(sha: string, path: string): string {
    return join(this.dir, 'snapshots', sha, ...path.split('/'));
  }

  has(sha: string, path: string): boolean {
    return existsSync(this.snapshotPath(sha, path));
  }

  blobPath(etag: string): string {
    return join(this.dir, 'blobs', etag);
  }

  /** A temporary name for a blob being downloaded (per process, like huggingface_hub's). */
  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.${process.pid}.incomplete`;
  }

  /** Move a finished download into place and link it from the snapshot (relative symlink; copy where links fail). */
  async commitBlob(tmp: string, etag: string, sha: string, path: string): Promise<string> {
    const blob = this.blobPath(etag);
    await rename(tmp, blob);
    untrackTemp(tmp);
    return this.link(etag, sha, path);
  }

  /** Link an existing blob into a snapshot. */
  async link(etag: string, sha: string, path: string): Promise<string> {
    const blob = this.blobPath(etag);
    const snap = this.snapshotPath(sha, path);
    await mkdir(dirname(snap), { recursive: true });
    await rm(snap, { force: true });
    try {
      await symlink(relative(dirname(snap), blob), snap);
    } catch {
      const { copyFile } = await import('node:fs/promises');
      await copyFile(blob, snap);
    }
    return snap;
  }

  async prepareBlobDir(): Promise<void> {
    await mkdir(join(this.dir, 'blobs'), { recursive: true });
  }

  async saveTree(sha: string, files: readonly { path: string; size?: number }[]): Promise<void> {
    const p = join(this.dir, '.ldt-trees', `${sha}.json`);
    await mkdir(dirname(p), { recursive: true });
    await writeAtomic(p, JSON.stringify(files.map((f) => ({ path: f.path, size: f.size }))));
  }

  /** The saved tree listing of a commit, else the files present in its snapshot folder. */
  async loadTree(sha: string): Promise<{ files: { path: string; size?: number }[]; complete: boolean } | undefined> {
    const p = join(this.dir, '.ldt-trees', `${sha}.json`);
    if (existsSync(p)) return { files: JSON.parse(await readFile(p, 'utf8')), complete: true };
    const snap = join(this.dir, 'snapshots', sha);
    if (!existsSync(snap)) return undefined;
    return { files: walkFiles(snap).map((f) => ({ path: f, size: statSync(join(snap, f)).size })), complete: false };
  }
}

/** Every file under `dir` (following symlinks), as `/`-separated relative paths, sorted; `.git` skipped. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (sub: string) => {
    for (const d of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${d.name}` : d.name;
      if (d.name === '.git') continue;
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) {
        try {
          isDir = statSync(join(dir, rel)).isDirectory();
        } catch {
          continue;
        }
      }
      if (isDir) walk(rel);
      else out.push(rel);
    }
  };
  walk('');
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Write a small file whole, atomically (@ldt/ndjson's AtomicFile: a tracked temporary beside it, renamed into place). */
async function writeAtomic(path: string, text: string): Promise<void> {
  const f = new AtomicFile(path);
  f.writer.pushBytes(Buffer.from(text));
  await f.commit();
}
