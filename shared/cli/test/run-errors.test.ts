// runTool end to end: usage errors, bad input lines, errors from the handler and broken pipes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { Handler } from '@ldt/cli';
import { DataError, InternalError, UsageError } from '@ldt/errors';
import { BrokenPipeError } from '@ldt/ndjson';
import { copyThenThrow, runFake } from './fake-tool.js';
import { dir, escapeRegExp, file, mustNotRun, ROWS, TRY, temporaries, tmp } from './run-helpers.js';

// --- usage errors: exit 2, two lines on stderr, nothing on stdout ------------------------------

const usageErrors: [string[], string][] = [
  [['--seed', 'abc'], '--seed must be an integer; got "abc"'],
  [['--ratio', '2'], '--ratio must be between 0 and 1; got "2"'],
  [['--mode', 'slow'], '--mode must be one of fast, exact, lazy; got "slow"'],
  [['--size', '1XB'], '--size must be a size like 1000000, 512MB or 1GiB; got "1XB"'],
  [['--foo'], "unknown option '--foo'"],
  [['--foo', '--bar', 'x'], "unknown options '--foo', '--bar'"],
  [['--key'], "option '--key' needs a value (PATHS)"],
  [['-', 'a.ndjson', '-'], "standard input ('-') can be given only once"],
];

for (const [argv, message] of usageErrors) {
  test(`usage error ${JSON.stringify(argv)}: exit 2, "fake-tool: ${message}" and the --help hint`, async () => {
    const r = await runFake(argv, { stdin: ROWS, handler: mustNotRun });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `fake-tool: ${message}\n${TRY}`);
  });
}

test('a UsageError thrown by the handler exits 2 with its hint between the two lines', async () => {
  const conflicting: Handler = async () => {
    throw new UsageError('--key line cannot be combined with field paths', 'use one --key');
  };
  const r = await runFake([], { handler: conflicting });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `fake-tool: --key line cannot be combined with field paths\n  hint: use one --key\n${TRY}`);
});

test('the same file for two outputs (--dups and --rejects) is a usage error', async () => {
  const same = tmp('same.ndjson');
  const r = await runFake(['--rejects', same, '--dups', same], { stdin: ROWS });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `fake-tool: ${same} is given as the output of two options\n${TRY}`);
  assert.ok(!existsSync(same), 'no output file after a usage error');
});

// --- bad input lines ---------------------------------------------------------------------------

test('a line that is not an object: exit 1, "tool: <stdin>:2: expected a JSON object, got an array"', async () => {
  const r = await runFake([], { stdin: '{"a":1}\n[1, 2]\n{"c":3}\n' });
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n');
  assert.equal(lines[0], 'fake-tool: <stdin>:2: expected a JSON object, got an array');
  assert.match(lines[1], /^ {2}hint: /);
  assert.equal(lines.length, 3, 'message, hint, and the final newline: no summary, no --help line');
  assert.ok(!r.stdout.includes('{"c":3}'), 'nothing after the bad line is written');
});

test('a bad line in a file names the file and the line, without a stack', async () => {
  const f = file('bad.ndjson', '{"a":1}\n{"b":2}\n{"c":\n');
  const r = await runFake([f]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^fake-tool: ${escapeRegExp(f)}:3: invalid JSON: .+\n`));
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
});

test('a missing input file: exit 1, one line naming it', async () => {
  const missing = join(dir, 'no-such.ndjson');
  const r = await runFake([missing]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `fake-tool: cannot read ${missing}: no such file\n`);
});

test('--rejects FILE: the bad line goes there verbatim, exit 0, the summary counts it by reason', async () => {
  const rej = tmp('rejects.ndjson');
  const r = await runFake(['--rejects', rej], { stdin: '{"a":1}\n[1,  2 ]\n{"c":3}\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '{"a":1}\n{"c":3}\n');
  assert.equal(r.stderr, 'fake-tool: read 3, wrote 2, dropped 0, rejected 1 (not_object 1)\n');
  assert.equal(readFileSync(rej, 'utf8'), '[1,  2 ]\n');
  assert.deepEqual(temporaries(rej), [], 'no temporary files left next to it');
});

test('--rejects FILE counts each reason separately and keeps input order', async () => {
  const rej = tmp('rejects2.ndjson');
  const r = await runFake(['--rejects', rej], { stdin: '{"x":\n{"a":1}\n"str"\n{"b":2}\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, 'fake-tool: read 4, wrote 2, dropped 0, rejected 2 (bad_json 1, not_object 1)\n');
  assert.equal(readFileSync(rej, 'utf8'), '{"x":\n"str"\n');
});

test('--rejects FILE with no bad lines leaves an empty file', async () => {
  const rej = tmp('rejects-empty.ndjson');
  const r = await runFake(['--rejects', rej], { stdin: ROWS });
  assert.equal(r.code, 0);
  assert.equal(readFileSync(rej, 'utf8'), '');
});

// --- errors from the handler -------------------------------------------------------------------

test('a plain Error from the handler is an internal error: exit 1, stack, and a request to report it', async () => {
  const r = await runFake([], { stdin: ROWS, handler: copyThenThrow(new Error('boom')) });
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n');
  assert.equal(lines[0], 'fake-tool: internal error: boom');
  assert.ok(
    lines.some((l) => /^ {4}at /.test(l)),
    'a stack trace',
  );
  assert.match(r.stderr, /please report it/);
  assert.ok(!r.stderr.includes('read 3'), 'no summary line after a failure');
});

test('an InternalError is reported the same way', async () => {
  const r = await runFake([], { handler: copyThenThrow(new InternalError('index out of sync')) });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^fake-tool: internal error: index out of sync\n/);
  assert.match(r.stderr, /please report it/);
});

test('a DataError from the handler: exit 1, position and hint, no stack unless LDT_DEBUG=1', async () => {
  const err = new DataError('field "text" is missing', { file: 'in.ndjson', line: 7 }, 'use --text-field');
  const r = await runFake([], { handler: copyThenThrow(err) });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'fake-tool: in.ndjson:7: field "text" is missing\n  hint: use --text-field\n');
  const dbg = await runFake([], { handler: copyThenThrow(err), env: { LDT_DEBUG: '1' } });
  assert.equal(dbg.code, 1);
  assert.ok(dbg.stderr.startsWith('fake-tool: in.ndjson:7: field "text" is missing\n  hint: use --text-field\nDataError: '));
  assert.match(dbg.stderr, /^ {4}at /m);
});

test('a system error (ENOENT from fs) is one line, no stack, exit 1', async () => {
  const missing = join(dir, 'missing-index.bin');
  const readsMissing: Handler = async () => {
    await readFile(missing);
  };
  const r = await runFake([], { handler: readsMissing });
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `fake-tool: ENOENT: no such file or directory, open '${missing}'\n`);
});

// --- broken pipe -------------------------------------------------------------------------------

test('BrokenPipeError from the handler: exit 0, nothing on stderr', async () => {
  const r = await runFake([], { stdin: ROWS, handler: copyThenThrow(new BrokenPipeError()) });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
});

test('EPIPE writing stdout (the reader went away): exit 0, nothing on stderr', async () => {
  const closedPipe = new Writable({
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }));
    },
  });
  const r = await runFake([], { stdin: ROWS, stdout: closedPipe });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
});

test('stdout destroyed by its reader: exit 0, nothing on stderr', async () => {
  const gone = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  gone.destroy();
  const r = await runFake([], { stdin: ROWS, stdout: gone });
  assert.equal(r.code, 0);
  assert.equal(r.stderr, '');
});
