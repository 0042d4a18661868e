// The core API (issue 15): runRedactPii called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '@ldt/errors';
import { main, type RedactPiiRunOptions, runRedactPii } from '@ldt/redact-pii';
import { parseNdjson, repoRoot, runCore, runInProcess, tmpDir } from '@ldt/testkit';

const input = join(repoRoot(), 'examples', 'redact-pii.ndjson');
const base: RedactPiiRunOptions = { mode: 'redact', placeholder: '<{type}>', pseudonymize: false, privateIps: false, threads: 1 };

test('runRedactPii: redacts findings as the CLI does, byte for byte; counts in the notes', async () => {
  const r = await runCore('redact-pii', [input], (ctx) => runRedactPii(base, ctx));
  const cli = await runInProcess(main, [input]);
  assert.equal(cli.code, 0);
  assert.equal(r.stdout, cli.stdout);
  const first = parseNdjson(r.stdout)[0] as { messages: { content: string }[]; meta: { pii_status: string } };
  assert.match(first.messages[0].content, /My email is <EMAIL> and my phone is <PHONE>\./);
  assert.equal(first.meta.pii_status, 'redacted');
});

test('runRedactPii: drop mode leaves rows with findings out and writes them to `dropped`', async () => {
  const dir = tmpDir();
  const dropped = join(dir, 'dropped.ndjson');
  const r = await runCore('redact-pii', [input], (ctx) => runRedactPii({ ...base, mode: 'drop', types: ['EMAIL,PHONE'], dropped }, ctx));
  const n = r.ctx.report.dropped.get('pii') ?? 0;
  assert.ok(n > 0);
  assert.equal(readFileSync(dropped, 'utf8').trimEnd().split('\n').length, n);
  for (const row of parseNdjson(r.stdout)) assert.equal((row.meta as { pii_status: string }).pii_status, 'clean');
});

test('runRedactPii: an unknown type is a UsageError', async () => {
  await assert.rejects(
    runCore('redact-pii', [input], (ctx) => runRedactPii({ ...base, types: ['EMAIL,NOPE'] }, ctx)),
    (e: unknown) => e instanceof UsageError && /--types: unknown type "NOPE"/.test(e.message),
  );
});
