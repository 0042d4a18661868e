import { SHARED_OPTIONS } from './options.js';
import { allOptions, type OptionSpec, type ToolSpec } from './spec.js';

const WIDTH = 100;

/** Render `--help` from the option table: summary, description, usage, options, examples, exit status, see also. */
export function renderHelp(spec: ToolSpec): string {
  const out: string[] = [];
  out.push(`${spec.name} ${spec.version} — ${spec.summary}`, '');
  out.push(...wrap(spec.description, WIDTH, ''), '');
  out.push('Usage:');
  for (const u of spec.usage) out.push(`  ${u}`);
  if (spec.positional) out.push('', ...wrap(`${spec.positional.name}: ${spec.positional.describe}`, WIDTH, '  '));
  else out.push('', ...wrap("FILE: NDJSON input files, read in order; '-' or none means standard input. Files ending in .gz or .zst are decompressed.", WIDTH, '  '));
  const groups = new Map<string, OptionSpec[]>();
  for (const o of allOptions(spec)) {
    const g = o.group ?? 'Options';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)?.push(o);
  }
  for (const [group, opts] of groups) {
    out.push('', `${group}:`);
    for (const o of opts) {
      const head = `  ${o.short ? `-${o.short}, ` : '    '}--${o.name}${optionArg(o)}${o.negatable ? `, --no-${o.name}` : ''}`;
      let text = o.describe;
      const def = defaultText(o);
      if (def !== undefined) text += ` (default: ${def})`;
      if (o.type === 'choice' && o.choices && !o.describe.includes(o.choices.join('|'))) text += ` One of: ${o.choices.join(', ')}.`;
      if (o.repeatable) text += ' Repeatable.';
      const lines = wrap(text, WIDTH, ' '.repeat(30));
      if (head.length < 29) out.push(`${head.padEnd(30)}${lines[0].trimStart()}`, ...lines.slice(1));
      else out.push(head, ...lines);
    }
  }
  if (spec.examples.length > 0) {
    out.push('', 'Examples:');
    for (const [cmd, what] of spec.examples) out.push(...wrap(what, WIDTH, '  '), `    $ ${cmd}`);
  }
  out.push(
    '',
    'Exit status:',
    '  0  success (also when the reader of stdout goes away, e.g. | head)',
    '  1  data or runtime error (bad input line, unreadable file), with file:line',
    '  2  usage error (unknown option, bad value)',
  );
  for (const l of spec.exitStatus ?? []) out.push(`  ${l}`);
  if (spec.seeAlso && spec.seeAlso.length > 0) out.push('', `See also: ${spec.seeAlso.join(', ')}`);
  return `${out.join('\n')}\n`;
}

function optionArg(o: OptionSpec): string {
  if (o.type === 'boolean') return '';
  if (o.arg) return ` ${o.arg}`;
  switch (o.type) {
    case 'integer':
    case 'number':
      return ' N';
    case 'size':
      return ' SIZE';
    case 'paths':
      return ' PATHS';
    case 'choice':
      return ` ${(o.choices ?? []).join('|')}`;
    default:
      return ' VALUE';
  }
}

function defaultText(o: OptionSpec): string | undefined {
  if (o.defaultText !== undefined) return o.defaultText;
  if (o.default === undefined || o.type === 'boolean') return undefined;
  if (Array.isArray(o.default)) return o.default.join(',');
  return String(o.default);
}

/** Greedy word wrap; every line gets `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  for (const para of text.split('\n')) {
    let cur = indent;
    for (const word of para.split(/ +/)) {
      if (word === '') continue;
      if (cur.length > indent.length && cur.length + 1 + word.length > width) {
        lines.push(cur);
        cur = indent + word;
      } else cur += (cur.length > indent.length ? ' ' : '') + word;
    }
    lines.push(cur);
  }
  return lines;
}

/** A Markdown table cell: one line, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|');
}

/**
 * The README flag table of one tool (or subcommand), rendered from its option table like
 * `--help`: one row per option (its own, then the common ones) with the argument, the default
 * and the description. Options whose name comes from the shared table (`SHARED_OPTIONS`) say so,
 * so a reader sees which spelling every ldt tool uses. scripts/sync-help.mjs writes it between
 * `<!-- options:start NAME -->` and `<!-- options:end -->`; the tools' doc tests compare.
 */
export function renderOptionsTable(spec: ToolSpec): string {
  const rows = ['| option | default | meaning |', '| --- | --- | --- |'];
  for (const o of allOptions(spec)) {
    const flags = `${o.short ? `\`-${o.short}\`, ` : ''}\`--${o.name}${optionArg(o)}\`${o.negatable || (o.type === 'boolean' && o.default === true) ? `, \`--no-${o.name}\`` : ''}`;
    const def = o.type === 'boolean' && o.defaultText === undefined ? (o.default === undefined ? undefined : o.default === true ? 'on' : 'off') : defaultText(o);
    let text = o.describe;
    if (o.type === 'choice' && o.choices && !o.describe.includes(o.choices.join('|'))) text += ` One of: ${o.choices.join(', ')}.`;
    if (o.repeatable) text += ' Repeatable.';
    if (Object.hasOwn(SHARED_OPTIONS, o.name)) text += ' _(shared name)_';
    const literal = o.defaultText === undefined && def !== 'on' && def !== 'off';
    rows.push(`| ${cell(flags)} | ${def === undefined ? '' : cell(literal ? `\`${def}\`` : def)} | ${cell(text)} |`);
  }
  return `${rows.join('\n')}\n`;
}

/**
 * The cells of a Markdown table, row by row, without padding and without the separator row: how
 * the doc tests and scripts/sync-help.mjs compare a README table with `renderOptionsTable` (the
 * formatter pads columns, which changes no cell).
 */
export function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('|'))
    .map((l) =>
      l
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    )
    .filter((cells) => !cells.every((c) => /^:?-+:?$/.test(c)));
}
