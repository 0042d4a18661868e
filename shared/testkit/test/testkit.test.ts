import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokenTableRows, parseNdjson, splitArgs, undocumentedFlags } from '@ldt/testkit';

test('splitArgs honours quotes', () => {
  assert.deepEqual(splitArgs(`--key "a b" 'c d' e\\"f`), ['--key', 'a b', 'c d', 'e\\"f']);
});

test('parseNdjson skips the final newline', () => {
  assert.deepEqual(parseNdjson('{"a":1}\n{"b":2}\n'), [{ a: 1 }, { b: 2 }]);
});

test('undocumentedFlags lists flags a README does not mention', () => {
  assert.deepEqual(undocumentedFlags('use --key and --dups', ['key', 'dups', 'against']), ['against']);
});

test('brokenTableRows: an unescaped | inside a code span splits a cell; \\| does not; fenced code is not a table', () => {
  const md = [
    '| flag | meaning |',
    '| --- | --- |',
    '| `--render chatml` | `<\\|im_start\\|>role` |',
    '| `--render chatml` | `<|im_start|>role` |',
    '',
    '```',
    '| a | b | c |',
    '```',
  ].join('\n');
  assert.deepEqual(brokenTableRows(md), ['line 4: got 4 cells, header has 2']);
});

test('tmpDir folders are removed when the test process exits, and kept with LDT_KEEP_TMP=1', async () => {
  const { spawnSync } = await import('node:child_process');
  const { existsSync, rmSync } = await import('node:fs');
  const script = `import { writeFileSync } from 'node:fs'; import { tmpDir } from '@ldt/testkit'; const d = tmpDir('ldt-testkit-'); writeFileSync(d + '/f', 'x'); console.log(d);`;
  const run = (keep: boolean) => {
    const env = { ...process.env, LDT_KEEP_TMP: keep ? '1' : '' };
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const gone = run(false);
  assert.ok(gone.includes('ldt-testkit-'), gone);
  assert.equal(existsSync(gone), false);
  const kept = run(true);
  assert.equal(existsSync(`${kept}/f`), true);
  rmSync(kept, { recursive: true, force: true });
});
