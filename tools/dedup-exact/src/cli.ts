import { createRequire } from 'node:module';
import { type Io, runProcess, runTool, type ToolContext, type ToolSpec } from '@ldt/cli';
import { UsageError } from '@ldt/errors';
import type { PrepareConfig, PreparedChunk } from './prepare.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec: ToolSpec = {
  name: 'dedup-exact',
  version,
  summary: 'drop rows whose key was seen before',
  description:
    'Reads NDJSON rows and writes to stdout every row whose key has not been seen before, in input order, with meta.content_hash (XXH3-128 of the key, 32 hex digits) added; every byte outside meta is written as read. The first occurrence is kept. The key is --key PATHS (default: messages for chat rows, text for text rows, else the whole row without meta), as canonical text (object keys sorted, so key order does not matter) after --normalize. With --against, rows whose key occurs in reference sets (e.g. eval sets) are dropped too. Dropped rows are counted on stderr by reason (duplicate, in_index, in_reference) and, with --dups, written there with meta.dup_of. ' +
    'Memory: 20-24 bytes per distinct kept key (a typed-array hash table), the same per key of a loaded --index, ~150 bytes per distinct reference key; one read chunk besides. Deterministic: the same input and flags give byte-identical output.',
  usage: ['dedup-exact [OPTIONS] [FILE...]', 'dedup-exact --key line [OPTIONS] [FILE...]', 'dedup-exact --against REF [--against-key PATHS] [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    {
      name: 'key',
      type: 'paths',
      arg: 'PATHS',
      describe:
        "Comma-separated dotted field paths whose values form the key (e.g. messages, extra_info.question, messages.*.content); each row uses the paths it has (the key names them), a row with none is a missing_key reject. 'line' hashes the raw line bytes instead, without parsing JSON: an order-preserving sort -u (no meta.content_hash is added then).",
      defaultText: 'by record kind (shared/schema): text; messages (+ tools) of chat rows; prompt, chosen, rejected; prompt, completion, label; else the whole row without meta',
    },
    {
      name: 'normalize',
      type: 'choice',
      choices: ['none', 'whitespace', 'lower', 'aggressive'],
      describe:
        'Text normalisation of the key strings before hashing: none (exact); whitespace (trim, fold runs of Unicode white space to one space); lower (whitespace + lower-case); aggressive (NFKC, lower-case, punctuation removed, white space folded; digits and symbols kept).',
      default: 'none',
    },
    {
      name: 'dups',
      type: 'string',
      arg: 'FILE',
      describe:
        'Write dropped rows to FILE with meta.content_hash and meta.dup_of (the content hash of the kept row, or file:line of the matched --against reference). Written atomically.',
    },
    {
      name: 'against',
      type: 'string',
      arg: 'FILE',
      repeatable: true,
      describe: 'Reference NDJSON file (e.g. an eval set): drop rows whose key occurs in it, without emitting the references. Counted as in_reference.',
    },
    {
      name: 'against-key',
      type: 'paths',
      arg: 'PATHS',
      describe: 'The key paths in the --against files, when they have another shape than the input.',
      defaultText: 'the same as --key',
    },
    {
      name: 'threads',
      type: 'integer',
      arg: 'N',
      min: 1,
      max: 64,
      describe:
        'Worker threads that parse and hash rows in parallel (the seen-set and the output stay on the main thread, in input order). 1 = no worker threads. The output is byte-identical for any value.',
      defaultText: 'the number of CPUs, at most 4',
    },
    {
      name: 'index',
      type: 'string',
      arg: 'FILE',
      describe: 'Load the seen-set saved by an earlier run (--save-index) and drop rows whose key is in it (counted as in_index). Must match --normalize and the --key kind.',
    },
    {
      name: 'save-index',
      type: 'string',
      arg: 'FILE',
      describe: 'Save the seen-set (loaded --index plus the keys kept in this run) to FILE: versioned binary, 16 bytes per key plus a checksum. May be the same file as --index.',
    },
  ],
  examples: [
    ['dedup-exact examples/chat.ndjson > /tmp/unique.ndjson', 'Drop repeated conversations (same messages) from a chat file.'],
    [
      'dedup-exact --key question --normalize whitespace --dups /tmp/dups.ndjson examples/gsm8k-sample.ndjson > /tmp/unique.ndjson',
      'Key on one field, ignoring white-space differences; keep what was dropped.',
    ],
    [
      'dedup-exact --key extra_info.question --against examples/gsm8k-test-sample.ndjson --against-key question examples/gsm8k-nested-mix.ndjson > /tmp/clean.ndjson',
      'Decontaminate: drop rows whose question is in an eval set with another shape.',
    ],
    [
      'dedup-exact --save-index /tmp/seen.idx examples/chat.ndjson > /dev/null && dedup-exact --index /tmp/seen.idx examples/chat.ndjson',
      'Deduplicate new data against what an earlier run kept (here, everything is dropped).',
    ],
    ['dedup-exact --key line < examples/chat.ndjson | head -1', 'Order-preserving sort -u on raw lines.'],
  ],
  seeAlso: ['dedup-near (near-duplicates, MinHash-LSH)', 'split-holdout', 'manifest'],
};

