// A tool's README against its --help and option table: the doc tests every tool runs.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allOptions, renderHelp, renderOptionsTable, type ToolSpec, tableCells } from '@ldt/cli';
import { runShell } from './run.js';

/**
 * The README check: every option of the tool's table must be documented in its README.md
 * (as `--name`), so help and docs cannot drift. Returns the missing flags.
 */
export function undocumentedFlags(readme: string, names: readonly string[]): string[] {
  return names.filter((n) => !readme.includes(`--${n}`));
}

/**
 * The documentation tests every tool has, registered with node:test: its README.md documents every
 * flag of the option tables of `specs` (the tool and its subcommands; `--no-NAME` for booleans
 * that default to true), embeds the current `--help`
 * of `specs[0]` (kept in sync by `node scripts/sync-help.mjs`), and every example of every `--help`
 * (the README's examples are the same) runs from the repository root, exits 0, and prints exactly
 * the standard output and error committed in the package's `test/help-examples.json` (`UPDATE_GOLDEN=1`
 * rewrites it; review the diff).
 */
export function docTests(pkgDir: string, specs: readonly ToolSpec[]): void {
  const readme = () => readFileSync(join(pkgDir, 'README.md'), 'utf8');
  test(`README documents every flag of the option table${specs.length > 1 ? 's' : ''} (${specs.map((s) => s.name).join(', ')})`, () => {
    const text = readme();
    for (const s of specs)
      assert.deepEqual(
        undocumentedFlags(
          text,
          allOptions(s).map((o) => o.name),
        ),
        [],
        s.name,
      );
    // A boolean that defaults to true is switched off with --no-NAME: that is the flag users type.
    for (const s of specs)
      for (const o of allOptions(s)) if ((o.type === 'boolean' && o.default === true) || o.negatable) assert.ok(text.includes(`--no-${o.name}`), `${s.name}: --no-${o.name}`);
  });
  test('README flag tables are generated from the option tables', () => {
    const text = readme();
    for (const s of specs) {
      const start = `<!-- options:start ${s.name} -->\n`;
      const at = text.indexOf(start);
      const end = text.indexOf('<!-- options:end -->', at);
      assert.ok(
        at >= 0 && end > at,
        `README.md has no flag table for ${s.name}: add ${start.trim()} and <!-- options:end --> under ## Options, then run node scripts/sync-help.mjs`,
      );
      assert.deepEqual(
        tableCells(text.slice(at + start.length, end)),
        tableCells(renderOptionsTable(s)),
        `README.md: the flag table of ${s.name} differs from its option table: run node scripts/sync-help.mjs (after a build)`,
      );
    }
  });
  test('README tables: every row has as many cells as its header (a `|` inside a cell is escaped as \\|)', () => {
    assert.deepEqual(brokenTableRows(readme()), []);
  });
  test('README embeds the current --help text', () => {
    assert.ok(readme().includes(renderHelp(specs[0]).trim()), 'README.md is out of date: run node scripts/sync-help.mjs (after a build)');
  });
  test('every --help example runs, exits 0 and prints what test/help-examples.json expects', () => {
    const file = join(pkgDir, 'test', 'help-examples.json');
    const commands = [...new Set(specs.flatMap((s) => s.examples.map(([cmd]) => cmd)))];
    const actual: Record<string, { stdout: string; stderr: string }> = {};
    for (const cmd of commands) {
      const r = runShell(cmd);
      assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
      actual[cmd] = { stdout: r.stdout, stderr: r.stderr };
    }
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      return;
    }
    assert.ok(existsSync(file), `${file} is missing: run the tests with UPDATE_GOLDEN=1 and review it`);
    const expected = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { stdout: string; stderr: string }>;
    assert.deepEqual(Object.keys(expected).sort(), [...commands].sort(), 'the examples of --help changed: run the tests with UPDATE_GOLDEN=1 and review test/help-examples.json');
    for (const cmd of commands) {
      assert.equal(actual[cmd].stdout, expected[cmd].stdout, `the standard output of: ${cmd}`);
      assert.equal(actual[cmd].stderr, expected[cmd].stderr, `the standard error of: ${cmd}`);
    }
  });
}

/**
 * The Markdown table rows of `text` whose cell count differs from their table's header, as
 * `line N: got X cells, header has Y`. GitHub splits cells at every `|` that is not escaped,
 * inside code spans too (`<|im_start|>` breaks a row; `<\|im_start\|>` renders as intended).
 */
export function brokenTableRows(text: string): string[] {
  const out: string[] = [];
  const cells = (row: string) =>
    row
      .trim()
      .replace(/^\|/, '')
      .replace(/(?<!\\)\|$/, '')
      .split(/(?<!\\)\|/).length;
  let fence = false;
  let header = 0;
  for (const [i, line] of text.split('\n').entries()) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence || !/^\s*\|/.test(line)) {
      header = 0;
      continue;
    }
    const n = cells(line);
    if (header === 0) header = n;
    else if (n !== header) out.push(`line ${i + 1}: got ${n} cells, header has ${header}`);
  }
  return out;
}
