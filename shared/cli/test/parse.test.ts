// argv → options, as a table (changesets packages/cli/src/cli.test.ts): every row is one command
// line a user could type and what the tool must see, or the one-line usage error it must print.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, parseSize, wantsHelpOrVersion } from '@ldt/cli';
import { UsageError } from '@ldt/errors';
import { spec } from './fake-tool.js';

/** What `fake-tool` with no arguments must see: every default from the table, in one place. */
const DEFAULTS = {
  seed: 42,
  limit: undefined,
  ratio: 0.1,
  offset: undefined,
  size: 268435456,
  mode: 'exact',
  key: undefined,
  'group-by': undefined,
  against: undefined,
  label: 'run',
  dups: undefined,
  shuffle: true,
  'keep-going': false,
  rejects: undefined,
  'max-rejects': undefined,
  stats: undefined,
  quiet: false,
  help: undefined,
  version: undefined,
};

test('no arguments: every option gets its default from the table, input is stdin', async () => {
  const { options, positionals } = await parseArgs(spec, []);
  assert.deepEqual(options, DEFAULTS);
  assert.deepEqual(positionals, []);
});

/** [argv, the options that must differ from DEFAULTS, positionals]. */
const accepted: [string[], Record<string, unknown>, string[]][] = [
  // integer
  [['--seed', '7'], { seed: 7 }, []],
  [['--seed=7'], { seed: 7 }, []],
  [['--seed', '0'], { seed: 0 }, []],
  [['--seed', '4294967295'], { seed: 4294967295 }, []],
  [['--seed', '+5'], { seed: 5 }, []],
  [['--limit', '1'], { limit: 1 }, []],
  [['--limit', '1000'], { limit: 1000 }, []],
  // number
  [['--ratio', '0.25'], { ratio: 0.25 }, []],
  [['--ratio', '0'], { ratio: 0 }, []],
  [['--ratio', '1'], { ratio: 1 }, []],
  [['--ratio', '.5'], { ratio: 0.5 }, []],
  [['--offset', '-1.5'], { offset: -1.5 }, []],
  [['--offset', '1e3'], { offset: 1000 }, []],
  // size: decimal units are powers of 1000, *iB of 1024
  [['--size', '512MB'], { size: 512_000_000 }, []],
  [['--size', '1GiB'], { size: 1024 ** 3 }, []],
  [['--size', '1.5G'], { size: 1_500_000_000 }, []],
  [['--size', '64k'], { size: 64_000 }, []],
  [['--size', '4096'], { size: 4096 }, []],
  [['--size', '2mib'], { size: 2 * 1024 ** 2 }, []],
  // choice
  [['--mode', 'fast'], { mode: 'fast' }, []],
  [['--mode', 'lazy'], { mode: 'lazy' }, []],
  // paths: split on commas
  [['--key', 'messages'], { key: ['messages'] }, []],
  [['--key', 'messages,extra_info.question'], { key: ['messages', 'extra_info.question'] }, []],
  // repeatable options collect, in order; repeatable paths also split on commas
  [['--against', 'a'], { against: ['a'] }, []],
  [['--against', 'a', '--against', 'b'], { against: ['a', 'b'] }, []],
  [['--against', 'a,b'], { against: ['a,b'] }, []],
  [['--group-by', 'x,y', '--group-by', 'z'], { 'group-by': ['x', 'y', 'z'] }, []],
  // a repeated non-repeatable option: the last one wins (GNU convention)
  [['--seed', '1', '--seed', '2'], { seed: 2 }, []],
  [['--mode', 'fast', '--mode', 'lazy'], { mode: 'lazy' }, []],
  [['--label', 'a', '--label', 'b'], { label: 'b' }, []],
  [['--key', 'a,b', '--key', 'c'], { key: ['c'] }, []],
  // strings are taken as given
  [['--label', ''], { label: '' }, []],
  [['--label', 'with space'], { label: 'with space' }, []],
  // booleans and their negation
  [['--no-shuffle'], { shuffle: false }, []],
  [['--shuffle', '--no-shuffle'], { shuffle: false }, []],
  [['--no-shuffle', '--shuffle'], { shuffle: true }, []],
  [['--keep-going'], { 'keep-going': true }, []],
  [['--quiet'], { quiet: true }, []],
  [['-q'], { quiet: true }, []],
  [['-q', '-q'], { quiet: true }, []],
  [['-h'], { help: true }, []],
  [['-V'], { version: true }, []],
  [['-qh'], { quiet: true, help: true }, []],
  // common options
  [['--rejects', 'bad.ndjson'], { rejects: 'bad.ndjson' }, []],
  [['--stats', 's.json'], { stats: 's.json' }, []],
  [['--rejects', 'r', '--max-rejects', '10'], { rejects: 'r', 'max-rejects': { count: 10, text: '10' } }, []],
  [['--rejects', 'r', '--max-rejects', '0'], { rejects: 'r', 'max-rejects': { count: 0, text: '0' } }, []],
  [['--rejects', 'r', '--max-rejects=1.5%'], { rejects: 'r', 'max-rejects': { percent: 1.5, text: '1.5%' } }, []],
  // positionals: kept in order, '-' is one, '--' ends options
  [['b.ndjson', 'a.ndjson'], {}, ['b.ndjson', 'a.ndjson']],
  [['a.ndjson', '-', 'c.ndjson'], {}, ['a.ndjson', '-', 'c.ndjson']],
  [['-'], {}, ['-']],
  [['x', '--seed', '3', 'y'], { seed: 3 }, ['x', 'y']],
  [['--', '--seed', '-q', '-'], {}, ['--seed', '-q', '-']],
  [['a', '--', '--unknown'], {}, ['a', '--unknown']],
  [['--', '123'], {}, ['123']],
];

