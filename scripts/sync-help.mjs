#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// Rewrites, in every tools/<name>/README.md, the generated parts from the tool's option tables, so
// README and --help cannot drift (the tools' doc tests fail when a README is out of date):
// - the "## Help" block (<!-- help:start --> … <!-- help:end -->): the tool's current --help;
// - each flag table (<!-- options:start NAME --> … <!-- options:end -->): the options of the tool
//   or subcommand NAME (e.g. "split-holdout check"), rendered by @ldt/cli renderOptionsTable.
// Usage: node scripts/sync-help.mjs (after a build).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const { renderOptionsTable, tableCells } = await import(pathToFileURL(join(root, 'shared', 'cli', 'dist', 'src', 'index.js')).href);
const OPEN = /<!-- options:start (.+?) -->\n/g;
const CLOSE = '<!-- options:end -->';
let failed = false;
const changed = [];

for (const name of readdirSync(join(root, 'tools'))) {
  const readme = join(root, 'tools', name, 'README.md');
  const bin = join(root, 'tools', name, 'bin', `${name}.js`);
  const index = join(root, 'tools', name, 'dist', 'src', 'index.js');
  if (!existsSync(readme) || !existsSync(bin)) continue;
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).trim();
  let text = readFileSync(readme, 'utf8');
  const before = text;
  const start = text.indexOf('<!-- help:start -->');
  const end = text.indexOf('<!-- help:end -->');
  if (start < 0 || end < 0) console.error(`${readme}: no <!-- help:start --> / <!-- help:end --> markers; help not synced`);
  else text = `${text.slice(0, start)}<!-- help:start -->\n\`\`\`\n${help}\n\`\`\`\n${text.slice(end)}`;

  // Every option table the package exports (the tool's and its subcommands'), by name.
  const specs = new Map();
  const mod = existsSync(index) ? await import(pathToFileURL(index).href) : {};
  for (const v of Object.values(mod))
    for (const s of Array.isArray(v) ? v : [v])
      if (s && typeof s === 'object' && typeof s.name === 'string' && Array.isArray(s.options) && Array.isArray(s.usage)) specs.set(s.name, s);
  const seen = new Set();
  text = text.replace(new RegExp(`${OPEN.source}[\\s\\S]*?${CLOSE}`, 'g'), (region, specName) => {
    const spec = specs.get(specName);
    if (!spec) {
      console.error(`${readme}: <!-- options:start ${specName} -->: no option table named ${JSON.stringify(specName)} (have: ${[...specs.keys()].join(', ')})`);
      failed = true;
      return region;
    }
    seen.add(specName);
    const table = renderOptionsTable(spec);
    // Unchanged cells: keep the region as the formatter padded it.
    const body = region.slice(region.indexOf('\n') + 1, region.length - CLOSE.length);
    if (JSON.stringify(tableCells(body)) === JSON.stringify(tableCells(table))) return region;
    return `<!-- options:start ${specName} -->\n${table}${CLOSE}`;
  });
  for (const s of specs.keys())
    if (!seen.has(s)) {
      console.error(`${readme}: no flag table for ${s}: add <!-- options:start ${s} --> and ${CLOSE} where it belongs (under ## Options)`);
      failed = true;
    }
  if (text !== before) {
    writeFileSync(readme, text);
    changed.push(readme);
    console.log(`updated ${readme}`);
  }
}
// Pad the tables as the formatter (Biome, `pnpm lint`) wants them.
if (changed.length > 0) execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', ...changed], { stdio: 'ignore' });
if (failed) process.exitCode = 1;
