import { linkSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DataError, systemReason } from '@ldt/errors';

/**
 * The one place where ldt tracks what it must not leave behind: temporary files and folders
 * (`NAME.tmp-PID`, private temp dirs) and advisory lock files. Everything tracked is removed
 * synchronously when the process gets SIGINT, SIGTERM or SIGHUP (then the signal is re-raised
 * with its default action, so the exit status is the usual 128 + signal number) and when it
 * exits while something is still tracked.
 */

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const tracked = new Set<string>();
let installed = false;

function removeAllSync(): void {
  for (const p of [...tracked]) {
    tracked.delete(p);
    try {
      // Retries: a write still running on the thread pool may add a file to a folder being removed (ENOTEMPTY).
      rmSync(p, { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
    } catch {
      // Nothing more can be done while dying; the next run into the same place cleans stale temps.
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  removeAllSync();
  uninstall();
  process.kill(process.pid, sig);
}

function onExit(): void {
  removeAllSync();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener('exit', onExit);
}

/** Remove `path` (file or folder) if the process is interrupted or exits before `untrack(path)`. */
export function trackTemp(path: string): void {
  tracked.add(path);
  install();
}

/**
 * Create a temporary with `make` (which returns its path) while the signal handlers are installed,
 * and track it. Use it where the path is only known once created (mkdtemp): with no handler
 * installed, a signal would end the process at once, between the creation and `trackTemp`.
 */
export function createTracked(make: () => string): string {
  install();
  try {
    const p = make();
    tracked.add(p);
    return p;
  } finally {
    if (tracked.size === 0) uninstall();
  }
}

/**
 * Track the temporary file `path` and create it (empty) now, synchronously; returns its descriptor,
 * open for writing. A signal handler runs between JavaScript tasks, so it sees either no file or a
 * tracked one, which it removes. A file opened asynchronously (`createWriteStream(path)`,
 * `fs/promises` `open`) is created by a thread-pool thread, which could create it just after the
 * handler had removed what it tracked: a SIGTERM test run under load left `rej.ndjson.tmp-PID`
 * behind that way. Reopen it later only without O_CREAT (`'r+'`), so that a removed temporary is
 * never created again.
 */
export function createTempFile(path: string): number {
  let fd = -1;
  createTracked(() => {
    fd = openSync(path, 'w');
    return path;
  });
  return fd;
}

/** Stop tracking `path` (it was renamed into place or removed). */
export function untrackTemp(path: string): void {
  tracked.delete(path);
  if (tracked.size === 0) uninstall();
}

const FD_PATH = /^\/(?:dev\/(?:(stdout|stderr)|fd\/(\d+))|proc\/self\/fd\/(\d+))$/;

/**
 * How to write an output file the user named. A regular file (or a new name) is written to a
 * temporary beside it and renamed into place, and through a symbolic link the link's target is
 * replaced, not the link. Anything else that exists — a device such as `/dev/null` or
 * `/dev/stderr`, a FIFO, a process substitution `>(gzip > x)` — is written in place: renaming a
 * file over it would replace the device node itself (as root, `--stats /dev/null` turned
 * /dev/null into a regular file) and a reader waiting on a FIFO would never get the data.
 */
export function outputTarget(path: string): { direct: boolean; path: string; fd?: number } {
  // An open descriptor by name (`--stats /dev/stderr` with `2> log`) is written to that descriptor,
  // even when it is a regular file: renaming over the file it resolves to would replace the caller's
  // log, and a socket (a spawned child's stdio) cannot be opened by name at all (ENXIO). Other direct
  // writes append (flag 'a'), so what is already there stays.
  const fd = FD_PATH.exec(path);
  if (fd) return { direct: true, path, fd: fd[1] === 'stdout' ? 1 : fd[1] === 'stderr' ? 2 : Number(fd[2] ?? fd[3]) };
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return { direct: false, path };
  }
  if (st.isFile()) {
    try {
      return { direct: false, path: realpathSync(path) };
    } catch {
      return { direct: false, path };
    }
  }
  // A folder is left to fail on rename with its own clear error (EISDIR), as before.
  return { direct: !st.isDirectory(), path };
}

/** The temporary name ldt writes `path` under before renaming it into place. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** True when a process with this id exists on this host (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove `PATH.tmp-PID` (and `PATH.tmp-PID-WORD`) siblings of `path` (files or folders) left by earlier runs that were
 * killed (their PID is no longer alive). Returns the names removed. Temporaries of live runs and
 * of this process are kept.
 */
export function cleanStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const prefix = `${base}.tmp-`;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^([0-9]+)(?:-[a-z]+)?$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      rmSync(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (permissions): leave it.
    }
  }
  return removed;
}

/** What a lock file holds. */
interface LockInfo {
  host: string;
  pid: number;
  started: string;
}

/** A held advisory lock; `release()` removes its file (idempotent). */
export interface Lock {
  readonly path: string;
  release(): void;
}

/**
 * Take the advisory lock `TARGET.lock` for writing a persistent output (an index file, a dataset
 * folder). The lock file names the host and PID of its holder and is created atomically (written
 * in full under a temporary name, then hard-linked into place), so a reader never sees half of
 * it. A lock is stale only when it was taken on this host by a PID that is gone; then it is
 * replaced. Otherwise a second writer fails at once with a `DataError` naming the holder.
 * The lock is removed on `release()`, on exit and on SIGINT/SIGTERM/SIGHUP.
 */
export function acquireLock(target: string, what = target): Lock {
  const lockPath = `${target}.lock`;
  const me: LockInfo = { host: hostname(), pid: process.pid, started: new Date().toISOString() };
  const tmp = tempPathFor(lockPath);
  // Tracked before it exists (and the lock before the temporary is untracked): a signal that
  // arrives while no handler is installed ends the process at once and would leave them.
  trackTemp(tmp);
  try {
    try {
      writeFileSync(tmp, `${JSON.stringify(me)}\n`);
    } catch (e) {
      throw new DataError(`cannot create the lock file ${lockPath}: ${systemReason(e)}`, undefined, 'check that the folder exists and is writable');
    }
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, lockPath);
        trackTemp(lockPath);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataError(`cannot create the lock file ${lockPath}: ${systemReason(e)}`);
      }
      const holder = readLock(lockPath);
      if (attempt === 0 && holder && holder.host === me.host && !pidAlive(holder.pid)) {
        try {
          unlinkSync(lockPath);
        } catch {
          // Someone else removed it first; try again.
        }
        continue;
      }
      const who = holder ? `PID ${holder.pid} on host ${holder.host}, since ${holder.started}` : 'another run';
      throw new DataError(
        `${what} is being written by another run (${who}; lock file ${lockPath})`,
        undefined,
        holder && holder.host !== me.host ? `wait for that run to finish; if it is gone, remove ${lockPath}` : 'wait for that run to finish, or write to another place',
      );
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
    untrackTemp(tmp);
  }
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      try {
        unlinkSync(lockPath);
      } catch {}
      untrackTemp(lockPath);
    },
  };
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    if (typeof v.host === 'string' && typeof v.pid === 'number') return v;
  } catch {}
  return undefined;
}