for (const [argv, changed, positionals] of accepted) {
  test(`argv ${JSON.stringify(argv)} → ${JSON.stringify(changed)} ${JSON.stringify(positionals)}`, async () => {
    const got = await parseArgs(spec, argv);
    assert.deepEqual(got.options, { ...DEFAULTS, ...changed });
    assert.deepEqual(got.positionals, positionals);
  });
}

/** [argv, the exact usage error message]. */
const rejected: [string[], string][] = [
  // integer: yargs would give NaN or a float; we say what was expected and what was found
  [['--seed', 'abc'], '--seed must be an integer; got "abc"'],
  [['--seed', '1.5'], '--seed must be an integer; got "1.5"'],
  [['--seed', '1.0'], '--seed must be an integer; got "1.0"'],
  [['--seed', '1e3'], '--seed must be an integer; got "1e3"'],
  [['--seed', ''], '--seed must be an integer; got ""'],
  [['--seed', '9007199254740993'], '--seed is out of range; got "9007199254740993"'],
  [['--seed', '-1'], '--seed must be between 0 and 4294967295; got "-1"'],
  [['--seed', '4294967296'], '--seed must be between 0 and 4294967295; got "4294967296"'],
  [['--limit', '0'], '--limit must be between 1 and 1000; got "0"'],
  [['--limit', '1001'], '--limit must be between 1 and 1000; got "1001"'],
  // number
  [['--ratio', 'half'], '--ratio must be a number; got "half"'],
  [['--ratio', 'NaN'], '--ratio must be a number; got "NaN"'],
  [['--offset', 'Infinity'], '--offset must be a number; got "Infinity"'],
  [['--offset', ' '], '--offset must be a number; got " "'],
  [['--ratio', '1.5'], '--ratio must be between 0 and 1; got "1.5"'],
  [['--ratio', '-0.1'], '--ratio must be between 0 and 1; got "-0.1"'],
  // size
  [['--size', '12XB'], '--size must be a size like 1000000, 512MB or 1GiB; got "12XB"'],
  [['--size', 'big'], '--size must be a size like 1000000, 512MB or 1GiB; got "big"'],
  [['--size', '-1MB'], '--size must be a size like 1000000, 512MB or 1GiB; got "-1MB"'],
  [['--size', '1,5G'], '--size must be a size like 1000000, 512MB or 1GiB; got "1,5G"'],
  [['--size', '100'], '--size must be at least 1024; got "100"'],
  [['--size', '1KB'], '--size must be at least 1024; got "1KB"'],
  // choice: the message lists the choices; matching is exact
  [['--mode', 'slow'], '--mode must be one of fast, exact, lazy; got "slow"'],
  [['--mode', 'FAST'], '--mode must be one of fast, exact, lazy; got "FAST"'],
  // paths
  [['--key', ''], `--key must be a list of field paths like 'messages' or 'extra_info.question'; got ""`],
  // unknown options, one or several, long or short; option names are case-sensitive
  [['--foo'], "unknown option '--foo'"],
  [['--foo=1'], "unknown option '--foo'"],
  [['--foo', '--bar'], "unknown options '--foo', '--bar'"],
  [['-x'], "unknown option '-x'"],
  [['--Seed', '1'], "unknown option '--Seed'; did you mean '--seed'?"],
  [['--no-foo'], "unknown option '--foo'"],
  [['--reject', 'x'], "unknown option '--reject'; did you mean '--rejects'?"],
  // did you mean: edit distance over the table's names (and --no-NAME), or a unique prefix
  [['--sed', '1'], "unknown option '--sed'; did you mean '--seed'?"],
  [['--lable', 'x'], "unknown option '--lable'; did you mean '--label'?"],
  [['--keep-gong'], "unknown option '--keep-gong'; did you mean '--keep-going'?"],
  [['--no-shufle'], "unknown option '--shufle'; did you mean '--shuffle'?"],
  [['--grou', 'x'], "unknown option '--grou'; did you mean '--group-by'?"],
  [['--zzzzzz'], "unknown option '--zzzzzz'"],
  // --max-rejects: N or P%, and only with --rejects
  [['--max-rejects', '5'], '--max-rejects needs --rejects FILE'],
  [['--rejects', 'r', '--max-rejects', 'x'], '--max-rejects must be a number of rows (e.g. 100) or a percentage of the rows read (e.g. 1%); got "x"'],
  [['--rejects', 'r', '--max-rejects', '-1'], '--max-rejects must be a number of rows (e.g. 100) or a percentage of the rows read (e.g. 1%); got "-1"'],
  [['--rejects', 'r', '--max-rejects', '101%'], '--max-rejects must be a number of rows (e.g. 100) or a percentage of the rows read (e.g. 1%); got "101%"'],
  // missing values: say which option and what it takes
  [['--key'], "option '--key' needs a value (PATHS)"],
  [['--key', '--quiet'], "option '--key' needs a value (PATHS)"],
  [['--seed'], "option '--seed' needs a value (N)"],
  [['--rejects'], "option '--rejects' needs a value (FILE)"],
  [['a.ndjson', '--against'], "option '--against' needs a value (FILE)"],
];

