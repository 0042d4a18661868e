import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { DEFAULT_MAX_EPOCHS, DEFAULT_SEED } from './defaults.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'curriculum-route',
  version,
  summary: 'route rows into training phases with exact, deterministic per-source mixing weights',
  description:
    "Reads NDJSON rows and a curriculum config (YAML or JSON: phases in order, each with match rules over meta.source globs, meta.family, kind text|chat|preference|kto|prompt_only|other, turns and length, a target in rows or tokens, and per-source weights) and writes every taken row with meta.phase to stdout, or to DIR/<phase>.jsonl with --out-dir. A row goes to the first phase whose rules and one of whose sources match it. Each phase target is split across its sources by weight exactly (largest remainder); a source with more rows than its part is downsampled by hash(seed, row), one with fewer is repeated whole epochs first and then a hash-selected remainder, with meta.repeat = 1, 2, … on the copies (up to --max-epochs copies; a source that cannot fill its part gets a warning). Rows not taken are counted as downsampled; rows no phase matches follow --unmatched. The summary on stderr gives, per phase, target vs achieved rows and tokens and each source's share. " +
    'Input is read twice (stdin is first copied to a temporary file). Memory: 28 bytes per input row (line number, phase/source, 64-bit hash, tokens, meta length, copies, sort index; up to 50 while the arrays grow by doubling). Deterministic: the same rows (in any order), config and --seed select the same rows.',
  usage: ['curriculum-route --config FILE [OPTIONS] [FILE...]', 'curriculum-route --config FILE --out-dir DIR [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    {
      name: 'config',
      type: 'string',
      arg: 'FILE',
      describe: 'The curriculum (required): YAML, or JSON by a .json extension. Errors name the config path, e.g. phases[1].sources[0].weight: must be > 0.',
    },
    sharedOption('out-dir', { describe: 'Write one file per phase, DIR/<phase>.jsonl (atomically; every phase gets a file), instead of stdout.' }),
    {
      name: 'unmatched',
      type: 'string',
      arg: 'reject|drop|PHASE',
      describe:
        'Rows no phase matches: reject (an error naming file:line; with --rejects FILE they go there verbatim, counted as unmatched), drop (counted as unmatched), or the name of a phase that takes them as they are, outside its mix.',
      default: 'reject',
    },
    sharedOption('seed', {
      describe: 'Seed of the row hash that selects rows when downsampling and for the remainder when repeating.',
      defaultText: `the config's seed, else ${DEFAULT_SEED}`,
    }),
    {
      name: 'max-epochs',
      type: 'integer',
      arg: 'N',
      min: 1,
      max: 1000,
      describe: 'Most copies of one row a source may use to reach its share.',
      defaultText: `the config's max_epochs, else ${DEFAULT_MAX_EPOCHS}`,
    },
    sharedOption('tokenizer', {
      describe:
        'Count tokens (token targets, the summary) with o200k_base or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json. Without it tokens are an estimate, ceil(UTF-8 bytes / 4) per text.',
    }),
    {
      name: 'counts-out',
      type: 'string',
      arg: 'FILE',
      describe:
        'Sharded form, step 1 (per shard): route the rows and write their counts (bucket, 64-bit hash, tokens: 16 bytes a row, after a JSON header line) to FILE instead of writing rows. Step 2 merges them with --plan-out.',
    },
    {
      name: 'plan-out',
      type: 'string',
      arg: 'FILE',
      describe:
        "Sharded form, step 2 (once): the FILE arguments are --counts-out files, in input order; decide every row's copies exactly as one process over the concatenated shards would, and write the plan (2 bytes a row) to FILE. Prints the phase lines.",
    },
    {
      name: 'plan',
      type: 'string',
      arg: 'FILE',
      describe:
        "Sharded form, step 3 (per shard): take the copies of this shard's rows from the plan made by --plan-out (the shard is found by the checksum of its counts) and write them as usual. The shards' outputs, concatenated in order, are the single-process output.",
    },
    sharedOption('fields', {
      describe: "The fields whose strings are the row's text (tokens and the length rule).",
      defaultText: 'by record kind (shared/schema): message contents, reasoning, tool calls and tool definitions; text; else every string outside meta',
    }),
    {
      name: 'rebalance',
      type: 'boolean',
      default: false,
      describe:
        'Give the shortfall of a source that cannot fill its part within --max-epochs to the other sources of its phase, in proportion to their weights, so the phase total is exact when the phase as a whole has enough rows (the shares then differ from the weights; the summary shows both).',
    },
    {
      name: 'strict',
      type: 'boolean',
      default: false,
      describe: 'Fail (exit 1, nothing written) when a phase target cannot be met: a SHORT source, or (with --rebalance) a phase short as a whole.',
    },
    sharedOption('tmp-dir', { describe: 'Directory for the copy of standard input read in the second pass (a private subdirectory, removed at the end).' }),
  ],
  examples: [
    [
      'curriculum-route --config configs/curriculum.example.yaml examples/curriculum-mix.ndjson > /tmp/curriculum.ndjson',
      'Route a mixed file through the three-stage example curriculum.',
    ],
    [
      'curriculum-route --config configs/curriculum.example.yaml --out-dir /tmp/phases --seed 7 --stats /tmp/curriculum-stats.json examples/curriculum-mix.ndjson',
      'One file per phase, another seed; the per-phase results go into the --stats JSON too.',
    ],
    [
      'cat examples/curriculum-mix.ndjson | curriculum-route --config configs/curriculum.example.yaml --unmatched drop --max-epochs 2 | head -1',
      'From stdin, dropping rows no phase matches, at most 2 copies of a row.',
    ],
  ],
  seeAlso: ['manifest', 'shuffle (to interleave repeats)', 'split-holdout'],
});

/** Run curriculum-route with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runCurriculumRoute } = await import('./run.js');
  await runCurriculumRoute(
    {
      config: o.config,
      outDir: o['out-dir'],
      unmatched: o.unmatched,
      seed: o.seed,
      maxEpochs: o['max-epochs'],
      tokenizer: o.tokenizer,
      countsOut: o['counts-out'],
      planOut: o['plan-out'],
      plan: o.plan,
      fields: o.fields,
      rebalance: o.rebalance,
      strict: o.strict,
      tmpDir: o['tmp-dir'],
      quiet: o.quiet,
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
