import type { OptionSpec } from './spec.js';

/**
 * The shared option names: ONE spelling per concept, used by every tool that has the concept.
 * A tool takes an entry with `sharedOption(name, { describe, default, ... })` (its own wording
 * and default; name, type, argument name and deprecated spellings stay the table's). A test over
 * every tool's table (test/test/options.test.ts) fails when a tool spells a concept another way,
 * or when two tools use one name that is not from this table.
 *
 * Choices (the name a user would guess first, kebab-case like --out-dir and --cache-dir):
 * - `--threads N`, not `--jobs`: three tools already said threads; "jobs" suggests processes.
 * - `--tmp-dir DIR`, not `--tmpdir`: kebab-case, as `--out-dir` and `--cache-dir`.
 * - `--fields PATHS`: the field paths a tool reads from each row (the key of dedup-exact, the
 *   compared text of dedup-near, the fields normalize-encoding fixes, the text manifest and
 *   curriculum-route count tokens of). Plural, because it takes a comma-separated list;
 *   `--key` and `--text-field` remain as deprecated spellings.
 * - `--against FILE` / `--against-fields PATHS`: reference files (eval sets) and the field
 *   paths in them, named after `--fields`; `--against-key` is deprecated.
 * Deprecated spellings keep working for one minor version as hidden aliases that print a
 * one-line warning on stderr.
 */
