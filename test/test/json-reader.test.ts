// hf-fetch and to-chatml read .json/.jsonl files with one reader (@ldt/ndjson readJsonInput):
// for every JSON/JSONL file in ../shared/data, `hf-fetch FILE | to-chatml` gives the rows of
// `to-chatml FILE` once `meta` is removed (issue 23, item 3).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { main as hfFetch } from '@ldt/hf-fetch';
import { repoRoot, runInProcess, tmpDir } from '@ldt/testkit';
import { main as toChatml } from '@ldt/to-chatml';

const DATA = resolve(repoRoot(), '..', 'shared', 'data');

function walk(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.jsonl?$/.test(e) && e !== 'PROVENANCE.jsonl') out.push(p);
  }
  return out;
}

/** Rows without `meta`, as JSON with sorted keys (to-chatml keeps an OpenAI row's key order as read). */
function withoutMeta(text: string): string[] {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const { meta: _m, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(sorted(rest));
    });
}

test('hf-fetch FILE | to-chatml and to-chatml FILE give the same rows for every JSON/JSONL file of ../shared/data', async (t) => {
  if (!existsSync(DATA)) {
    if (process.env.CI === 'true') assert.fail(`${DATA} is absent (CI=true: the shared data must be there)`);
    t.skip(`${DATA} is absent`);
    return;
  }
  const files = walk(DATA, []);
  assert.ok(files.length >= 25, `found ${files.length} files`);
  const dir = tmpDir();
  for (const f of files) {
    const name = relative(DATA, f);
    const fetched = await runInProcess(hfFetch, ['-q', f]);
    assert.equal(fetched.code, 0, `${name}: ${fetched.stderr}`);
    const a = await runInProcess(toChatml, ['-q', '--rejects', join(dir, 'a.rej'), '-'], { stdin: fetched.stdout });
    assert.equal(a.code, 0, `${name}: ${a.stderr}`);
    const b = await runInProcess(toChatml, ['-q', '--rejects', join(dir, 'b.rej'), f]);
    assert.equal(b.code, 0, `${name}: ${b.stderr}`);
    const viaFetch = withoutMeta(a.stdout);
    const direct = withoutMeta(b.stdout);
    assert.equal(viaFetch.length, direct.length, `${name}: ${viaFetch.length} rows through hf-fetch, ${direct.length} directly`);
    assert.deepEqual(viaFetch, direct, name);
    const rejA = readFileSync(join(dir, 'a.rej'), 'utf8').split('\n').filter(Boolean).length;
    const rejB = readFileSync(join(dir, 'b.rej'), 'utf8').split('\n').filter(Boolean).length;
    assert.equal(rejA, rejB, `${name}: rejects`);
  }
});
