import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, tmpDir } from '@ldt/testkit';
import { main, parseMap, parseRoles, spec } from '@ldt/to-chatml';
import { assertValid } from './helpers.js';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const example = (name: string) => join(repoRoot(), 'examples', name);

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

test('golden outputs validate against configs/chatml.schema.json', () => {
  for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) {
    const out = readFileSync(join(pkgDir, 'test', 'cases', c.name, 'out.ndjson'), 'utf8');
    for (const row of parseNdjson(out)) assertValid(row);
  }
});

docTests(pkgDir, [spec]);

test('argv → options: --map and --role parsing', () => {
  assert.deepEqual(parseMap(['messages=dialog,role=speaker', 'content=utterance']), { messages: 'dialog', role: 'speaker', content: 'utterance' });
  assert.deepEqual(parseMap(['prompt=q.text,response=a']), { prompt: 'q.text', response: 'a' });
  assert.throws(() => parseMap(['role=speaker']), /needs messages=PATH/);
  assert.throws(() => parseMap(['messages']), /KEY=PATH/);
  assert.deepEqual(
    [...parseRoles(['bot=assistant', 'a=b=user'])],
    [
      ['bot', 'assistant'],
      ['a=b', 'user'],
    ],
  );
  assert.throws(() => parseRoles(['bot=robot']), /ROLE one of/);
});

test('the bin: --version, --help, usage error exit codes', () => {
  const v = runBin('to-chatml', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^to-chatml \d+\.\d+\.\d+\n$/);
  const h = runBin('to-chatml', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('to-chatml '));
  const u = runBin('to-chatml', ['--format', 'nope']);
  assert.equal(u.code, 2);
  assert.equal(u.stdout, '');
  assert.match(u.stderr, /^to-chatml: --format must be one of openai, /);
});

test('the bin: a bad row names file, line and reason, exit 1; | head -1 is quiet', () => {
  const r = runBin('to-chatml', [example('to-chatml-bad.ndjson')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^to-chatml: .*to-chatml-bad\.ndjson:2: chosen\[4\]: two assistant messages in a row \(consecutive_same_role\)\n {2}hint: use --merge-consecutive/);
  const big = join(tmpDir(), 'big.ndjson');
  const line = readFileSync(example('chat.ndjson'), 'utf8');
  writeFileSync(big, line.repeat(200));
  const h = runShell(`to-chatml ${big} | head -1`);
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stderr, '');
  assert.equal(parseNdjson(h.stdout).length, 1);
});

test('rows in = rows out + rows rejected; the rejects file holds the rejected lines verbatim', async () => {
  const dir = tmpDir();
  const inputs = ['to-chatml-mixed.ndjson', 'to-chatml-bad.ndjson', 'chat.ndjson', 'gsm8k-nested-mix.ndjson'].map(example);
  const rej = join(dir, 'rej.ndjson');
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--quiet', '--rejects', rej, '--stats', stats, ...inputs]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  const inLines = inputs.flatMap((p) =>
    readFileSync(p, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== ''),
  );
  const out = parseNdjson(r.stdout);
  const rejected = readFileSync(rej, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(s.read, inLines.length);
  assert.equal(out.length + rejected.length, inLines.length);
  assert.equal(s.written, out.length);
  assert.equal(s.rejected_total, rejected.length);
  for (const l of rejected) assert.ok(inLines.includes(l), 'rejects are verbatim input lines');
  const byFormat = Object.values(s.notes.formats as Record<string, number>).reduce((x, y) => x + y, 0);
  assert.equal(byFormat, out.length, 'rows per format add up to rows written');
  for (const row of out) assertValid(row);
});

test('same input and flags give byte-identical output and rejects, also with a small read chunk', async () => {
  const outs: string[] = [];
  const dir = tmpDir();
  for (let i = 0; i < 2; i++) {
    const r = await runInProcess(main, ['--rejects', join(dir, 'r'), example('to-chatml-mixed.ndjson'), example('to-chatml-bad.ndjson')]);
    outs.push(r.stdout + r.stderr + readFileSync(join(dir, 'r'), 'utf8'));
  }
  assert.equal(outs[0], outs[1]);
  const piped = runShell(`cat ${example('to-chatml-mixed.ndjson')} | to-chatml -q`);
  const direct = runShell(`to-chatml -q ${example('to-chatml-mixed.ndjson')}`);
  assert.equal(piped.stdout, direct.stdout);
});

test('idempotent on the examples: to-chatml | to-chatml = to-chatml', () => {
  for (const f of ['to-chatml-mixed.ndjson', 'chat.ndjson', 'gsm8k-sample.ndjson', 'gsm8k-nested-mix.ndjson']) {
    const once = runShell(`to-chatml -q ${example(f)}`);
    const twice = runShell(`to-chatml -q ${example(f)} | to-chatml -q`);
    assert.equal(once.code, 0, once.stderr);
    assert.equal(twice.stdout, once.stdout, f);
  }
});

test('messages in → the same messages out (examples/chat.ndjson)', async () => {
  const r = await runInProcess(main, ['--quiet', example('chat.ndjson')]);
  const input = parseNdjson(readFileSync(example('chat.ndjson'), 'utf8'));
  const out = parseNdjson(r.stdout);
  assert.equal(out.length, input.length);
  for (let i = 0; i < input.length; i++) {
    assert.deepEqual(out[i].messages, input[i].messages);
    assert.deepEqual(out[i].meta, { format: 'openai', extra: { id: input[i].id } });
  }
});

test('side files are not left behind when a run fails', async () => {
  const dir = tmpDir();
  const reasons = join(dir, 'reasons.ndjson');
  const r = await runInProcess(main, ['--rejects', join(dir, 'r'), '--reject-reasons', reasons, '--format', 'openai', join(dir, 'missing.ndjson')]);
  assert.equal(r.code, 1);
  assert.throws(() => readFileSync(reasons));
});
