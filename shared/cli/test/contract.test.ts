// The shared CLI contract (issue 15): the shared option table and its deprecated spellings,
// "did you mean", typed options, --max-rejects.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  commandTypo,
  defineTool,
  deprecatedSpellings,
  didYouMean,
  editDistance,
  type Handler,
  type OptionsOf,
  parseArgs,
  SHARED_OPTIONS,
  sharedOption,
  type ToolContext,
} from '@ldt/cli';
import { runFake } from './fake-tool.js';

const dir = mkdtempSync(join(tmpdir(), 'ldt-cli-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A tool using shared options, as every ldt tool declares them. */
const spec = defineTool({
  name: 'shared-tool',
  version: '0.0.1',
  summary: 'copy rows (fixture)',
  description: 'Copies rows.',
  usage: ['shared-tool [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    sharedOption('threads', { describe: 'Worker threads.' }),
    sharedOption('tmp-dir'),
    sharedOption('fields'),
    sharedOption('seed', { default: 7 }),
    sharedOption('normalize'),
    { name: 'mode', type: 'choice', choices: ['a', 'b'], default: 'a', describe: 'Mode.' },
    { name: 'flag', type: 'boolean', describe: 'A flag.' },
  ],
  examples: [],
});

function run(argv: string[], stdin: string, handler?: (o: OptionsOf<typeof spec.options>, ctx: ToolContext) => Promise<void>) {
  return runFake(argv, { spec, stdin, handler: handler as Handler | undefined });
}

test('a shared option keeps the table name, type and deprecated spellings; the tool sets wording and default', () => {
  const t = sharedOption('threads', { describe: 'Mine.', defaultText: 'the number of CPUs' });
  assert.equal(t.name, 'threads');
  assert.equal(t.type, 'integer');
  assert.deepEqual(t.deprecated, ['jobs']);
  assert.equal(t.describe, 'Mine.');
  assert.equal(sharedOption('seed', { default: 3 }).default, 3);
});

test('the table: one spelling per concept, and no deprecated spelling is also a name', () => {
  const names = Object.keys(SHARED_OPTIONS);
  for (const [name, o] of Object.entries(SHARED_OPTIONS)) assert.equal(o.name, name);
  const concepts = Object.values(SHARED_OPTIONS).map((o) => o.concept);
  assert.equal(new Set(concepts).size, concepts.length);
  for (const [old, now] of deprecatedSpellings()) {
    assert.ok(!names.includes(old), old);
    assert.ok(names.includes(now), now);
  }
  assert.equal(deprecatedSpellings().get('jobs'), 'threads');
  assert.equal(deprecatedSpellings().get('tmpdir'), 'tmp-dir');
  assert.equal(deprecatedSpellings().get('against-key'), 'against-fields');
});

test('deprecated spellings work as hidden aliases, with one warning each', async () => {
  const p = await parseArgs(spec, ['--jobs', '3', '--tmpdir=/x', '--key', 'a,b', '--jobs', '2']);
  assert.equal(p.options.threads, 2);
  assert.equal(p.options['tmp-dir'], '/x');
  assert.deepEqual(p.options.fields, ['a', 'b']);
  assert.deepEqual(p.warnings, ['--jobs is deprecated; use --threads', '--tmpdir is deprecated; use --tmp-dir', '--key is deprecated; use --fields']);
  // After --, nothing is rewritten; the new names give no warning.
  const q = await parseArgs(spec, ['--threads', '1', '--', '--jobs']);
  assert.deepEqual(q.warnings, []);
  assert.deepEqual(q.positionals, ['--jobs']);
});

test('a deprecated spelling prints a one-line warning on stderr, the output is the same', async () => {
  const rows = '{"a":1}\n{"a":2}\n';
  const now = await run(['--threads', '2'], rows);
  const old = await run(['--jobs', '2'], rows);
  assert.equal(old.code, 0);
  assert.equal(old.stdout, now.stdout);
  assert.equal(old.stderr, `shared-tool: warning: --jobs is deprecated; use --threads\n${now.stderr}`);
});

test('a deprecated spelling of an option the tool does not have is an unknown option', async () => {
  const r = await run(['--against-key', 'x'], '');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^shared-tool: unknown option '--against-key'/);
});

test('--help does not list deprecated spellings', async () => {
  const r = await run(['--help'], '');
  assert.match(r.stdout, /--threads N/);
  assert.match(r.stdout, /--tmp-dir DIR/);
  assert.doesNotMatch(r.stdout, /--jobs|--tmpdir|--key\b|--text-field/);
});

test('an unknown option: "did you mean" and exit 2', async () => {
  const r = await run(['--thread', '2'], '');
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "shared-tool: unknown option '--thread'; did you mean '--threads'?\nTry 'shared-tool --help' for more information.\n");
  const s = await run(['--tmp-dri', 'x'], '');
  assert.match(s.stderr, /did you mean '--tmp-dir'\?/);
});

