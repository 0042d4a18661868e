// The core API (issue 15): runToChatml called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '@ldt/errors';
import { parseNdjson, repoRoot, runCore, runInProcess, tmpDir } from '@ldt/testkit';
import { main, runToChatml, type ToChatmlRunOptions } from '@ldt/to-chatml';

const base: ToChatmlRunOptions = { role: [], mergeConsecutive: false, dropExtra: false, inputFormat: 'auto' };

test('runToChatml: a custom shape through --map and --role, byte-identical to the CLI', async () => {
  const input = join(repoRoot(), 'examples', 'to-chatml-custom.ndjson');
  const opts = { ...base, map: ['messages=dialog,role=speaker,content=utterance'], role: ['bot=assistant', 'person=user'] };
  const r = await runCore('to-chatml', [input], (ctx) => runToChatml(opts, ctx));
  const rows = parseNdjson(r.stdout);
  assert.ok(rows.length > 0);
  const first = rows[0].messages as { role: string; content: string }[];
  assert.deepEqual(first[0], { role: 'user', content: 'Who are you?' });
  assert.equal(first[1].role, 'assistant');
  assert.deepEqual(r.ctx.report.notes.formats, { custom: rows.length });
  const cli = await runInProcess(main, ['--map', 'messages=dialog,role=speaker,content=utterance', '--role', 'bot=assistant', '--role', 'person=user', input]);
  assert.equal(r.stdout, cli.stdout);
});

test('runToChatml: rejects go to the rejects file and their reasons to rejectReasons', async () => {
  const dir = tmpDir();
  const input = join(repoRoot(), 'examples', 'to-chatml-bad.ndjson');
  const rejects = join(dir, 'rejects.ndjson');
  const reasons = join(dir, 'reasons.ndjson');
  const r = await runCore('to-chatml', [input], (ctx) => runToChatml({ ...base, rejectReasons: reasons }, ctx), { rejects });
  const rejected = r.ctx.report.rejectedTotal;
  assert.ok(rejected > 0, 'the example has bad rows');
  assert.equal(readFileSync(rejects, 'utf8').trimEnd().split('\n').length, rejected);
  const why = parseNdjson(readFileSync(reasons, 'utf8'));
  assert.equal(why.length, rejected);
  assert.equal(why[0].file, input);
  assert.equal(r.ctx.report.counts.lines - r.ctx.report.counts.blank, r.ctx.report.written + rejected);
});

test('runToChatml: rejectReasons without a rejects sink is a UsageError', async () => {
  const input = join(repoRoot(), 'examples', 'to-chatml-custom.ndjson');
  await assert.rejects(
    runCore('to-chatml', [input], (ctx) => runToChatml({ ...base, rejectReasons: '/tmp/never-written' }, ctx)),
    (e: unknown) => e instanceof UsageError && /--reject-reasons needs --rejects/.test(e.message),
  );
});
