// renderHelp: the help text is rendered from the option table, so what the table says (defaults,
// choices, repeatable, argument names) must be visible in it, in the order of STYLE.md §6.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allOptions, type OptionSpec, renderHelp, type ToolSpec, wrap } from '@ldt/cli';
import { spec } from './fake-tool.js';

const help = renderHelp(spec);
const lines = help.split('\n');

/** The help text of one option: its head line and the continuation lines after it. */
function entry(name: string): string {
  const start = lines.findIndex((l) => new RegExp(`^ {2}(?:-\\w, | {4})--${name}\\b`).test(l));
  assert.ok(start >= 0, `--${name} is in the help`);
  const out = [lines[start]];
  for (let i = start + 1; i < lines.length && /^ {30}\S/.test(lines[i]); i++) out.push(lines[i].trim());
  return out.join(' ');
}

test('help starts with "name version — summary" and then the description', () => {
  assert.equal(lines[0], 'fake-tool 1.2.3 — copy NDJSON rows unchanged (a fixture for the @ldt/cli tests)');
  assert.equal(lines[1], '');
  assert.ok(lines[2].startsWith('Reads NDJSON rows and writes each one to stdout as read.'));
});

test('sections come in the STYLE.md order: usage, options, common options, examples, exit status, see also', () => {
  const at = (s: string) => {
    const i = lines.indexOf(s);
    assert.ok(i >= 0, `${s} is a line of its own`);
    return i;
  };
  const order = ['Usage:', 'Options:', 'Common options:', 'Examples:', 'Exit status:'].map(at);
  const seeAlso = lines.findIndex((l) => l.startsWith('See also: '));
  assert.deepEqual(
    [...order, seeAlso],
    [...order, seeAlso].sort((a, b) => a - b),
  );
  assert.ok(seeAlso > 0);
  assert.equal(lines[at('Usage:') + 1], '  fake-tool [OPTIONS] [FILE...]');
  assert.equal(lines.at(-2), 'See also: dedup-exact, shuffle');
});

test('every option of the table is in the help, with its argument name', () => {
  assert.match(entry('seed'), /^ {6}--seed N {2,}/);
  assert.match(entry('ratio'), /--ratio R /);
  assert.match(entry('offset'), /--offset N /, 'number without arg: N');
  assert.match(entry('size'), /--size SIZE /, 'size without arg: SIZE');
  assert.match(entry('mode'), /--mode fast\|exact\|lazy /, 'choice without arg: the choices');
  assert.match(entry('key'), /--key PATHS /);
  assert.match(entry('against'), /--against FILE /);
  assert.match(entry('rejects'), /--rejects FILE /);
  assert.match(entry('stats'), /--stats FILE /);
  assert.match(entry('shuffle'), /^ {6}--shuffle {2,}Shuffle/, 'booleans take no argument');
  for (const o of allOptions(spec)) entry(o.name);
});

test('short aliases are shown before the long name: -q, -h, -V', () => {
  assert.match(entry('quiet'), /^ {2}-q, --quiet /);
  assert.match(entry('help'), /^ {2}-h, --help /);
  assert.match(entry('version'), /^ {2}-V, --version /);
});

test('defaults are shown; defaultText overrides the value; none for booleans or options without one', () => {
  assert.match(entry('seed'), /\(default: 42\)/);
  assert.match(entry('ratio'), /\(default: 0\.1\)/);
  assert.match(entry('mode'), /\(default: exact\)/);
  assert.match(entry('label'), /\(default: run\)/);
  assert.match(entry('size'), /\(default: 256MiB\)/);
  assert.doesNotMatch(entry('size'), /268435456/);
  for (const name of ['limit', 'offset', 'key', 'against', 'shuffle', 'keep-going', 'quiet', 'rejects']) {
    assert.doesNotMatch(entry(name), /\(default:/, name);
  }
});

test('array defaults are shown comma-separated', () => {
  const withList: ToolSpec = { ...spec, options: [{ name: 'key', type: 'paths', arg: 'PATHS', describe: 'Key.', default: ['a', 'b.c'] }] };
  assert.match(renderHelp(withList), /--key PATHS +Key\. \(default: a,b\.c\)/);
});

test('"Repeatable." is shown for repeatable options and only for them', () => {
  assert.match(entry('against'), /Repeatable\./);
  assert.match(entry('group-by'), /Repeatable\./);
  for (const o of allOptions(spec).filter((x) => !x.repeatable)) assert.doesNotMatch(entry(o.name), /Repeatable/, o.name);
});

test('choices are listed, unless the description already lists them', () => {
  assert.match(entry('mode'), /One of: fast, exact, lazy\./);
  const listed: OptionSpec = { name: 'mode', type: 'choice', choices: ['a', 'b'], describe: 'Pick a|b.' };
  const h = renderHelp({ ...spec, options: [listed] });
  assert.doesNotMatch(h, /One of:/);
});

test('--rejects is offered only when the tool declares rejects: true', () => {
  assert.match(help, /--rejects FILE/);
  assert.doesNotMatch(renderHelp({ ...spec, rejects: false }), /--rejects/);
});

test('examples show what they do and the command, prefixed by $', () => {
  const i = lines.indexOf('Examples:');
  assert.deepEqual(lines.slice(i + 1, i + 5), [
    '  Copy a chat file.',
    '    $ fake-tool examples/chat.ndjson > /tmp/copy.ndjson',
    '  Key on text against an eval set.',
    '    $ fake-tool --key text --against examples/eval.ndjson examples/text.ndjson',
  ]);
});

test('exit status lists 0, 1 and 2, plus the tool extras', () => {
  const h = renderHelp({ ...spec, exitStatus: ['3  the index is stale'] });
  const i = h.indexOf('Exit status:');
  const block = h.slice(i).split('\n');
  assert.match(block[1], /^ {2}0 {2}success/);
  assert.match(block[2], /^ {2}1 {2}data or runtime error/);
  assert.match(block[3], /^ {2}2 {2}usage error/);
  assert.equal(block[4], '  3  the index is stale');
});

test('positional text: the default FILE line, or the tool own', () => {
  assert.match(help, /^ {2}FILE: NDJSON input files, read in order; '-' or none means standard input\./m);
  const own = renderHelp({ ...spec, positional: { name: 'DIR', describe: 'the shard directory.' } });
  assert.match(own, /^ {2}DIR: the shard directory\.$/m);
  assert.doesNotMatch(own, /FILE: NDJSON input files/);
});

test('no line is wider than 100 columns, and the text ends with one newline', () => {
  for (const l of lines) assert.ok(l.length <= 100, `too wide (${l.length}): ${l}`);
  assert.ok(help.endsWith('\n') && !help.endsWith('\n\n'));
});

test('long descriptions wrap under the description column', () => {
  const long: OptionSpec = { name: 'long', type: 'string', arg: 'X', describe: 'word '.repeat(40).trim() };
  const h = renderHelp({ ...spec, options: [long] }).split('\n');
  const i = h.findIndex((l) => l.startsWith('      --long X'));
  assert.ok(h[i + 1].startsWith(`${' '.repeat(30)}word`));
  assert.equal(h[i].indexOf('word'), 30);
});

test('wrap: greedy, keeps the indent, never splits a word, keeps paragraphs', () => {
  assert.deepEqual(wrap('aa bb cc dd', 8, '  '), ['  aa bb', '  cc dd']);
  assert.deepEqual(wrap('averyveryverylongword x', 8, ''), ['averyveryverylongword', 'x']);
  assert.deepEqual(wrap('one\ntwo', 80, '> '), ['> one', '> two']);
});
