import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, readStateFile, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import type { PrepareConfig, PreparedChunk } from './prepare.js';

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
    {
      name: 'keys-out',
      type: 'string',
      arg: 'FILE',
      describe: 'Sharded form, step 1 (per shard): write the key hash of every row (16 bytes a row, after a JSON header line) to FILE instead of rows. Step 2 is --partition.',
    },
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
  const [{ parsePaths }, { readRows, readLineChunks, defaultWorkers, mapLineChunks }, { ExactDedup }, { loadIndex, saveIndex }] = await Promise.all([
    import('@ldt/schema'),
    import('@ldt/ndjson'),
    import('./dedup.js'),
    import('./index-file.js'),
  ]);
  type KeySpec = import('./key.js').KeySpec;
  const keyArg = o.fields;
  const lineMode = keyArg?.length === 1 && keyArg[0] === 'line';
  if (keyArg?.includes('line') && !lineMode) throw new UsageError('--fields line cannot be combined with field paths');
  const key: KeySpec = lineMode ? { mode: 'line' } : keyArg ? { mode: 'paths', paths: parsePaths(keyArg) } : { mode: 'auto' };
  const againstKeyArg = o['against-fields'];
  if (againstKeyArg && !o.against?.length) throw new UsageError('--against-fields needs --against FILE');
  if (lineMode && againstKeyArg && !(againstKeyArg.length === 1 && againstKeyArg[0] === 'line'))
    throw new UsageError('with --fields line, the --against files are compared by raw line too; drop --against-fields');
  const againstKey: KeySpec = againstKeyArg && !lineMode ? { mode: 'paths', paths: parsePaths(againstKeyArg) } : key;
  const normalize = o.normalize;
  if (lineMode && normalize !== 'none')
    throw new UsageError(
      '--fields line compares raw bytes; --normalize must be none with it',
      'to compare normalised text, key on a field (e.g. --fields text --normalize whitespace)',
    );

  // The sharded form: keys per shard, repeated keys per hash partition, drops applied per shard.
  const keysOut = o['keys-out'];
  const partition = o.partition;
  const dropsFiles = o.drops ?? [];
  const sharded = [keysOut, partition, dropsFiles.length ? 'x' : undefined].filter((x) => x !== undefined).length;
  if (sharded > 1) throw new UsageError('--keys-out, --partition and --drops are the three steps of the sharded form; give one of them');
  if (sharded && (o.index || o['save-index'] || o.against?.length))
    throw new UsageError(
      'the sharded form (--keys-out, --partition, --drops) does not combine with --index, --save-index or --against',
      'decontaminate with --against in a separate step',
    );
  if (sharded && lineMode) throw new UsageError('the sharded form works on JSON keys; --fields line is not supported with it');
  if ((o['drops-dir'] !== undefined) !== (partition !== undefined)) throw new UsageError('--partition I/P and --drops-dir DIR go together');
  const { createHash } = await import('node:crypto');
  // What the keys depend on besides the rows: every step must agree on it.
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ key: keyArg ?? 'auto', normalize }))
    .digest('hex');
  if (partition !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(partition);
    const part = m ? Number(m[1]) : -1;
    const of = m ? Number(m[2]) : 0;
    if (!m || of < 1 || part >= of) throw new UsageError(`--partition must be I/P with 0 <= I < P, e.g. 0/4; got ${JSON.stringify(partition)}`);
    await partitionKeys(ctx, ctx.inputs, part, of, o['drops-dir'] ?? '.', fingerprint);
    return;
  }
  const dupsPath = o.dups;
  if (dupsPath) ctx.report.setDropsSink(ctx.openOutputFile(dupsPath));
  const dedup = new ExactDedup({ key, normalize, emitDups: dupsPath !== undefined });
  const header = { tool: 'dedup-exact', hash: 'xxh3-128', key_mode: lineMode ? 'line' : 'json', normalize } as const;

  const dropsInfo = dropsFiles.length ? loadDrops(dropsFiles, fingerprint) : undefined;
  if (dropsInfo) dedup.drops = dropsInfo.rows;
  const keysHash = createHash('sha256');
  const keysWriter = keysOut ? ctx.openOutputFile(keysOut) : undefined;
  keysWriter?.pushBytes(Buffer.from(`${JSON.stringify({ format: KEYS_FORMAT, fingerprint })}\n`));
  let keyRows = 0;
  const indexPath = o.index;
  if (indexPath) {
    const { set } = await loadIndex(indexPath, header);
    dedup.index = set;
  }
  const refs = o.against ?? [];
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
      threads: o.threads ?? defaultWorkers(ctx.inputs),
      workerUrl: new URL('./worker.js', import.meta.url),
      workerData: { ...cfg, asBytes: true },
      inline: (chunk) => prepareChunk(chunk, cfg),
      rejector: report.hasRejects ? report : undefined,
    });
    for await (const { result, before } of chunks) {
      for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
      if (keysWriter || dedup.drops) {
        const keys = keysWriter ? dedup.keysOf(result, report) : result.hashes.subarray(0, result.rowLines.length * 16);
        keysHash.update(keys);
        keyRows += keys.length / 16;
        if (keysWriter) {
          keysWriter.pushBytes(Buffer.from(keys));
          await keysWriter.flush();
          await report.flushSinks();
          continue;
        }
      }
      for (const part of dedup.applyChunk(result, report)) {
        if (typeof part === 'string') out.push(part);
        else out.pushBytes(part);
      }
      await out.flush();
      await report.flushSinks();
    }
  }

  if (keysOut) {
    ctx.summaryExtra.push(`wrote ${keyRows} keys to ${keysOut}`);
    report.notes.keys = keyRows;
  }
  if (dropsInfo) {
    const want = dropsInfo;
    const got = keysHash.digest('hex');
    if (keyRows !== want.rowCount || got !== want.keys_sha256)
      throw new DataError(
        `these ${keyRows} rows are not the shard the .drops files were made for (${want.rowCount} rows with other keys)`,
        { file: want.file, line: 1 },
        "give each shard its own .drops files (made from that shard's --keys-out file)",
      );
  }
  const savePath = o['save-index'];
  if (savePath) {
    const n = await saveIndex(savePath, header, dedup.index ? [dedup.index, dedup.seen] : [dedup.seen]);
    report.notes.index_keys_saved = n;
    ctx.summaryExtra.push(`saved ${n} keys to ${savePath}`);
  }
  report.notes.distinct_keys = dedup.seen.size;
  report.notes.table_bytes = dedup.seen.byteLength;
  if (refs.length > 0) report.notes.reference_keys = dedup.referenceCount;
}

