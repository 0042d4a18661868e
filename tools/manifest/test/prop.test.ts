// Property test (issue 13) of the manifest loader: a manifest.json edited anywhere — any value
// replaced by any JSON, keys removed, bytes changed — makes `verify`, `cat` and `show` fail with
// a clear message (or succeed where the edit changes nothing they check), never an internal error.
// FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '@ldt/manifest';
import { fcParams, runInProcess, tmpDir } from '@ldt/testkit';
import fc from 'fast-check';

const dir = tmpDir('ldt-manifest-prop-');
const input = join(dir, 'in.ndjson');
const rows = Array.from({ length: 12 }, (_, i) =>
  JSON.stringify(
    i % 2
      ? { text: `plain text row ${i}`, meta: { source: 'hf://datasets/a/b' } }
      : {
          messages: [
            { role: 'user', content: `q${i}` },
            { role: 'assistant', content: `a${i}` },
          ],
          meta: { source: 'hf://datasets/a/c' },
        },
  ),
);
writeFileSync(input, `${rows.join('\n')}\n`);
const ds = join(dir, 'ds');
const built = await runInProcess(main, ['build', '-o', ds, '--shard-rows', '5', '--partition-by', 'meta.source', input]);
assert.equal(built.code, 0, built.stderr);
const ORIGINAL = readFileSync(join(ds, 'manifest.json'), 'utf8');
const BASE = JSON.parse(ORIGINAL) as unknown;

/** Every path of a JSON value (keys and indexes), the root excluded. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    for (const [k, c] of Object.entries(v)) {
      const p = [...at, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(c, p, out);
    }
  }
  return out;
}
const ALL = paths(BASE);

function edited(edits: { path: number; value: unknown; remove: boolean }[]): unknown {
  const m = structuredClone(BASE) as Record<string | number, unknown>;
  for (const e of edits) {
    const p = ALL[e.path % ALL.length];
    let parent = m as Record<string | number, unknown> | undefined;
    for (const k of p.slice(0, -1)) parent = parent?.[k] as Record<string | number, unknown> | undefined;
    if (parent === null || typeof parent !== 'object') continue;
    const last = p[p.length - 1];
    if (e.remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = e.value;
  }
  return m;
}

async function check(text: string): Promise<void> {
  writeFileSync(join(ds, 'manifest.json'), text);
  for (const argv of [
    ['verify', ds],
    ['cat', ds],
    ['show', ds],
  ]) {
    const r = await runInProcess(main, argv);
    assert.doesNotMatch(r.stderr, /internal error|This is a bug/, `${argv[0]}: ${r.stderr}`);
    assert.ok([0, 1, 2].includes(r.code), `${argv[0]}: exit ${r.code}`);
    if (r.code !== 0) assert.match(r.stderr, /^manifest( \w+)?: /, `${argv[0]}: a message of the tool: ${r.stderr}`);
  }
}

test('manifest loader: any value of manifest.json replaced by any JSON, or removed: a clear error, never an internal one', async () => {
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-1, 0, 1e300, 2 ** 53 + 1, '', '../x', '/etc/hostname', 'a/../../b', null, [], {}));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.record({ path: fc.nat(), value, remove: fc.boolean() }), { minLength: 1, maxLength: 3 }), async (edits) => {
      await check(JSON.stringify(edited(edits), null, 2));
    }),
    fcParams('manifest.json values', 60),
  );
});

test('manifest loader: bytes of manifest.json changed, cut or added: a clear error, never an internal one', async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat(), fc.string({ maxLength: 6, unit: 'binary' }), fc.boolean(), async (at, s, cut) => {
      const i = at % ORIGINAL.length;
      await check(cut ? ORIGINAL.slice(0, i) : `${ORIGINAL.slice(0, i)}${s}${ORIGINAL.slice(i + s.length)}`);
    }),
    fcParams('manifest.json bytes', 40),
  );
});