/** Run dedup-exact with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: Record<string, unknown>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const [{ parsePaths }, { readRows, readLineChunks, defaultWorkers, mapLineChunks }, { ExactDedup }, { loadIndex, saveIndex }] = await Promise.all([
    import('@ldt/schema'),
    import('@ldt/ndjson'),
    import('./dedup.js'),
    import('./index-file.js'),
  ]);
  type KeySpec = import('./key.js').KeySpec;
  const keyArg = o.key as string[] | undefined;
  const lineMode = keyArg?.length === 1 && keyArg[0] === 'line';
  if (keyArg?.includes('line') && !lineMode) throw new UsageError('--key line cannot be combined with field paths');
  const key: KeySpec = lineMode ? { mode: 'line' } : keyArg ? { mode: 'paths', paths: parsePaths(keyArg) } : { mode: 'auto' };
  const againstKeyArg = o['against-key'] as string[] | undefined;
  if (againstKeyArg && !(o.against as string[] | undefined)?.length) throw new UsageError('--against-key needs --against FILE');
  if (lineMode && againstKeyArg && !(againstKeyArg.length === 1 && againstKeyArg[0] === 'line'))
    throw new UsageError('with --key line, the --against files are compared by raw line too; drop --against-key');
  const againstKey: KeySpec = againstKeyArg && !lineMode ? { mode: 'paths', paths: parsePaths(againstKeyArg) } : key;
  const normalize = o.normalize as import('@ldt/text').NormalizeMode;
  if (lineMode && normalize !== 'none')
    throw new UsageError('--key line compares raw bytes; --normalize must be none with it', 'to compare normalised text, key on a field (e.g. --key text --normalize whitespace)');

  const dupsPath = o.dups as string | undefined;
  if (dupsPath) ctx.report.setDropsSink(ctx.openOutputFile(dupsPath));
  const dedup = new ExactDedup({ key, normalize, emitDups: dupsPath !== undefined });
  const header = { tool: 'dedup-exact', hash: 'xxh3-128', key_mode: lineMode ? 'line' : 'json', normalize } as const;

  const indexPath = o.index as string | undefined;
  if (indexPath) {
    const { set } = await loadIndex(indexPath, header);
    dedup.index = set;
  }
  const refs = (o.against as string[] | undefined) ?? [];
  if (refs.length > 0) {
    // References are read strictly (no --rejects): a bad reference line is an error.
    const refOpts = { stdin: ctx.io.stdin };
    if (lineMode) for await (const chunk of readLineChunks(refs, refOpts)) dedup.addReferenceLines(chunk);
    else for await (const batch of readRows(refs, refOpts)) dedup.addReferences(batch, againstKey);
  }

  const { report, out } = ctx;
  if (lineMode) {
    for await (const chunk of readLineChunks(ctx.inputs, ctx.readOptions)) {
      for (const b of dedup.filterLines(chunk, report)) out.pushBytes(b);
      await out.flush();
      await report.flushSinks();
    }
  } else {
    const cfg: PrepareConfig = { keyPaths: keyArg, normalize, keepRaw: dupsPath !== undefined, asBytes: false };
    const { prepareChunk } = await import('./prepare.js');
    const chunks = mapLineChunks<PreparedChunk>(ctx.inputs, ctx.readOptions, {
      threads: (o.threads as number | undefined) ?? defaultWorkers(),
      workerUrl: new URL('./worker.js', import.meta.url),
      workerData: { ...cfg, asBytes: true },
      inline: (chunk) => prepareChunk(chunk, cfg),
      rejector: report.hasRejects ? report : undefined,
    });
    for await (const { result, before } of chunks) {
      for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
      for (const part of dedup.applyChunk(result, report)) {
        if (typeof part === 'string') out.push(part);
        else out.pushBytes(part);
      }
      await out.flush();
      await report.flushSinks();
    }
  }

  const savePath = o['save-index'] as string | undefined;
  if (savePath) {
    const n = await saveIndex(savePath, header, dedup.index ? [dedup.index, dedup.seen] : [dedup.seen]);
    report.notes.index_keys_saved = n;
    ctx.summaryExtra.push(`saved ${n} keys to ${savePath}`);
  }
  report.notes.distinct_keys = dedup.seen.size;
  report.notes.table_bytes = dedup.seen.byteLength;
  if (refs.length > 0) report.notes.reference_keys = dedup.referenceCount;
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
