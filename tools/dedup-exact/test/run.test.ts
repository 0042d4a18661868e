// The core API (issue 15): runDedupExact called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main, runDedupExact } from '@ldt/dedup-exact';
import { UsageError } from '@ldt/errors';
import { parseNdjson, runCore, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';

const rows = [{ text: 'a' }, { text: 'b' }, { text: ' a ' }, { text: 'b' }, { text: 'c' }];

test('runDedupExact: keeps first occurrences, counts and writes the dropped rows, as the CLI does', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', rows);
  const dups = join(dir, 'dups.ndjson');
  const r = await runCore('dedup-exact', [input], (ctx) => runDedupExact({ fields: ['text'], normalize: 'whitespace', dups, against: [], drops: [], threads: 1 }, ctx));
  assert.deepEqual(
    parseNdjson(r.stdout).map((x) => x.text),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(Object.fromEntries(r.ctx.report.dropped), { duplicate: 2 });
  assert.equal(r.ctx.report.written, 3);
  assert.deepEqual(
    parseNdjson(readFileSync(dups, 'utf8')).map((x) => x.text),
    [' a ', 'b'],
  );
  const cli = await runInProcess(main, ['--fields', 'text', '--normalize', 'whitespace', '--threads', '1', input]);
  assert.equal(r.stdout, cli.stdout);
});

test('runDedupExact: a bad combination is a UsageError from the core', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', rows);
  await assert.rejects(
    runCore('dedup-exact', [input], (ctx) => runDedupExact({ normalize: 'none', against: [], againstFields: ['q'], drops: [] }, ctx)),
    (e: unknown) => e instanceof UsageError && /--against-fields needs --against/.test(e.message),
  );
});
