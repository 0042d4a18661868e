import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'dedup-exact',
  version,
  summary: 'drop rows whose key was seen before',
  description:
    'Reads NDJSON rows and writes to stdout every row whose key has not been seen before, in input order, with meta.content_hash (XXH3-128 of the key, 32 hex digits) added; every byte outside meta is written as read. The first occurrence is kept. The key is --fields PATHS (default: by record kind, see shared/schema), as canonical text (object keys sorted, so key order does not matter) after --normalize. With --against, rows whose key occurs in reference sets (e.g. eval sets) are dropped too. Dropped rows are counted on stderr by reason (duplicate, in_index, in_reference) and, with --dups, written there with meta.dup_of. ' +
    'Memory: 20-24 bytes per distinct kept key (a typed-array hash table), the same per key of a loaded --index, ~150 bytes per distinct reference key; one read chunk besides. Deterministic: the same input and flags give byte-identical output.',
  usage: ['dedup-exact [OPTIONS] [FILE...]', 'dedup-exact --fields line [OPTIONS] [FILE...]', 'dedup-exact --against REF [--against-fields PATHS] [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    sharedOption('fields', {
      describe:
        "Comma-separated dotted field paths whose values form the key (e.g. messages, extra_info.question, messages.*.content); each row uses the paths it has (the key names them), a row with none is a missing_key reject. 'line' hashes the raw line bytes instead, without parsing JSON: an order-preserving sort -u (no meta.content_hash is added then).",
      defaultText: 'by record kind (shared/schema): text; messages (+ tools) of chat rows; prompt, chosen, rejected; prompt, completion, label; else the whole row without meta',
    }),
    sharedOption('normalize', {
      describe:
        'Text normalisation of the key strings before hashing: none (exact); whitespace (trim, fold runs of Unicode white space to one space); lower (whitespace + lower-case); aggressive (NFKC, lower-case, punctuation removed, white space folded; digits and symbols kept).',
      default: 'none',
    }),
    sharedOption('dups', {
      describe:
        'Write dropped rows to FILE with meta.content_hash and meta.dup_of (the content hash of the kept row, or file:line of the matched --against reference). Written atomically.',
    }),
    sharedOption('against', {
      describe: 'Reference NDJSON file (e.g. an eval set): drop rows whose key occurs in it, without emitting the references. Counted as in_reference.',
    }),
    sharedOption('against-fields', {
      describe: 'The key paths in the --against files, when they have another shape than the input.',
    }),
    sharedOption('threads', {
      max: 64,
      describe:
        'Worker threads that parse and hash rows in parallel (the seen-set and the output stay on the main thread, in input order). 1 = no worker threads. The output is byte-identical for any value.',
      defaultText: 'the number of CPUs, at most 4; 1 when reading a pipe (the other stages use the other cores)',
    }),
    sharedOption('index', {
      describe: 'Load the seen-set saved by an earlier run (--save-index) and drop rows whose key is in it (counted as in_index). Must match --normalize and the --fields kind.',
    }),
    sharedOption('keys-out', {
      describe: 'Sharded form, step 1 (per shard): write the key hash of every row (16 bytes a row, after a JSON header line) to FILE instead of rows. Step 2 is --partition.',
    }),
    {
      name: 'partition',
      type: 'string',
      arg: 'I/P',
      describe:
        "Sharded form, step 2 (once per partition, each independent): the FILE arguments are the shards' --keys-out files in input order; find the repeated keys whose hash falls in partition I of P (0 <= I < P) and write, for each shard, DIR/<keys file name>.p<I>.drops (--drops-dir). Holds 20-24 bytes per distinct key of the partition.",
    },
    {
      name: 'drops-dir',
      type: 'string',
      arg: 'DIR',
      describe: 'With --partition: the folder the .drops files go to (created if needed; each written atomically).',
    },
    {
      name: 'drops',
      type: 'string',
      arg: 'FILE',
      repeatable: true,
      describe:
        "Sharded form, step 3 (per shard): the shard's .drops files, one per partition (all P of them); drop those rows as duplicates and write the rest as usual. The shards' outputs, concatenated in order, are the single-process output. Repeatable.",
    },
    sharedOption('save-index', {
      describe: 'Save the seen-set (loaded --index plus the keys kept in this run) to FILE: versioned binary, 16 bytes per key plus a checksum. May be the same file as --index.',
    }),
  ],
  examples: [
    ['dedup-exact examples/chat.ndjson > /tmp/unique.ndjson', 'Drop repeated conversations (same messages) from a chat file.'],
    [
      'dedup-exact --fields question --normalize whitespace --dups /tmp/dups.ndjson examples/gsm8k-sample.ndjson > /tmp/unique.ndjson',
      'Key on one field, ignoring white-space differences; keep what was dropped.',
    ],
    [
      'dedup-exact --fields extra_info.question --against examples/gsm8k-test-sample.ndjson --against-fields question examples/gsm8k-nested-mix.ndjson > /tmp/clean.ndjson',
      'Decontaminate: drop rows whose question is in an eval set with another shape.',
    ],
    [
      'dedup-exact --save-index /tmp/seen.idx examples/chat.ndjson > /dev/null && dedup-exact --index /tmp/seen.idx examples/chat.ndjson',
      'Deduplicate new data against what an earlier run kept (here, everything is dropped).',
    ],
    ['dedup-exact --fields line < examples/chat.ndjson | head -1', 'Order-preserving sort -u on raw lines.'],
  ],
  seeAlso: ['dedup-near (near-duplicates, MinHash-LSH)', 'split-holdout', 'manifest'],
});

/** Run dedup-exact with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runDedupExact } = await import('./run.js');
  await runDedupExact(
    {
      fields: o.fields,
      normalize: o.normalize,
      dups: o.dups,
      against: o.against ?? [],
      againstFields: o['against-fields'],
      threads: o.threads,
      index: o.index,
      saveIndex: o['save-index'],
      keysOut: o['keys-out'],
      partition: o.partition,
      dropsDir: o['drops-dir'],
      drops: o.drops ?? [],
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