export const SHARED_OPTIONS = {
  threads: {
    name: 'threads',
    type: 'integer',
    arg: 'N',
    min: 1,
    max: 256,
    concept: 'worker threads',
    deprecated: ['jobs'],
    describe: 'Worker threads; 1 = none. The output does not depend on it.',
  },
  'tmp-dir': {
    name: 'tmp-dir',
    type: 'string',
    arg: 'DIR',
    concept: 'temporary directory',
    deprecated: ['tmpdir'],
    describe: 'Directory for temporary files, in a private subdirectory removed on exit, error, SIGINT and SIGTERM.',
    defaultText: '$TMPDIR, else /tmp',
  },
  fields: {
    name: 'fields',
    type: 'paths',
    arg: 'PATHS',
    concept: 'field paths read from each row',
    deprecated: ['key', 'text-field'],
    describe: 'Comma-separated dotted field paths (e.g. text, extra_info.question, messages.*.content).',
  },
  against: {
    name: 'against',
    type: 'string',
    arg: 'FILE',
    repeatable: true,
    file: 'input',
    concept: 'reference files',
    describe: 'Reference NDJSON file (e.g. an eval set).',
  },
  'against-fields': {
    name: 'against-fields',
    type: 'paths',
    arg: 'PATHS',
    concept: 'field paths of the reference files',
    deprecated: ['against-key'],
    describe: 'The field paths in the --against files, when they have another shape than the input.',
    defaultText: 'the same as --fields',
  },
  seed: {
    name: 'seed',
    type: 'integer',
    arg: 'N',
    min: 0,
    max: 4294967295,
    concept: 'seed',
    describe: 'Seed of the hash or PRNG; another seed gives another, independent result.',
  },
  memory: {
    name: 'memory',
    type: 'size',
    arg: 'SIZE',
    min: 1000,
    concept: 'memory budget',
    describe: 'Memory budget (e.g. 512M, 2GiB); beyond it, sorted runs go to --tmp-dir. Does not change the output.',
  },
  'out-dir': {
    name: 'out-dir',
    type: 'string',
    short: 'o',
    arg: 'DIR',
    concept: 'output directory',
    describe: 'Write files into DIR instead of stdout.',
  },
  'keys-out': {
    name: 'keys-out',
    type: 'string',
    arg: 'FILE',
    file: 'output',
    concept: 'per-row keys for the merge step of a sharded form',
    describe: 'Sharded form, per shard: write the key of every row to FILE for the merge step.',
  },
  dups: {
    name: 'dups',
    type: 'string',
    arg: 'FILE',
    file: 'output',
    concept: 'dropped-rows file',
    describe: 'Write dropped rows to FILE. Written atomically.',
  },
  index: {
    name: 'index',
    type: 'string',
    arg: 'FILE',
    concept: 'load a saved index',
    describe: 'Load the index saved by an earlier run (--save-index).',
  },
  'save-index': {
    name: 'save-index',
    type: 'string',
    arg: 'FILE',
    file: 'output',
    lock: true,
    concept: 'save an index',
    describe: 'Save the index to FILE. May be the same file as --index.',
  },
  normalize: {
    name: 'normalize',
    type: 'choice',
    choices: ['none', 'whitespace', 'lower', 'aggressive'],
    concept: 'text normalisation of keys',
    default: 'none',
    describe: 'Text normalisation before comparing.',
  },
  'group-by': {
    name: 'group-by',
    type: 'paths',
    arg: 'PATHS',
    concept: 'grouping field paths',
    describe: 'Comma-separated dotted paths whose values form the group.',
  },
  tokenizer: {
    name: 'tokenizer',
    type: 'string',
    arg: 'NAME|FILE',
    concept: 'tokenizer',
    describe: 'Count tokens with o200k_base or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json.',
  },
  field: {
    name: 'field',
    type: 'string',
    arg: 'KEY',
    concept: 'the key of a JSON document whose array holds the rows',
    describe: "JSON files: a document that is one object is one row; with --field KEY its array under KEY holds the rows (as the datasets json loader's field=).",
  },
  template: {
    name: 'template',
    type: 'string',
    arg: 'NAME|FILE',
    concept: 'a chat template',
    describe:
      'A chat template: chatml (built in: <|im_start|>role\\ncontent<|im_end|>\\n per message), or a Hugging Face tokenizer_config.json (its chat_template and special tokens) or .jinja file, rendered with @huggingface/jinja (add_generation_prompt false).',
  },
  'source-root': {
    name: 'source-root',
    type: 'string',
    arg: 'DIR',
    concept: 'the folder local file names in meta.source are relative to',
    describe:
      "meta.source of a local file is NAME@xxh3-HASH (HASH: XXH3-64 of its bytes); NAME is the file's path relative to DIR (symlinks resolved), so it does not depend on the working directory.",
    defaultText: 'the file name alone',
  },
  'source-name': {
    name: 'source-name',
    type: 'string',
    arg: 'NAME',
    concept: 'the name of standard input in meta.source',
    describe: 'meta.source of rows read from standard input (which has no content hash before its first row).',
    default: 'stdin',
  },
  json: {
    name: 'json',
    type: 'boolean',
    concept: 'machine-readable output',
    describe: 'Print JSON (for scripts) instead of tables.',
    default: false,
  },
} as const satisfies Record<string, OptionSpec>;

export type SharedOptionName = keyof typeof SHARED_OPTIONS;

/** What a tool may change in a shared entry: its wording, default, bounds and group. Not the name, type or argument. */
export type SharedOverrides = Partial<Pick<OptionSpec, 'describe' | 'default' | 'defaultText' | 'min' | 'max' | 'group' | 'repeatable'>>;

/**
 * A shared option for a tool's table, with the tool's own wording and default:
 * `sharedOption('threads', { describe: '...', defaultText: 'the number of CPUs, at most 4' })`.
 */
export function sharedOption<const K extends SharedOptionName>(name: K): (typeof SHARED_OPTIONS)[K];
export function sharedOption<const K extends SharedOptionName, const X extends SharedOverrides>(name: K, overrides: X): Omit<(typeof SHARED_OPTIONS)[K], keyof X> & X;
export function sharedOption(name: SharedOptionName, overrides?: SharedOverrides): OptionSpec {
  return { ...SHARED_OPTIONS[name], ...overrides };
}

/** Every deprecated spelling → its name in the table. */
export function deprecatedSpellings(): Map<string, string> {
  const m = new Map<string, string>();
  for (const o of Object.values(SHARED_OPTIONS) as OptionSpec[]) for (const d of o.deprecated ?? []) m.set(d, o.name);
  return m;
}
