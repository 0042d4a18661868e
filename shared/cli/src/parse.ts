import { UsageError } from '@ldt/errors';
import { parseRejectBudget } from './budget.js';
import { allOptions, type OptionSpec, type ToolSpec } from './spec.js';
import { didYouMean } from './suggest.js';

/** Parsed options (keyed by long name) plus positional arguments. */
export interface ParsedArgs {
  options: Record<string, unknown>;
  positionals: string[];
  /** One line per deprecated spelling used (`--jobs is deprecated; use --threads`), for stderr. */
  warnings: string[];
}

/**
 * Rewrite deprecated spellings (`--jobs 4`, `--jobs=4`, `--no-tmpdir`) to the table's names, before
 * `--`; returns the new argv and one warning per spelling used.
 */
export function rewriteDeprecated(table: readonly OptionSpec[], argv: readonly string[]): { argv: string[]; warnings: string[] } {
  const alias = new Map<string, string>();
  for (const o of table) for (const d of o.deprecated ?? []) if (!table.some((x) => x.name === d)) alias.set(d, o.name);
  const warnings: string[] = [];
  const out: string[] = [];
  let done = false;
  for (const a of argv) {
    if (done || !a.startsWith('--') || a === '--') {
      if (a === '--') done = true;
      out.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    let name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const neg = name.startsWith('no-') && !alias.has(name) ? 'no-' : '';
    if (neg) name = name.slice(3);
    const to = alias.get(name);
    if (to === undefined) {
      out.push(a);
      continue;
    }
    const w = `--${neg}${name} is deprecated; use --${neg}${to}`;
    if (!warnings.includes(w)) warnings.push(w);
    out.push(`--${neg}${to}${eq < 0 ? '' : a.slice(eq)}`);
  }
  return { argv: out, warnings };
}

/** True when argv asks for help or version (before any `--`), so they can be answered without loading yargs. */
export function wantsHelpOrVersion(argv: readonly string[]): 'help' | 'version' | undefined {
  for (const a of argv) {
    if (a === '--') break;
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--version' || a === '-V') return 'version';
  }
  return undefined;
}

/**
 * The configuration yargs 17 ran its parser (yargs-parser) with for these tables. Exported for the
 * test that checks this module against yargs itself (shared/cli/test/yargs-oracle.test.ts).
 */
export const PARSER_CONFIGURATION = {
  'camel-case-expansion': false,
  'strip-aliased': true,
  'duplicate-arguments-array': true,
  'greedy-arrays': false,
  'short-option-groups': true,
  'parse-numbers': false,
  'parse-positional-numbers': false,
  'boolean-negation': true,
  'dot-notation': false,
} as const;

/**
 * Parse argv against the tool's option table with yargs-parser, loaded lazily (so `--version` and
 * `--help` cost no parser import), then check it the way yargs' strict mode did: an option the
 * table does not have is an error, and so is an option that needs a value without one. This is
 * what yargs (strictOptions, help and version off, no commands) did around the same parser, with
 * the same messages, minus its start-up: importing and setting up yargs cost every tool run 41 ms
 * of CPU above `node -e 0` (62 ms), yargs-parser 11 ms (user+sys, median of 15 alternating runs,
 * 2-core Xeon, Node 20.20.2; issue 17) — a pipe of seven stages paid it seven times.
 * shared/cli/test/yargs-oracle.test.ts checks the result against yargs on many argv.
 * Every value is converted and checked here, because the parser accepts `--seed abc` as NaN.
 * Any problem is a `UsageError` (exit 2).
 */
export async function parseArgs(spec: ToolSpec, argv: readonly string[]): Promise<ParsedArgs> {
  const table = allOptions(spec);
  const rewritten = rewriteDeprecated(table, argv);
  const r = await parseRaw(table, rewritten.argv);
  if ('failure' in r) throw new UsageError(rewordYargs(r.failure, table));
  const raw = r.raw;
  const options: Record<string, unknown> = {};
  for (const o of table) {
    const v = raw[o.name];
    if (v === undefined) {
      options[o.name] = o.default;
      continue;
    }
    options[o.name] = convert(o, v);
  }
  if (typeof options['max-rejects'] === 'string') {
    if (options.rejects === undefined) throw new UsageError('--max-rejects needs --rejects FILE', 'the budget counts the rows written to the --rejects file');
    options['max-rejects'] = parseRejectBudget(options['max-rejects']);
  }
  return { options, positionals: raw._.map(String), warnings: rewritten.warnings };
}

/** What yargs' parseSync gave for `argv` (its `_` and one key per option given), or its failure message. */
export type RawParse = { raw: Record<string, unknown> & { _: (string | number)[] } } | { failure: string };

/**
 * argv (deprecated spellings already rewritten) through yargs-parser with the hints yargs'
 * `.option(name, { type, alias, requiresArg })` gave it, then yargs' strict-options check; the
 * result, or the failure message, is yargs' own (shared/cli/test/yargs-oracle.test.ts).
 */
export async function parseRaw(table: readonly OptionSpec[], argv: readonly string[]): Promise<RawParse> {
  const { default: parser } = await import('yargs-parser');
  // requiresArg is nargs NaN: exactly one value, which must not look like an option.
  const alias: Record<string, string[]> = {};
  const boolean: string[] = [];
  const string: string[] = [];
  const narg: Record<string, number> = {};
  const key: Record<string, boolean> = {};
  for (const o of table) {
    key[o.name] = true;
    if (o.short !== undefined) alias[o.name] = [o.short];
    if (o.type === 'boolean') boolean.push(o.name);
    else {
      string.push(o.name);
      narg[o.name] = Number.NaN;
    }
  }
  // `key` (every option name, as yargs passed it) is not in @types/yargs-parser, hence no literal.
  const hints = { alias, boolean, string, narg, key, configuration: { ...PARSER_CONFIGURATION, 'populate--': true } };
  const parsed = parser.detailed([...argv], hints);
  if (parsed.error) return { failure: parsed.error.message };
  const raw = parsed.argv as Record<string, unknown> & { _: (string | number)[]; '--'?: (string | number)[] };
  // Strict options: every key the parser set must be an option (or alias) of the table.
  const unknown = Object.keys(raw).filter((k) => k !== '_' && k !== '--' && !Object.hasOwn(parsed.aliases, k));
  if (unknown.length > 0) {
    const list = unknown.map((k) => (k.trim() ? k : `"${k}"`)).join(', ');
    return { failure: `${unknown.length === 1 ? 'Unknown argument' : 'Unknown arguments'}: ${list}` };
  }
  // Arguments after `--` are positionals, after the others.
  if (raw['--']) {
    raw._.push(...raw['--']);
    delete raw['--'];
  }
  return { raw };
}

function rewordYargs(msg: string, table: readonly OptionSpec[]): string {
  let m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (m) {
    const given = m[1].split(', ');
    const names = given.map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
    const msg = `unknown option${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
    // "did you mean": over the table's long names (and --no-NAME for booleans), for the first unknown one.
    const candidates = table.flatMap((o) => (o.type === 'boolean' ? [o.name, `no-${o.name}`] : [o.name]));
    const guess = given[0].length > 1 ? didYouMean(given[0].replace(/^-+/, ''), candidates) : undefined;
    return guess ? `${msg}; did you mean '--${guess}'?` : msg;
  }
  m = /^Not enough arguments following: (.*)$/.exec(msg);
  if (m) {
    const name = m[1];
    const o = table.find((x) => x.name === name || x.short === name);
    return `option '--${o?.name ?? name}' needs a value${o?.arg ? ` (${o.arg})` : ''}`;
  }
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}

function convert(o: OptionSpec, v: unknown): unknown {
  if (o.type === 'boolean') {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    return last === true;
  }
  if (o.negatable && (v === false || (Array.isArray(v) && v.includes(false)))) {
    if (Array.isArray(v) && v.some((x) => x !== false)) throw new UsageError(`--${o.name} and --no-${o.name} contradict each other; give one`);
    return false;
  }
  const values = (Array.isArray(v) ? v : [v]).map(String);
  if (values.includes('false') && v !== 'false' && (v === false || (Array.isArray(v) && v.includes(false)))) {
    // yargs turns `--no-seed` into seed=false for non-boolean options.
    throw new UsageError(`--no-${o.name} is not an option; --${o.name} takes a value`);
  }
  if (o.repeatable) {
    const items = o.type === 'paths' ? values.flatMap((s) => s.split(',')) : values;
    return items.map((s) => convertOne(o, s));
  }
  if (o.type === 'paths') return values[values.length - 1].split(',').map((s) => convertOne(o, s));
  // Given twice: the last one wins (GNU convention).
  return convertOne(o, values[values.length - 1]);
}

function convertOne(o: OptionSpec, s: string): unknown {
  const flag = `--${o.name}`;
  switch (o.type) {
    case 'string':
      return s;
    case 'paths':
      if (s.trim() === '') throw new UsageError(`${flag} must be a list of field paths like 'messages' or 'extra_info.question'; got ${JSON.stringify(s)}`);
      return s;
    case 'choice':
      if (!o.choices?.includes(s)) throw new UsageError(`${flag} must be one of ${o.choices?.join(', ')}; got ${JSON.stringify(s)}`);
      return s;
    case 'integer': {
      if (!/^[+-]?\d+$/.test(s.trim())) throw new UsageError(`${flag} must be an integer; got ${JSON.stringify(s)}`);
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw new UsageError(`${flag} is out of range; got ${JSON.stringify(s)}`);
      return bounded(o, n, s);
    }
    case 'number': {
      const n = Number(s);
      // Decimal only: Number() would also accept 0x10, 0b11 and 0o7.
      if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(s) || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number; got ${JSON.stringify(s)}`);
      return bounded(o, n, s);
    }
    case 'size':
      return bounded(o, parseSize(flag, s), s);
  }
}

function bounded(o: OptionSpec, n: number, s: string): number {
  const flag = `--${o.name}`;
  if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)) {
    const range = o.min !== undefined && o.max !== undefined ? `between ${o.min} and ${o.max}` : o.min !== undefined ? `at least ${o.min}` : `at most ${o.max}`;
    throw new UsageError(`${flag} must be ${range}; got ${JSON.stringify(s)}`);
  }
  return n;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** Parse a byte size: `1000`, `512MB`, `1GiB`, `1.5G` (decimal units are powers of 1000, `*iB` of 1024). */
export function parseSize(flag: string, s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(s);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag} must be a size like 1000000, 512MB or 1GiB; got ${JSON.stringify(s)}`);
  // Exact decimal arithmetic: `Number('2.01') * 1e6` is 2009999.9999999998, which floor() made 2009999.
  const [whole, frac = ''] = m[1].split('.');
  return Number((BigInt(whole + frac) * BigInt(unit)) / 10n ** BigInt(frac.length));
}
