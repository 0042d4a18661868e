#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// Rewrites the "## Help" block of every tools/<name>/README.md with the tool's current --help
// (rendered from its option table), so README and --help cannot drift. The tools' tests fail
// when a README is out of date. Usage: node scripts/sync-help.mjs (after a build).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const name of readdirSync(join(root, 'tools'))) {
  const readme = join(root, 'tools', name, 'README.md');
  const bin = join(root, 'tools', name, 'bin', `${name}.js`);
  if (!existsSync(readme) || !existsSync(bin)) continue;
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).trim();
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('<!-- help:start -->');
  const end = text.indexOf('<!-- help:end -->');
  if (start < 0 || end < 0) {
    console.error(`${readme}: no <!-- help:start --> / <!-- help:end --> markers; skipped`);
    continue;
  }
  const next = `${text.slice(0, start)}<!-- help:start -->\n\`\`\`\n${help}\n\`\`\`\n${text.slice(end)}`;
  if (next !== text) {
    writeFileSync(readme, next);
    console.log(`updated ${readme}`);
  }
}
