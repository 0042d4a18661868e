// runTool end to end: --stats, side files (--rejects, --dups, temporaries) and progress.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Handler } from '@ldt/cli';
import { DataError } from '@ldt/errors';
import { BrokenPipeError } from '@ldt/ndjson';
import { copyHandler, copyThenThrow, runFake } from './fake-tool.js';
import { dir, escapeRegExp, keysOf, leftovers, ROWS, sleep, temporaries, tmp } from './run-helpers.js';

// --- --stats -----------------------------------------------------------------------------------

test('--stats FILE: JSON with tool, version, argv and the counts, and no timings', async () => {
  const stats = tmp('stats.json');
  const rej = tmp('rej.ndjson');
  const argv = ['--stats', stats, '--rejects', rej, '--seed', '7'];
  const r = await runFake(argv, { stdin: '{"a":1}\n[]\n\n{"b":2}\n' });
  assert.equal(r.code, 0);
  const text = readFileSync(stats, 'utf8');
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(JSON.parse(text), {
    tool: 'fake-tool',
    version: '1.2.3',
    argv,
    seed: 7,
    inputs: ['-'],
    read: 3,
    written: 2,
    dropped: {},
    dropped_total: 0,
    rejected: { not_object: 1 },
    rejected_total: 1,
    blank_lines: 1,
  });
  for (const k of keysOf(JSON.parse(text))) assert.doesNotMatch(k, /time|elapsed|duration|secs|millis|_ms$|date|started|rate|per_s/i, `timing field ${k}`);
  assert.deepEqual(temporaries(stats), []);
});

test('--stats is byte-identical across runs, and written with --quiet too', async () => {
  const s1 = tmp('s1.json');
  const s2 = tmp('s2.json');
  const r1 = await runFake(['--stats', s1, '-q'], { stdin: ROWS });
  await sleep(5);
  const r2 = await runFake(['--stats', s2, '-q'], { stdin: ROWS });
  assert.equal(r1.stderr + r2.stderr, '');
  const t1 = readFileSync(s1, 'utf8');
  const t2 = readFileSync(s2, 'utf8');
  assert.equal(t1.replace(JSON.stringify(s1), '"S"'), t2.replace(JSON.stringify(s2), '"S"'));
  const a = JSON.parse(t1);
  assert.deepEqual(a.argv, ['--stats', s1, '-q']);
  assert.equal(a.seed, 42, 'the default seed is recorded');
  assert.equal(a.read, 3);
});

test('--stats is not written when the run fails', async () => {
  const stats = tmp('failed-stats.json');
  const r = await runFake(['--stats', stats], { stdin: '{"a":1}\n[1]\n' });
  assert.equal(r.code, 1);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.includes('failed-stats')),
    [],
  );
});