for (const [argv, message] of rejected) {
  test(`argv ${JSON.stringify(argv)} is a usage error: ${message}`, async () => {
    await assert.rejects(parseArgs(spec, argv), (e: unknown) => {
      assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
      assert.equal(e.message, message);
      return true;
    });
  });
}

test('a usage error names the first bad value even when later ones are fine', async () => {
  await assert.rejects(parseArgs(spec, ['--seed', 'x', '--ratio', '0.5']), { message: '--seed must be an integer; got "x"' });
});

test('repeatable options check every value, not only the last', async () => {
  await assert.rejects(parseArgs(spec, ['--group-by', 'a,', '--group-by', 'b']), UsageError);
});

test('a repeated non-repeatable option is checked on the value that is used (the last)', async () => {
  const { options } = await parseArgs(spec, ['--seed', 'abc', '--seed', '3']);
  assert.equal(options.seed, 3);
  await assert.rejects(parseArgs(spec, ['--seed', '3', '--seed', 'abc']), { message: '--seed must be an integer; got "abc"' });
});

test('a spec without rejects: true has no --rejects option', async () => {
  const noRejects = { ...spec, rejects: false };
  await assert.rejects(parseArgs(noRejects, ['--rejects', 'x']), { message: "unknown option '--rejects'" });
  const { options } = await parseArgs(noRejects, []);
  assert.ok(!('rejects' in options));
});

