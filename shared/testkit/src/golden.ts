// Golden cases (a folder per case: args, input, expected output) and NDJSON fixtures.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertCounts } from './counts.js';
import { tmpDir } from './paths.js';
import { type Main, runInProcess, splitArgs } from './run.js';

/**
 * Golden cases (Miller's layout, descriptive names): each folder under `casesDir` holds
 * - `args`: the command line (without the tool name); `{case}` is the case folder, `{tmp}` a fresh temp folder;
 * - `in.ndjson` (optional): standard input;
 * - `out.ndjson`, `err.txt`: expected stdout and stderr; `exit` (optional, default 0);
 * - `expect.<name>` (optional): expected content of `{tmp}/<name>` (side files such as --dups, --rejects).
 * `UPDATE_GOLDEN=1` rewrites the expectations from the actual run; review the diff like code.
 */
export function goldenCases(casesDir: string): { name: string; run: (main: Main) => Promise<void> }[] {
  // A missing folder is a broken test, not zero cases.
  if (!existsSync(casesDir)) throw new Error(`testkit: golden cases folder ${casesDir} does not exist`);
  return readdirSync(casesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      run: async (main: Main) => {
        const dir = join(casesDir, name);
        const tmp = tmpDir();
        const sub = (s: string) => s.replaceAll('{case}', dir).replaceAll('{tmp}', tmp);
        const argv = splitArgs(readFileSync(join(dir, 'args'), 'utf8').trim()).map(sub);
        const stdin = existsSync(join(dir, 'in.ndjson')) ? readFileSync(join(dir, 'in.ndjson')) : undefined;
        const r = await runInProcess(main, argv, { stdin });
        const scrub = (t: string) => t.replaceAll(tmp, '{tmp}').replaceAll(dir, '{case}');
        const stderr = scrub(r.stderr);
        r.stdout = scrub(r.stdout);
        const update = process.env.UPDATE_GOLDEN === '1';
        const expectFiles = readdirSync(dir).filter((f) => f.startsWith('expect.'));
        if (update) {
          writeFileSync(join(dir, 'out.ndjson'), r.stdout);
          writeFileSync(join(dir, 'err.txt'), stderr);
          if (r.code !== 0) writeFileSync(join(dir, 'exit'), `${r.code}\n`);
          for (const f of expectFiles) {
            const actual = join(tmp, f.slice('expect.'.length));
            writeFileSync(join(dir, f), existsSync(actual) ? scrub(readFileSync(actual, 'utf8')) : '');
          }
          return;
        }
        const exit = existsSync(join(dir, 'exit')) ? Number(readFileSync(join(dir, 'exit'), 'utf8').trim()) : 0;
        assert.equal(r.code, exit, `exit code; stderr: ${r.stderr}`);
        assert.equal(r.stdout, readFileSync(join(dir, 'out.ndjson'), 'utf8'), 'stdout');
        assert.equal(stderr, readFileSync(join(dir, 'err.txt'), 'utf8'), 'stderr');
        // Every summary line keeps the one counting identity.
        const tool = /^(.+?): read \d+, wrote /m.exec(r.stderr)?.[1];
        if (tool) assertCounts(tool, { stderr: r.stderr });
        for (const f of expectFiles) {
          const actual = join(tmp, f.slice('expect.'.length));
          assert.ok(existsSync(actual), `${f}: ${actual} was not written`);
          assert.equal(scrub(readFileSync(actual, 'utf8')), readFileSync(join(dir, f), 'utf8'), f);
        }
      },
    }));
}

/** Write `rows` as NDJSON into `dir/name` and return the path. */
export function writeNdjson(dir: string, name: string, rows: readonly unknown[]): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return p;
}

/** Parse NDJSON text into values. */
export function parseNdjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}
