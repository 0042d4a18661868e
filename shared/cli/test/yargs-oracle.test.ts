// parseRaw (yargs-parser plus a strict-options check) against yargs itself, the parser the CLI used
// before (issue 17: yargs cost every tool run ~40 ms of start-up). The oracle below is the former
// parseArgs' yargs set-up, verbatim; on thousands of command lines, hand-picked and random, both
// must give the same `_` and option values, or the same failure message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allOptions, defineTool, type OptionSpec } from '@ldt/cli';
import { Prng } from '@ldt/hash';
import { PARSER_CONFIGURATION, parseRaw, type RawParse } from '../src/parse.js';
import { spec as fakeSpec } from './fake-tool.js';

async function yargsRaw(table: readonly OptionSpec[], argv: readonly string[]): Promise<RawParse> {
  const { default: yargs } = await import('yargs');
  let failure: string | undefined;
  let y = yargs([...argv])
    .parserConfiguration({ ...PARSER_CONFIGURATION })
    .strictOptions()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail((msg: string | null, err: Error | undefined) => {
      failure = msg ?? err?.message ?? 'invalid arguments';
    });
  for (const o of table) {
    y = y.option(o.name, { type: o.type === 'boolean' ? 'boolean' : 'string', alias: o.short, requiresArg: o.type !== 'boolean', array: false });
  }
  const raw = y.parseSync() as Record<string, unknown> & { _: (string | number)[] };
  if (failure !== undefined) return { failure };
  delete raw.$0;
  return { raw };
}

// A second table with what the fake tool lacks: a short option taking a value, a negatable one.
const other = defineTool({
  name: 'other-tool',
  version: '0.0.0',
  summary: 's',
  description: 'd',
  usage: ['other-tool [OPTIONS]'],
  examples: [],
  options: [
    { name: 'out', type: 'string', short: 'o', arg: 'DIR', describe: 'Output folder.' },
    { name: 'registry', type: 'string', negatable: true, describe: 'Registry URL; --no-registry for none.' },
    { name: 'threads', type: 'integer', short: 'j', describe: 'Threads.', min: 1, max: 64 },
    { name: 'mark', type: 'boolean', short: 'm', describe: 'Mark.' },
  ],
});

const TOKENS = [
  '--seed',
  '3',
  '-q',
  '-qh',
  '-hq',
  '-qV',
  '--quiet',
  '--no-quiet',
  '--quiet=false',
  '--quiet=true',
  '--quiet=yes',
  '--seed=',
  '--seed=7',
  '--nope',
  '--no-nope',
  '-x',
  '-xq',
  '--',
  '-',
  'file.ndjson',
  'a b',
  '',
  ' ',
  '--no-seed',
  '--group-by',
  'a,b',
  '--against',
  '--label',
  '--label=',
  '-5',
  '---x',
  '--=x',
  '--Q',
  '--QUIET',
  '--shuffle',
  '--no-shuffle',
  '--keep-going',
  '--keep-going=1',
  '--mode',
  'fast',
  '--size',
  '1MB',
  '--ratio',
  '0.5',
  '-o',
  '-oout',
  '-o=x',
  '--out',
  'dir',
  '--registry',
  '--no-registry',
  '-j',
  '2',
  '-j2',
  '-mj',
  '-jm',
  '--mark',
  '--no-mark',
  '--dups',
  '--rejects',
  'r.ndjson',
  '--max-rejects',
  '10',
  '--stats',
  's.json',
  '--help',
  '-V',
  '--version',
  '--no-',
  '--no',
  '-',
  '--seed',
  '--seed',
  '1e3',
  '0x10',
  '-1',
  '--limit',
  '--limit=-1',
  'x=y',
  '--a.b',
  '--a.b=1',
];

const HAND: string[][] = [
  [],
  ['file'],
  ['--seed', '3', 'a', '--', '--seed', '-q'],
  ['--seed'],
  ['--seed', '--quiet'],
  ['--seed', '-q'],
  ['--seed', '-5'],
  ['--seed=-5'],
  ['-qx'],
  ['--nope', '--other', '-z'],
  ['--no-nope'],
  ['--no-seed'],
  ['--no-quiet', '--quiet'],
  ['--group-by', 'a', '--group-by', 'b,c'],
  ['--against', 'x', '--against'],
  ['--', '--'],
  ['-', '-', 'x'],
  ['--=x'],
  ['--', ''],
  ['--label', ''],
];

for (const [name, s] of [
  ['fake-tool', fakeSpec],
  ['other-tool', other],
] as const) {
  test(`parseRaw = yargs on hand-picked and 3,000 random command lines (${name})`, async () => {
    const table = allOptions(s);
    const rng = new Prng(name.length * 7919);
    const cases = [...HAND];
    for (let i = 0; i < 3000; i++) {
      const n = rng.nextInt(6);
      cases.push(Array.from({ length: n }, () => TOKENS[rng.nextInt(TOKENS.length)]));
    }
    let failures = 0;
    for (const argv of cases) {
      const want = await yargsRaw(table, argv);
      const got = await parseRaw(table, argv);
      assert.deepEqual(got, want, `argv ${JSON.stringify(argv)}`);
      if ('failure' in want) failures++;
    }
    // The corpus exercises both outcomes.
    assert.ok(failures > 100 && failures < cases.length - 100, `${failures} failures of ${cases.length}`);
  });
}
