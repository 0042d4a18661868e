// Where tests find the repository, the shared data sets and fresh temp folders.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding pnpm-workspace.yaml). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('testkit: cannot find the repository root');
    dir = up;
  }
  return dir;
}

/**
 * A file under ../shared/data (the real public datasets beside the repository), or undefined when
 * that folder is absent (a clone without it): checks over it skip, saying so. CI always has it, so
 * with CI=true a missing file throws and the test fails.
 */
export function sharedData(rel: string): string | undefined {
  const p = resolve(repoRoot(), '..', 'shared', 'data', rel);
  if (existsSync(p)) return p;
  // CI always has ../shared/data: there a missing file fails the test instead of skipping it.
  if (process.env.CI === 'true') throw new Error(`testkit: CI=true and ${p} is missing: the tests over ../shared/data are mandatory in CI`);
  return undefined;
}

const made: string[] = [];

/** Removes every folder tmpDir made in this process (a test file), unless LDT_KEEP_TMP=1 asks to keep them for a look. */
function removeMade(): void {
  if (process.env.LDT_KEEP_TMP === '1') return;
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * A fresh temporary directory, removed with everything in it when the test process exits (set
 * LDT_KEEP_TMP=1 to keep them). A suite run used to leave ~1,700 folders in /tmp.
 */
export function tmpDir(prefix = 'ldt-test-'): string {
  if (made.length === 0) process.once('exit', removeMade);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
