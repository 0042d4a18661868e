/**
 * The option table: every tool declares its options once, as data (Miller's OptionSpec). Help,
 * the parser, the README check and the argv tests are all driven by it, so they cannot drift.
 */
export type OptionType = 'boolean' | 'string' | 'integer' | 'number' | 'size' | 'choice' | 'paths';

export interface OptionSpec {
  /** Long name without dashes, kebab-case (`save-index`). */
  name: string;
  type: OptionType;
  /** One-letter alias (only -h, -V, -q and -o are used by convention). */
  short?: string;
  /** Argument name shown in help (`FILE`, `PATHS`, `N`). */
  arg?: string;
  /** What it does, its default and its off-switch. One or more sentences. */
  describe: string;
  /** Default value (after conversion). Shown in help unless `defaultText` overrides it. */
  default?: unknown;
  defaultText?: string;
  /** Allowed values for `choice`. */
  choices?: readonly string[];
  /** May be given several times (values collected into an array; `paths` also splits on commas). */
  repeatable?: boolean;
  /** Inclusive bounds for integer/number/size. */
  min?: number;
  max?: number;
  /** Help group; defaults to the tool's own options. */
  group?: string;
  /**
   * The value names a file the tool reads (`input`) or writes (`output`). Before anything is read,
   * an output that is an input (same device and inode) or another output is a usage error.
   */
  file?: 'input' | 'output';
  /**
   * A persistent output (an index others build on): the run holds an advisory lock file
   * (`FILE.lock`, naming host and PID) from start to end, so a second writer fails at once.
   */
  lock?: boolean;
  /** A value option that `--no-NAME` turns off explicitly: its value is then `false` (e.g. hf-fetch `--no-registry`). */
  negatable?: boolean;
}

export interface ToolSpec {
  /** Command name (`dedup-exact`). */
  name: string;
  version: string;
  /** One line: what the tool does. */
  summary: string;
  /** A short paragraph: what it reads, writes to stdout and stderr, memory, determinism. */
  description: string;
  usage: readonly string[];
  options: readonly OptionSpec[];
  /** Offer `--rejects FILE` (the tool can divert unusable lines). */
  rejects?: boolean;
  /** `[command, what it does]` pairs; commands are real pipelines over examples/. */
  examples: readonly (readonly [string, string])[];
  /** Extra exit status lines beyond the standard 0/1/2. */
  exitStatus?: readonly string[];
  seeAlso?: readonly string[];
  /** What positional arguments mean; default: NDJSON input files (`-` = stdin). */
  positional?: { name: string; describe: string };
}

/** Options every tool has, appended to the tool's own table. */
export function commonOptions(spec: ToolSpec): OptionSpec[] {
  const common: OptionSpec[] = [];
  if (spec.rejects) {
    common.push({
      name: 'rejects',
      type: 'string',
      arg: 'FILE',
      describe:
        'Write lines that are not usable rows (invalid JSON, not an object, invalid UTF-8) to FILE verbatim, count them, and go on. Without it the first such line is an error (exit 1).',
      group: 'Common options',
      file: 'output',
    });
  }
  common.push(
    {
      name: 'stats',
      type: 'string',
      arg: 'FILE',
      describe: 'Write the summary as JSON to FILE (tool, version, argv, rows read/written/dropped/rejected), e.g. for manifest --stats-from.',
      group: 'Common options',
      file: 'output',
    },
    {
      name: 'quiet',
      type: 'boolean',
      short: 'q',
      describe: 'Print no summary line and no progress on stderr (errors are still printed).',
      default: false,
      group: 'Common options',
    },
    { name: 'help', type: 'boolean', short: 'h', describe: 'Print this help to stdout and exit 0.', group: 'Common options' },
    { name: 'version', type: 'boolean', short: 'V', describe: 'Print the version to stdout and exit 0.', group: 'Common options' },
  );
  return common;
}

/** The full option table of a tool: its own options, then the common ones. */
export function allOptions(spec: ToolSpec): OptionSpec[] {
  return [...spec.options, ...commonOptions(spec)];
}
