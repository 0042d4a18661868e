// runTool end to end on in-memory streams: what a user sees on stdout and stderr, the exit code,
// and which files exist afterwards.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import type { Handler } from '@ldt/cli';
import { DataError, InternalError, UsageError } from '@ldt/errors';
import { BrokenPipeError } from '@ldt/ndjson';
import { copyHandler, copyThenThrow, ownOptionNames, runFake } from './fake-tool.js';

const dir = mkdtempSync(join(tmpdir(), 'ldt-cli-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A fresh path in the test's temp dir. */
const tmp = (name: string): string => join(dir, `${n++}-${name}`);
/** Write `text` to a fresh temp file and return its path. */
const file = (name: string, text: string): string => {
  const p = tmp(name);
  writeFileSync(p, text);
  return p;
};

const ROWS = '{"a":1}\n{"b":2}\n{"c":3}\n';
const TRY = "Try 'fake-tool --help' for more information.\n";

/** A handler that must not run (help, version and usage errors never reach it). */
const mustNotRun: Handler = async () => {
  throw new Error('the handler ran');
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

// --- helpers --------------------------------------------------------------------------------------

/** Files in the temp dir that start with the base name of `path` (the file itself or its temporaries). */
function leftovers(path: string): string[] {
  const base = path.slice(dir.length + 1);
  return readdirSync(dir).filter((f) => f.startsWith(base));
}

/** Every key of a JSON value, at any depth. */
function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
  return [];
}

/** Like `leftovers`, without the file itself. */
function temporaries(path: string): string[] {
  return leftovers(path).filter((f) => join(dir, f) !== path);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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
