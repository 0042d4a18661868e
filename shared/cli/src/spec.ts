/**
 * The option table: every tool declares its options once, as data (Miller's OptionSpec). Help,
 * the parser, the README check and the argv tests are all driven by it, so they cannot drift.
 */
import type { RejectBudget } from './budget.js';

export type OptionType = 'boolean' | 'string' | 'integer' | 'number' | 'size' | 'choice' | 'paths';

export interface OptionSpec {
  /** Long name without dashes, kebab-case (`save-index`). */
  readonly name: string;
  readonly type: OptionType;
  /** One-letter alias (only -h, -V, -q and -o are used by convention). */
  readonly short?: string;
  /** Argument name shown in help (`FILE`, `PATHS`, `N`). */
  readonly arg?: string;
  /** What it does, its default and its off-switch. One or more sentences. */
  readonly describe: string;
  /** Default value (after conversion). Shown in help unless `defaultText` overrides it. */
  readonly default?: unknown;
  readonly defaultText?: string;
  /** Allowed values for `choice`. */
  readonly choices?: readonly string[];
  /** May be given several times (values collected into an array; `paths` also splits on commas). */
  readonly repeatable?: boolean;
  /** Inclusive bounds for integer/number/size. */
  readonly min?: number;
  readonly max?: number;
  /** Help group; defaults to the tool's own options. */
  readonly group?: string;
  /**
   * The value names a file the tool reads (`input`) or writes (`output`). Before anything is read,
   * an output that is an input (same device and inode) or another output is a usage error.
   */
  readonly file?: 'input' | 'output';
  /**
   * A persistent output (an index others build on): the run holds an advisory lock file
   * (`FILE.lock`, naming host and PID) from start to end, so a second writer fails at once.
   */
  readonly lock?: boolean;
  /** A value option that `--no-NAME` turns off explicitly: its value is then `false` (e.g. hf-fetch `--no-registry`). */
  readonly negatable?: boolean;
  /**
   * Old spellings that still work as hidden aliases (not in help); each use prints one line
   * `tool: warning: --jobs is deprecated; use --threads` on stderr. Set by the shared table.
   */
  readonly deprecated?: readonly string[];
  /** The concept of a shared option (set by `sharedOption`): the name is the table's, in every tool. */
  readonly concept?: string;
}

export interface ToolSpec<O extends readonly OptionSpec[] = readonly OptionSpec[]> {
  /** Command name (`dedup-exact`). */
  name: string;
  version: string;
  /** One line: what the tool does. */
  summary: string;
  /** A short paragraph: what it reads, writes to stdout and stderr, memory, determinism. */
  description: string;
  usage: readonly string[];
  options: O;
  /** Offer `--rejects FILE` and `--max-rejects N|P%` (the tool can divert unusable lines). */
  rejects?: boolean;
  /** `[command, what it does]` pairs; commands are real pipelines over examples/. */
  examples: readonly (readonly [string, string])[];
  /** Extra exit status lines beyond the standard 0/1/2. */
  exitStatus?: readonly string[];
  seeAlso?: readonly string[];
  /** What positional arguments mean; default: NDJSON input files (`-` = stdin). */
  positional?: { name: string; describe: string };
}

/**
 * Declare a tool's table with its option names and types kept as literals, so the handler gets
 * typed options (`OptionsOf`) and needs no casts: `export const spec = defineTool({ ... })`.
 */
export function defineTool<const O extends readonly OptionSpec[]>(spec: ToolSpec<O>): ToolSpec<O> {
  return spec;
}

type Scalar<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'integer' | 'number' | 'size' }
    ? number
    : O extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : O extends { type: 'paths' }
        ? string[]
        : string;
type Value<O> = O extends { repeatable: true } ? (O extends { type: 'paths' } ? string[] : Scalar<O>[]) : Scalar<O>;

type Given<O> = O extends { default: NonNullable<unknown> } ? Value<O> : Value<O> | undefined;

/**
 * The value a handler sees for one option: typed by the table; `undefined` when absent and without
 * a default; `false` for `--no-NAME` of a negatable non-boolean option (hf-fetch `--no-registry`).
 */
export type OptionValue<O> = O extends { negatable: true } ? (O extends { type: 'boolean' } ? Given<O> : Given<O> | false) : Given<O>;

/** The common options every tool has (see `commonOptions`). */
export interface CommonOptionValues {
  rejects?: string;
  /** Parsed by the harness: more rejected rows than this is exit 1 at the end. */
  'max-rejects'?: RejectBudget;
  stats?: string;
  quiet: boolean;
  help?: boolean;
  version?: boolean;
}

/**
 * The parsed options of a table, keyed by long name and typed from it (a mapped type over the
 * spec): `--threads` (integer) is `number | undefined`, `--seed` with a default is `number`,
 * a choice is the union of its values, paths are `string[]`. An untyped table (`OptionSpec[]`)
 * gives `unknown` values, as before.
 */
export type OptionsOf<O extends readonly OptionSpec[]> = { [S in O[number] as S['name']]: OptionValue<S> } & CommonOptionValues;

/** Options every tool has, appended to the tool's own table. */
export function commonOptions(spec: Pick<ToolSpec, 'rejects'>): OptionSpec[] {
  const common: OptionSpec[] = [];
  if (spec.rejects) {
    common.push(
      {
        name: 'rejects',
        type: 'string',
        arg: 'FILE',
        concept: 'rejects file',
        describe:
          'Write lines that are not usable rows (invalid JSON, not an object, invalid UTF-8) to FILE verbatim, count them, and go on. Without it the first such line is an error (exit 1).',
        group: 'Common options',
        file: 'output',
      },
      {
        name: 'max-rejects',
        type: 'string',
        arg: 'N|P%',
        concept: 'reject budget',
        describe:
          'With --rejects: exit 1 at the end (after writing stdout and every side file) when more than N rows, or more than P percent of the rows read, were rejected; the summary says the budget was exceeded. E.g. 0, 100, 1%, 0.5%.',
        defaultText: 'no limit',
        group: 'Common options',
      },
    );
  }
  common.push(
    {
      name: 'stats',
      type: 'string',
      arg: 'FILE',
      concept: 'stats file',
      describe:
        'Write the summary as JSON to FILE (tool, version, argv, rows read/written/repeated/dropped/rejected: read = written - repeated + dropped + rejected), e.g. for manifest --stats-from.',
      group: 'Common options',
      file: 'output',
    },
    {
      name: 'quiet',
      type: 'boolean',
      short: 'q',
      concept: 'quiet',
      describe: 'Print no summary line and no progress on stderr (errors and warnings are still printed).',
      default: false,
      group: 'Common options',
    },
    { name: 'help', type: 'boolean', short: 'h', concept: 'help', describe: 'Print this help to stdout and exit 0.', group: 'Common options' },
    { name: 'version', type: 'boolean', short: 'V', concept: 'version', describe: 'Print the version to stdout and exit 0.', group: 'Common options' },
  );
  return common;
}

/** The full option table of a tool: its own options, then the common ones. */
export function allOptions(spec: Pick<ToolSpec, 'rejects' | 'options'>): OptionSpec[] {
  return [...spec.options, ...commonOptions(spec)];
}