test('didYouMean: close names, unique prefixes, nothing for far ones', () => {
  assert.equal(editDistance('sign', 'sing'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(didYouMean('sing', ['sign', 'cluster', 'apply']), 'sign');
  assert.equal(didYouMean('clustr', ['sign', 'cluster', 'apply']), 'cluster');
  assert.equal(didYouMean('thr', ['threshold', 'threads']), undefined);
  assert.equal(didYouMean('thre', ['threshold', 'threads']), undefined);
  assert.equal(didYouMean('thres', ['threshold', 'threads']), 'threshold');
  assert.equal(didYouMean('xyz', ['sign', 'cluster']), undefined);
});

test('commandTypo: a mistyped subcommand, but not a file, an option or stdin', () => {
  const none = () => false;
  assert.equal(commandTypo('chek', ['check'], none)?.message, "unknown command 'chek'; did you mean 'check'?");
  assert.equal(commandTypo('check', ['check'], none), undefined);
  assert.equal(
    commandTypo('chek', ['check'], () => true),
    undefined,
  );
  assert.equal(commandTypo('-', ['check'], none), undefined);
  assert.equal(commandTypo('--seed', ['check'], none), undefined);
  assert.equal(commandTypo('data.ndjson', ['check'], none), undefined);
});

test('typed options: the handler sees numbers, unions and arrays without casts', async () => {
  let seen: OptionsOf<typeof spec.options> | undefined;
  const r = await run(['--threads', '3', '--fields', 'a,b', '--normalize', 'lower'], '', async (o) => {
    seen = o;
    // Compile-time checks: these assignments fail to build if the mapped type is wrong.
    const threads: number | undefined = o.threads;
    const seed: number = o.seed;
    const norm: 'none' | 'whitespace' | 'lower' | 'aggressive' = o.normalize;
    const mode: 'a' | 'b' = o.mode;
    const fields: string[] | undefined = o.fields;
    const flag: boolean | undefined = o.flag;
    const quiet: boolean = o.quiet;
    assert.deepEqual([threads, seed, norm, mode, fields, flag, quiet], [3, 7, 'lower', 'a', ['a', 'b'], undefined, false]);
  });
  assert.equal(r.code, 0);
  assert.ok(seen);
});

const BAD = '{"a":1}\nnot json\n{"a":2}\n[1]\n{"a":3}\n';

test('--max-rejects N: within the budget exit 0; over it exit 1 after writing stdout, rejects and --stats', async () => {
  const ok = await run(['--rejects', join(dir, 'r0'), '--max-rejects', '2'], BAD);
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, 'shared-tool: read 5, wrote 3, dropped 0, rejected 2 (bad_json 1, not_object 1)\n');
  const rej = join(dir, 'r1');
  const stats = join(dir, 's1.json');
  const over = await run(['--rejects', rej, '--max-rejects', '1', '--stats', stats], BAD);
  assert.equal(over.code, 1);
  assert.equal(over.stdout, '{"a":1}\n{"a":2}\n{"a":3}\n');
  assert.equal(readFileSync(rej, 'utf8'), 'not json\n[1]\n');
  assert.equal(
    over.stderr,
    'shared-tool: read 5, wrote 3, dropped 0, rejected 2 (bad_json 1, not_object 1); over the --max-rejects budget\n' +
      `shared-tool: rejected 2 rows, more than --max-rejects 1 allows\n  hint: see the rows in ${rej}; raise --max-rejects to accept them\n`,
  );
  assert.deepEqual(JSON.parse(readFileSync(stats, 'utf8')).notes.max_rejects, { limit: '1', exceeded: true });
});

test('--max-rejects P%: a share of the rows read; --quiet still prints the error', async () => {
  const rej = join(dir, 'r2');
  const ok = await run(['--rejects', rej, '--max-rejects', '40%', '-q'], BAD);
  assert.equal(ok.code, 0);
  assert.equal(ok.stderr, '');
  const over = await run(['--rejects', rej, '--max-rejects', '39.9%', '-q'], BAD);
  assert.equal(over.code, 1);
  assert.equal(
    over.stderr,
    `shared-tool: rejected 2 rows, more than --max-rejects 39.9% allows (39.9% of 5 rows read = 1)\n  hint: see the rows in ${rej}; raise --max-rejects to accept them\n`,
  );
  assert.ok(existsSync(rej));
});

test('--max-rejects 0 with no rejected row: exit 0', async () => {
  const r = await run(['--rejects', join(dir, 'r3'), '--max-rejects', '0'], '{"a":1}\n');
  assert.equal(r.code, 0);
});
