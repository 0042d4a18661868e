import { createWriteStream, mkdtempSync, openSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '@ldt/errors';
import { createTracked, untrackTemp } from './cleanup.js';

/**
 * A private temporary directory (`<parent>/<prefix>XXXXXX`) that is removed on `remove()`,
 * and also when the process gets SIGINT, SIGTERM or SIGHUP or exits while it still exists
 * (tracked by `trackTemp` of cleanup.ts, which re-raises the signal after removing it).
 */
export class TempDir {
  readonly path: string;
  private removed = false;

  /**
   * @param parent where to create it
   * @param prefix name prefix (`ldt-shuffle-`, `.split-holdout-`, …)
   * @param describe how messages name the parent (e.g. `--tmpdir `) and what to do when it fails
   */
  constructor(parent: string, prefix: string, describe: { label?: string; hint?: string } = {}) {
    try {
      this.path = createTracked(() => mkdtempSync(join(parent, prefix)));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = err.code === 'ENOENT' ? 'no such directory' : err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOSPC' ? 'no space left on device' : err.message;
      throw new DataError(
        `cannot create a temporary directory in ${describe.label ?? ''}${parent}: ${why}`,
        undefined,
        describe.hint ?? 'check that the directory exists and is writable',
      );
    }
  }

  /**
   * A new file `name` in the directory, created now, synchronously: its path and a write stream
   * to it. With
   * `createWriteStream(path)` a thread-pool thread creates the file later, which can be just as
   * `remove()` (after an error, or a signal) empties the directory: the removal then fails with
   * ENOTEMPTY and the directory stays behind (a fresh-clone CI run failed that way: dedup-near's
   * standard-input spool was still being opened when a bad line on line 2 ended the run).
   */
  createFile(name: string): { path: string; stream: WriteStream } {
    const path = join(this.path, name);
    return { path, stream: createWriteStream('', { fd: openSync(path, 'w') }) };
  }

  /** Remove the directory and everything in it (idempotent) and drop the signal handlers. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    untrackTemp(this.path);
    // Retries (ENOTEMPTY): a file created on the thread pool may appear while the folder is emptied.
    rmSync(this.path, { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
  }
}
