// runTool end to end on in-memory streams: what a user sees on stdout and stderr, the exit code,
// and which files exist afterwards. Success, help and version here; errors in run-errors.test.ts,
// --stats, side files and progress in run-files.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Handler } from '@ldt/cli';
import { copyHandler, ownOptionNames, runFake } from './fake-tool.js';
import { file, mustNotRun, ROWS } from './run-helpers.js';

// --- success ---------------------------------------------------------------------------------

test('copies stdin to stdout, exit 0, one summary line on stderr', async () => {
  const r = await runFake([], { stdin: ROWS });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, ROWS);
  assert.equal(r.stderr, 'fake-tool: read 3, wrote 3, dropped 0\n');
});

test('reads files and - in the order given', async () => {
  const a = file('a.ndjson', '{"f":"a"}\n');
  const b = file('b.ndjson', '{"f":"b"}\n{"f":"b2"}'); // no newline at the end
  const r = await runFake([b, '-', a], { stdin: '{"f":"stdin"}\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '{"f":"b"}\n{"f":"b2"}\n{"f":"stdin"}\n{"f":"a"}\n');
  assert.equal(r.stderr, 'fake-tool: read 4, wrote 4, dropped 0\n');
});

test('the handler gets the inputs as given, and - when there are none', async () => {
  const seen: string[][] = [];
  const record: Handler = async (_o, ctx) => {
    seen.push(ctx.inputs);
  };
  await runFake(['-q'], { handler: record });
  await runFake(['-q', 'b', '-', 'a'], { handler: record });
  await runFake(['-q', '--', '--x'], { handler: record });
  assert.deepEqual(seen, [['-'], ['b', '-', 'a'], ['--x']]);
});

test('the handler gets the converted options', async () => {
  let got: Record<string, unknown> | undefined;
  const record: Handler = async (o) => {
    got = o;
  };
  await runFake(['-q', '--seed', '9', '--size', '1KiB', '--against', 'r1', '--against', 'r2', '--no-shuffle'], { handler: record });
  assert.equal(got?.seed, 9);
  assert.equal(got?.size, 1024);
  assert.deepEqual(got?.against, ['r1', 'r2']);
  assert.equal(got?.shuffle, false);
  assert.equal(got?.mode, 'exact');
});

test('the summary counts blank lines, and drops by reason in byte order', async () => {
  const dropSome: Handler = async (_o, ctx) => {
    ctx.report.drop('too_short');
    ctx.report.drop('duplicate');
    ctx.report.drop('too_short');
    await copyHandler(_o, ctx);
    ctx.report.written -= 3;
  };
  const r = await runFake([], { stdin: '{"a":1}\n\n{"b":2}\n   \n{"c":3}\n', handler: dropSome });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, 'fake-tool: read 3, wrote 0, dropped 3 (duplicate 1, too_short 2), skipped 2 blank lines\n');
});

test('summaryExtra is appended to the summary line', async () => {
  const extra: Handler = async (o, ctx) => {
    await copyHandler(o, ctx);
    ctx.summaryExtra.push('saved 3 keys to x.idx', 'table 1 KiB');
  };
  const r = await runFake([], { stdin: ROWS, handler: extra });
  assert.equal(r.stderr, 'fake-tool: read 3, wrote 3, dropped 0; saved 3 keys to x.idx; table 1 KiB\n');
});

test('--quiet and -q print no summary; stdout is unchanged', async () => {
  for (const flag of ['--quiet', '-q']) {
    const r = await runFake([flag], { stdin: ROWS });
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout, ROWS, flag);
    assert.equal(r.stderr, '', flag);
  }
});

test('warnings go to stderr as "tool: warning: …", even with --quiet', async () => {
  const warns: Handler = async (o, ctx) => {
    ctx.warn('field "text" is empty in 2 rows');
    await copyHandler(o, ctx);
  };
  const r = await runFake(['--quiet'], { stdin: ROWS, handler: warns });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, ROWS);
  assert.equal(r.stderr, 'fake-tool: warning: field "text" is empty in 2 rows\n');
});

// --- help and version ------------------------------------------------------------------------

test('--help and -h: help on stdout with every section and option, exit 0, nothing on stderr', async () => {
  for (const flag of ['--help', '-h']) {
    const r = await runFake([flag], { handler: mustNotRun });
    assert.equal(r.code, 0, flag);
    assert.equal(r.stderr, '', flag);
    assert.ok(r.stdout.startsWith('fake-tool 1.2.3 — '), flag);
    for (const section of ['Usage:', 'Examples:', 'Exit status:', 'See also:']) assert.ok(r.stdout.includes(`\n${section}`), `${flag}: ${section}`);
    for (const name of [...ownOptionNames, 'rejects', 'stats', 'quiet', 'help', 'version']) {
      assert.match(r.stdout, new RegExp(`--${name}\\b`), `${flag}: --${name}`);
    }
    assert.ok(r.stdout.endsWith('\n') && !r.stdout.endsWith('\n\n'), 'help ends with exactly one newline');
  }
});

test('--help wins over bad options and inputs given with it', async () => {
  const r = await runFake(['--seed', 'abc', '--foo', 'missing.ndjson', '--help'], { handler: mustNotRun });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage:$/m);
  assert.equal(r.stderr, '');
});

test('-h grouped with other short flags (-qh) still prints help', async () => {
  const r = await runFake(['-qh'], { handler: mustNotRun });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage:$/m);
  assert.equal(r.stderr, '');
});

test('--version and -V print "fake-tool 1.2.3" on stdout, exit 0', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runFake([flag], { handler: mustNotRun });
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout, 'fake-tool 1.2.3\n', flag);
    assert.equal(r.stderr, '', flag);
  }
  const grouped = await runFake(['-qV'], { handler: mustNotRun });
  assert.equal(grouped.stdout, 'fake-tool 1.2.3\n');
});

test('after --, --help is a file name, not a request for help', async () => {
  const r = await runFake(['--', '--help'], { handler: copyHandler });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'fake-tool: cannot read --help: no such file\n');
});