test('--stats into a missing directory: exit 1 with one line naming the file', async () => {
  const stats = join(dir, 'no-such-dir', 'stats.json');
  const r = await runFake(['--stats', stats], { stdin: ROWS });
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^fake-tool: cannot write --stats file ${escapeRegExp(stats)}: .+\n$`));
});

// --- side files ---------------------------------------------------------------------------------

test('a side file from ctx.openOutputFile is there after a successful run', async () => {
  const dups = tmp('dups.ndjson');
  const r = await runFake(['--dups', dups], { stdin: ROWS });
  assert.equal(r.code, 0);
  assert.equal(readFileSync(dups, 'utf8'), ROWS);
  assert.deepEqual(temporaries(dups), []);
});

test('side files (--dups, --rejects) are absent after a failed run, temporaries too', async () => {
  for (const failure of [new DataError('late failure'), new Error('bug')]) {
    const dups = tmp('failed-dups.ndjson');
    const rej = tmp('failed-rejects.ndjson');
    const r = await runFake(['--dups', dups, '--rejects', rej], { stdin: '{"a":1}\n[0]\n', handler: copyThenThrow(failure) });
    assert.equal(r.code, 1);
    await sleep(20); // give a late open of a temporary file the chance to show up
    assert.deepEqual(leftovers(dups), [], `${failure.message}: --dups`);
    assert.deepEqual(leftovers(rej), [], `${failure.message}: --rejects`);
  }
});

// Regression: AtomicFile.abort() used to unlink before the stream had opened its temporary,
// which the late open then left behind as FILE.tmp-PID.
test('a side file is absent when the handler fails before writing anything', async () => {
  const dups = tmp('early-fail.ndjson');
  const failsAtOnce: Handler = async (o, ctx) => {
    ctx.openOutputFile(o.dups as string);
    throw new DataError('cannot start');
  };
  const r = await runFake(['--dups', dups], { handler: failsAtOnce });
  assert.equal(r.code, 1);
  // The same race through the harness alone: --rejects is opened, then --dups fails at once.
  const same = tmp('early-same.ndjson');
  const r2 = await runFake(['--rejects', same, '--dups', same], { stdin: ROWS });
  assert.equal(r2.code, 2);
  await sleep(20);
  assert.deepEqual(leftovers(dups), []);
  assert.deepEqual(leftovers(same), []);
});

test('side files are kept when the run ends on a broken pipe', async () => {
  const dups = tmp('epipe-dups.ndjson');
  const r = await runFake(['--dups', dups], { stdin: ROWS, handler: copyThenThrow(new BrokenPipeError()) });
  assert.equal(r.code, 0);
  assert.equal(readFileSync(dups, 'utf8'), ROWS);
  assert.deepEqual(temporaries(dups), []);
});

// --- progress ------------------------------------------------------------------------------------

/** Copies, then takes long enough for the 250 ms progress timer to fire once. */
const slowCopy: Handler = async (o, ctx) => {
  await copyHandler(o, ctx);
  await sleep(320);
};
const PROGRESS = /\rfake-tool: 3 rows, 0\.0 MB, \d+\.\d MB\/s\x1b\[K/;

test('progress on a TTY stderr: drawn, erased before the summary, never on stdout', async () => {
  const r = await runFake([], { stdin: ROWS, handler: slowCopy, stderrIsTTY: true });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, ROWS);
  assert.match(r.stderr, PROGRESS);
  assert.ok(r.stderr.endsWith('\r\x1b[Kfake-tool: read 3, wrote 3, dropped 0\n'), JSON.stringify(r.stderr));
});

test('no progress when stderr is not a TTY, or with --quiet', async () => {
  const [pipe, quiet] = await Promise.all([
    runFake([], { stdin: ROWS, handler: slowCopy, stderrIsTTY: false }),
    runFake(['--quiet'], { stdin: ROWS, handler: slowCopy, stderrIsTTY: true }),
  ]);
  assert.equal(pipe.stderr, 'fake-tool: read 3, wrote 3, dropped 0\n');
  assert.equal(quiet.stderr, '');
  assert.equal(pipe.stdout, ROWS);
  assert.equal(quiet.stdout, ROWS);
});

test('progress is erased before an error message', async () => {
  const slowFail: Handler = async (o, ctx) => {
    await slowCopy(o, ctx);
    throw new DataError('late failure');
  };
  const r = await runFake([], { stdin: ROWS, handler: slowFail, stderrIsTTY: true });
  assert.equal(r.code, 1);
  assert.match(r.stderr, PROGRESS);
  assert.ok(r.stderr.endsWith('\r\x1b[Kfake-tool: late failure\n'), JSON.stringify(r.stderr));
});

test('progress on a terminal: the tool detail (e.g. files done/total) before the counts, erased at the end', async () => {
  const { Progress } = await import('@ldt/cli');
  let text = '';
  const stderr = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  let rows = 0;
  const p = new Progress('fake-tool', stderr, () => rows, true);
  p.detail = '1/3 files';
  rows = 42;
  p.bytes = 2_500_000;
  await new Promise((r) => setTimeout(r, 320));
  p.stop();
  assert.match(text, /\rfake-tool: 1\/3 files, 42 rows, 2\.5 MB, [\d.]+ MB\/s\x1b\[K/);
  assert.ok(text.endsWith('\r\x1b[K'), 'the line is erased');
  const quiet = new Progress('fake-tool', stderr, () => rows, false);
  text = '';
  await new Promise((r) => setTimeout(r, 300));
  quiet.stop();
  assert.equal(text, '', 'nothing when stderr is not a terminal');
});
