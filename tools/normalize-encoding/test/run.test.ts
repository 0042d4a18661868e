// The core API (issue 15): runNormalizeEncoding called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_FIX_OPTIONS, main, runNormalizeEncoding } from '@ldt/normalize-encoding';
import { repoRoot, runCore, runInProcess } from '@ldt/testkit';

test('runNormalizeEncoding: repairs mojibake and counts the fixes, byte-identical to the CLI', async () => {
  const input = join(repoRoot(), 'examples', 'normalize-encoding-mojibake.ndjson');
  const r = await runCore('normalize-encoding', [input], (ctx) => runNormalizeEncoding({ fix: DEFAULT_FIX_OPTIONS, explain: false }, ctx));
  const cli = await runInProcess(main, [input]);
  assert.equal(cli.code, 0);
  assert.equal(r.stdout, cli.stdout);
  const changed = r.ctx.report.notes.rows_changed as number;
  assert.ok(changed > 0, 'the example file has mojibake to repair');
  assert.ok(((r.ctx.report.notes.fixes as Record<string, number>)['mojibake:windows-1252'] ?? 0) > 0);
  assert.match(cli.stderr, new RegExp(`changed ${changed} rows`));
});

test('runNormalizeEncoding: decodes --input-encoding and fixes only the given fields', async () => {
  const input = join(repoRoot(), 'examples', 'normalize-encoding-windows-1252.ndjson');
  const r = await runCore('normalize-encoding', [input], (ctx) =>
    runNormalizeEncoding({ fix: DEFAULT_FIX_OPTIONS, explain: true, inputEncoding: 'windows-1252', fields: ['text'] }, ctx),
  );
  const cli = await runInProcess(main, ['--input-encoding', 'windows-1252', '--explain', '--fields', 'text', input]);
  assert.equal(cli.code, 0);
  assert.equal(r.stdout, cli.stdout);
  assert.equal(r.ctx.report.notes.input_encoding, 'windows-1252');
});
