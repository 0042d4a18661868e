// The core API (issue 15): manifest's commands called as a library caller would, without argv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError, UsageError } from '@ldt/errors';
import { main, runBuild, runCat, runShow, runVerify } from '@ldt/manifest';
import { parseNdjson, runCore, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';

const rows = [
  {
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ],
    meta: { split: 'train' },
  },
  { text: 'a plain document', meta: { split: 'test' } },
  {
    messages: [
      { role: 'user', content: '2+2?' },
      { role: 'assistant', content: '4' },
    ],
    meta: { split: 'train' },
  },
];

const buildOpts = (outDir: string, files: string[]) => ({
  outDir,
  files,
  partitionBy: ['meta.split'],
  shardBytes: 256e6,
  compress: 'none' as const,
  croissant: false,
  require: [],
  statsFrom: [],
  argv: ['build', '-o', 'DIR', 'in.ndjson'],
  version: '0',
});

test('runBuild, runVerify, runCat, runShow: the dataset the CLI builds, verified and read back', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', rows);
  const out = join(dir, 'ds');
  const b = await runCore('manifest', [], (ctx) => runBuild(buildOpts(out, [input]), ctx));
  assert.equal(b.ctx.report.written, 3);
  assert.match(String(b.ctx.report.notes.dataset_id), /^sha256:[0-9a-f]{64}$/);
  const cli = join(dir, 'cli');
  const c = await runInProcess(main, ['build', '-o', cli, '--partition-by', 'meta.split', input]);
  assert.equal(c.code, 0, c.stderr);
  const id = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')).dataset_id;
  assert.equal(id(out), id(cli), 'the same rows give the same dataset id through the core and the CLI');
  await runCore('manifest', [], (ctx) => runVerify(out, ctx));
  const cat = await runCore('manifest', [], (ctx) => runCat(out, ['split=train'], ctx));
  assert.deepEqual(
    parseNdjson(cat.stdout).map((r) => (r.messages as { content: string }[])[1].content),
    ['hello', '4'],
  );
  const show = await runCore('manifest', [], (ctx) => runShow({ files: [out], json: true, streamOnly: [] }, ctx));
  assert.equal(JSON.parse(show.stdout).totals.rows, 3);
});

test('the cores refuse what the CLI refuses: no --out-dir, a folder with stream-only options, a tampered shard', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', rows);
  await assert.rejects(
    runCore('manifest', [], (ctx) => runBuild({ ...buildOpts('', [input]), outDir: undefined }, ctx)),
    (e: unknown) => e instanceof UsageError && /needs --out-dir/.test(e.message),
  );
  const out = join(dir, 'ds');
  await runCore('manifest', [], (ctx) => runBuild(buildOpts(out, [input]), ctx));
  await assert.rejects(
    runCore('manifest', [], (ctx) => runShow({ files: [out], json: false, streamOnly: ['tokenizer'] }, ctx)),
    (e: unknown) => e instanceof UsageError && /does not take --tokenizer/.test(e.message),
  );
  const { writeFileSync, readdirSync } = await import('node:fs');
  const part = join(out, 'split=train');
  const shard = join(part, readdirSync(part)[0]);
  writeFileSync(shard, readFileSync(shard, 'utf8').replace('hello', 'HELLO'));
  await assert.rejects(
    runCore('manifest', [], (ctx) => runVerify(out, ctx)),
    (e: unknown) => e instanceof DataError && /verify failed/.test(e.message),
  );
});