const KEYS_FORMAT = 'ldt-dedup-keys/1';
const DROPS_FORMAT = 'ldt-dedup-drops/1';

/** A state file of the sharded form (see readStateFile). */
function readHeaded(file: string, format: string, fingerprint: string): { head: Record<string, unknown>; body: Buffer } {
  return readStateFile(
    file,
    format,
    fingerprint,
    format === KEYS_FORMAT ? 'write it with dedup-exact --keys-out' : 'write it with dedup-exact --partition',
    '--fields or --normalize',
  );
}

/**
 * Sharded form, step 2: the rows of partition `part` of `of` (by the first 32 bits of their key
 * hash) whose key occurred earlier, over the shards' keys files in order; one .drops file per shard.
 */
async function partitionKeys(ctx: ToolContext, inputs: readonly string[], part: number, of: number, dir: string, fingerprint: string): Promise<void> {
  const [{ HashSet128 }, { createHash }, { basename, join }, { mkdirSync }] = await Promise.all([
    import('@ldt/hash'),
    import('node:crypto'),
    import('node:path'),
    import('node:fs'),
  ]);
  const seen = new HashSet128();
  mkdirSync(dir, { recursive: true });
  let keys = 0;
  let repeated = 0;
  for (const input of inputs) {
    if (input === '-') throw new UsageError('--partition reads --keys-out files, not standard input');
    const { body } = readHeaded(input, KEYS_FORMAT, fingerprint);
    if (body.length % 16 !== 0)
      throw new DataError(`truncated keys file (${body.length} bytes is not a multiple of 16)`, { file: input, line: 1 }, 'write it again with dedup-exact --keys-out');
    const rows = body.length / 16;
    const dropped: number[] = [];
    for (let i = 0; i < rows; i++) {
      if (body.readUInt32LE(i * 16) % of !== part) continue;
      keys++;
      if (!seen.add(body, i * 16)) dropped.push(i);
    }
    repeated += dropped.length;
    const w = ctx.openOutputFile(join(dir, `${basename(input).replace(/\.keys$/, '')}.p${part}.drops`));
    const keysSha = createHash('sha256').update(body).digest('hex');
    w.pushBytes(Buffer.from(`${JSON.stringify({ format: DROPS_FORMAT, fingerprint, partition: part, partitions: of, rows, keys_sha256: keysSha })}\n`));
    const b = Buffer.alloc(4 * dropped.length);
    for (const [k, r] of dropped.entries()) b.writeUInt32LE(r, 4 * k);
    w.pushBytes(b);
    await w.flush();
  }
  ctx.report.notes.partition = `${part}/${of}`;
  ctx.report.notes.partition_keys = keys;
  ctx.report.notes.repeated = repeated;
  ctx.report.notes.distinct_keys = seen.size;
  ctx.summaryExtra.push(`partition ${part}/${of}: ${keys} keys from ${inputs.length} shards, ${repeated} repeated`);
}

/** Sharded form, step 3: the union of one shard's .drops files, checked to be its P partitions. */
function loadDrops(files: readonly string[], fingerprint: string): { rows: Set<number>; rowCount: number; keys_sha256: string; file: string } {
  const drop = new Set<number>();
  let first: { rows: number; keys_sha256: string; partitions: number; file: string } | undefined;
  const parts = new Set<number>();
  for (const file of files) {
    const { head, body } = readHeaded(file, DROPS_FORMAT, fingerprint);
    const h = { rows: Number(head.rows), keys_sha256: String(head.keys_sha256), partitions: Number(head.partitions), file };
    first ??= h;
    if (h.rows !== first.rows || h.keys_sha256 !== first.keys_sha256 || h.partitions !== first.partitions)
      throw new DataError(`is for another shard or partitioning than ${first.file}`, { file, line: 1 }, "give --drops the .drops files of one shard's keys, from one partitioning");
    const part = Number(head.partition);
    if (parts.has(part)) throw new DataError(`partition ${part} given twice`, { file, line: 1 });
    parts.add(part);
    for (let k = 0; k + 4 <= body.length; k += 4) drop.add(body.readUInt32LE(k));
  }
  if (!first || parts.size !== first.partitions) {
    const missing = Array.from({ length: first?.partitions ?? 0 }, (_, i) => i).filter((i) => !parts.has(i));
    throw new UsageError(`--drops needs the shard's .drops file of every partition; missing partition ${missing.join(', ')} of ${first?.partitions}`);
  }
  return { rows: drop, rowCount: first.rows, keys_sha256: first.keys_sha256, file: first.file };
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