test('wantsHelpOrVersion finds -h/--help/-V/--version before --, and nothing after it', () => {
  assert.equal(wantsHelpOrVersion(['--help']), 'help');
  assert.equal(wantsHelpOrVersion(['a', '-h']), 'help');
  assert.equal(wantsHelpOrVersion(['--version']), 'version');
  assert.equal(wantsHelpOrVersion(['-V', '--help']), 'version');
  assert.equal(wantsHelpOrVersion(['--', '--help']), undefined);
  assert.equal(wantsHelpOrVersion(['--seed', '1']), undefined);
  assert.equal(wantsHelpOrVersion([]), undefined);
});

test('parseSize: plain bytes, decimal and binary units, case and spaces', () => {
  const table: [string, number][] = [
    ['0', 0],
    ['1000', 1000],
    ['1B', 1],
    ['1k', 1000],
    ['1KB', 1000],
    ['1kib', 1024],
    ['512MB', 512e6],
    ['1.5G', 1.5e9],
    ['1GiB', 1024 ** 3],
    ['2TB', 2e12],
    ['1TiB', 1024 ** 4],
    [' 10 mb ', 10e6],
    ['1.5', 1],
  ];
  for (const [s, n] of table) assert.equal(parseSize('--size', s), n, s);
});

test('parseSize: decimal fractions are exact, not off by one from binary floating point', () => {
  // 2.01 * 1e6 is 2009999.9999999998 in floating point; the size the user wrote is 2010000 bytes.
  const table: [string, number][] = [
    ['2.01MB', 2_010_000],
    ['2.03KB', 2030],
    ['4.1MB', 4_100_000],
    ['1.005KB', 1005],
    ['0.001KB', 1],
    ['2.01GB', 2_010_000_000],
    ['0.5KiB', 512],
    ['1.1GiB', Math.floor(1.1 * 1024 ** 3)],
  ];
  for (const [s, n] of table) assert.equal(parseSize('--size', s), n, s);
});

test('parseSize: anything else is a usage error naming the flag', () => {
  for (const s of ['', 'MB', '1 2MB', '1e6', '-5', '1.MB', '.5MB', '5 PB', '0x10']) {
    assert.throws(() => parseSize('--buffer', s), { name: 'UsageError', message: `--buffer must be a size like 1000000, 512MB or 1GiB; got ${JSON.stringify(s)}` }, s);
  }
});

test('a negatable value option: --no-NAME gives false, NAME and --no-NAME together are a usage error', async () => {
  const neg = {
    ...spec,
    options: [{ name: 'registry', type: 'string' as const, arg: 'FILE', negatable: true, describe: 'A file; --no-registry turns it off.' }],
  };
  assert.equal((await parseArgs(neg, ['--registry', 'r.yaml'])).options.registry, 'r.yaml');
  assert.equal((await parseArgs(neg, ['--no-registry'])).options.registry, false);
  assert.equal((await parseArgs(neg, [])).options.registry, undefined);
  await assert.rejects(
    parseArgs(neg, ['--registry', 'r.yaml', '--no-registry']),
    (e: Error) => e instanceof UsageError && /--registry and --no-registry contradict each other/.test(e.message),
  );
  // Without `negatable`, --no-NAME of a value option stays an error.
  await assert.rejects(parseArgs(spec, ['--no-seed']), (e: Error) => e instanceof UsageError && /--no-seed is not an option/.test(e.message));
});
