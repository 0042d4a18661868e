import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { UsageError } from '@ldt/errors';
import type { ParquetTuning } from './parquet.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const NET = 'Network and cache';

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'hf-fetch',
  version,
  summary: 'stream a Hugging Face dataset, or a local copy of one, to NDJSON',
  description:
    'Writes one JSON object per dataset row to stdout, split by split, file by file, in row order. DATASET is a Hub id (owner/name), hf://datasets/owner/name[@rev]/path-or-glob, a local folder laid out like a dataset repo (a git clone, or a snapshot folder of the HF cache), or local files/globs. Configs and splits are resolved as the datasets library does: the README YAML configs, else split names in file names (data/train-00000-of-00001.parquet, train.jsonl, dev/…), else everything is train; without --split every split of the config is written. Formats: parquet (snappy, gzip, zstd, brotli, lz4), JSON Lines and JSON (.gz/.zst too), CSV/TSV, text. Every row gets meta.source (hf://datasets/o/n@<commit>/<file>?config=…&split=…#<row>) and meta.license (the card, or the registry). ' +
    "A dataset defined only by a loading script (<name>.py; hf-fetch runs no scripts) is read from the Hub's parquet conversion when it has one (a warning says so, and meta.converted_from names the script), else the error says what to do. A dataset id the Hub does not know gets the closest ids from the Hub search (did you mean …?). " +
    'The revision is resolved to a commit once; every file is read at that commit. Downloads go into the Hugging Face cache (HF_HUB_CACHE / HF_HOME), shared with Python; HF_HUB_OFFLINE=1 reads only the cache. Parquet is read one row group at a time (memory: about one row group), by HTTP range requests when only part of a file is needed (--limit) or with --no-cache. The token (HF_TOKEN, else HF_TOKEN_PATH or $HF_HOME/token) is sent to the Hub only, never to a CDN after a redirect, and never printed. Deterministic: the same dataset commit and flags give byte-identical output.',
  usage: [
    'hf-fetch DATASET [--config NAME] [--split NAME] [--revision REV] [--columns a,b] [--limit N] [OPTIONS]',
    'hf-fetch DATASET --list [--config NAME] [--split NAME]',
    'hf-fetch FILE_OR_GLOB... [OPTIONS]',
    'hf-fetch registry check|list|plan|enable ...   (the dataset registry; hf-fetch registry --help)',
  ],
  positional: {
    name: 'DATASET',
    describe:
      "owner/name (the Hub), hf://datasets/owner/name[@revision][/path-or-glob], a local dataset folder, local files/globs (parquet, .jsonl/.ndjson, .json, .csv, .tsv, .txt; .gz/.zst), or '-' for standard input.",
  },
  options: [
    {
      name: 'config',
      type: 'string',
      arg: 'NAME',
      describe: 'The config (subset) to read.',
      defaultText: 'the default config: the only one, the one marked default: true, or the one named default',
    },
    {
      name: 'split',
      type: 'string',
      arg: 'NAME',
      describe: 'The split to read (train, validation, test, …).',
      defaultText: 'every split of the config, in the order train, validation, test, then the rest',
    },
    { name: 'revision', type: 'string', arg: 'REV', describe: 'Branch, tag or commit sha to read (Hub only); resolved to a commit once at the start.', defaultText: 'main' },
    {
      name: 'columns',
      type: 'paths',
      arg: 'a,b',
      describe: 'Keep only these top-level columns, in this order (parquet reads only their column chunks). A missing column is an error naming the columns that exist.',
    },
    sharedOption('field', {
      describe:
        "JSON files: a file that is one object is one row; with --field KEY its array under KEY holds the rows (as the datasets json loader's field=). JSON and JSON Lines are read as to-chatml reads them (@ldt/ndjson readJsonInput).",
    }),
    { name: 'limit', type: 'integer', arg: 'N', min: 0, describe: 'Stop after N rows in all (parquet files are then read by ranges, only the row groups needed).' },
    { name: 'list', type: 'boolean', describe: 'Print the dataset, its configs, splits and files (path, size, parquet row counts from the footers) as NDJSON instead of rows.' },
    {
      name: 'parquet-export',
      type: 'boolean',
      describe: "Read the Hub's parquet conversion (the refs/convert/parquet branch: {config}/{split}/NNNN.parquet) instead of the original files.",
    },
    {
      name: 'meta',
      type: 'boolean',
      default: true,
      describe: 'Add meta.source and meta.license to every row; --no-meta writes the rows as they are (a JSON Lines row is then written byte for byte).',
    },
    sharedOption('source-root', {
      describe:
        "Local files and folders: meta.source is NAME@xxh3-HASH (HASH: XXH3-64 of the file's bytes, read once before its rows), NAME the file's path relative to DIR (symlinks resolved), so the same bytes give the same source from any working directory.",
      defaultText: 'the file name; in a dataset folder, <folder name>/<path>',
    }),
    sharedOption('source-name', { describe: "With DATASET '-' (standard input, JSON Lines unless NAME ends in another format's extension): meta.source of its rows." }),
    {
      name: 'registry',
      type: 'string',
      arg: 'FILE',
      negatable: true,
      describe:
        'The governance gate: refuse (exit 2) a Hub dataset, or a local path the registry lists, unless the registry is enabled and lists it enabled with an approver and a date; read its pinned revision; stamp meta.license from it. --no-registry turns the gate off, and says so in every row (meta.registry: "off") and in --stats. See hf-fetch registry --help and configs/datasets/registry.yaml.',
      defaultText: '$LDT_REGISTRY, else ldt-registry.yaml in the working directory or the nearest parent that has one, else none',
    },
    sharedOption('threads', {
      max: 64,
      describe:
        'Threads that decode and serialise parquet row groups of local or cached files in parallel: the main thread and N - 1 workers, written in file order (byte-identical output for any N; each holds about one row group). 1 = no worker.',
      defaultText: 'the number of CPUs, at most 4',
    }),
    { name: 'endpoint', type: 'string', arg: 'URL', group: NET, describe: 'Hub base URL.', defaultText: '$HF_ENDPOINT, else https://huggingface.co' },
    {
      name: 'cache',
      type: 'boolean',
      default: true,
      group: NET,
      describe: 'Keep downloads in the HF cache (blobs + snapshots + refs; files are written as .incomplete and renamed when whole). --no-cache streams without writing to disk.',
    },
    {
      name: 'cache-dir',
      type: 'string',
      arg: 'DIR',
      group: NET,
      describe: 'The hub cache folder.',
      defaultText: '$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub',
    },
    {
      name: 'retries',
      type: 'integer',
      arg: 'N',
      min: 0,
      max: 100,
      default: 5,
      group: NET,
      describe:
        'Retries per request on 429, 408, 5xx, connection resets, timeouts and answers cut or stalled midway — every request: info, file listing, file metadata, downloads, parquet range reads (exponential backoff from 1 s, capped at 8 s, with jitter; Retry-After and RateLimit headers are honoured); a cut download resumes with Range, and its count starts again whenever it gets further. When they run out, the error names the request and the attempts, and how many rows were already written (a valid prefix of the output).',
    },
    { name: 'max-retry-time', type: 'number', arg: 'SECONDS', min: 0, default: 300, group: NET, describe: 'Give up on a request when its waits would exceed this in total.' },
    {
      name: 'timeout',
      type: 'number',
      arg: 'SECONDS',
      min: 0.001,
      default: 30,
      group: NET,
      describe: 'Wait at most this long for an answer, and between two chunks of a body (then retry).',
    },
  ],
  examples: [
    ['hf-fetch examples/hf-fetch-gsm8k --split test --limit 2', 'Read the test split of a local dataset folder (README YAML configs, parquet).'],
    ['hf-fetch examples/hf-fetch-gsm8k --list', 'List configs, splits and files with row counts, without reading rows.'],
    ['hf-fetch examples/hf-fetch-gsm8k --config jsonl --split train --columns question --no-meta | head -1', 'One column of another config, without provenance.'],
    ["hf-fetch 'examples/hf-fetch-*.csv' --limit 3", 'Local files by glob (CSV values stay strings).'],
  ],
  exitStatus: ['   (1 also: dataset missing, private or gated, network gave up; 2 also: no such config/split, registry refusal or invalid registry)'],
  seeAlso: ['to-chatml', 'dedup-exact', 'manifest'],
});

/** Run hf-fetch with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'registry') return import('./registry-cli.js').then((m) => m.registryMain(argv.slice(1), io));
  return runTool(spec, argv, io, handler);
}

const TRUE = /^(1|on|yes|true)$/i;

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const [{ parseDatasetArgs }, { fetchDataset, listDataset, newFacts }, { hubCacheDir }, { loadRegistry, chooseRegistry }, { readToken }, { defaultWorkers }, { GaveUpError }] =
    await Promise.all([
      import('./source.js'),
      import('./fetch.js'),
      import('./cache.js'),
      import('./registry.js'),
      import('./token.js'),
      import('@ldt/ndjson'),
      import('./http.js'),
    ]);
  const env = ctx.io.env;
  const ref = parseDatasetArgs(ctx.inputs, process.cwd(), o['source-name']);
  const endpoint = (o.endpoint ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  try {
    const u = new URL(endpoint);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--endpoint must be an http(s) URL; got ${JSON.stringify(endpoint)}`);
  }
  const offline = TRUE.test(env.HF_HUB_OFFLINE ?? '') || TRUE.test(env.TRANSFORMERS_OFFLINE ?? '');
  const useCache = o.cache !== false;
  if (offline && !useCache) throw new UsageError('HF_HUB_OFFLINE=1 reads only the cache; it cannot be combined with --no-cache');
  const choice = chooseRegistry(o.registry, env, process.cwd());
  const registry = choice.file !== undefined ? await loadRegistry(choice.file) : undefined;
  if (choice.source === 'off') ctx.warn('the dataset registry gate is off (--no-registry); every row says so (meta.registry: "off")');
  const token = ref.kind === 'hub' && !offline ? await readToken(env) : undefined;
  const backoff = Number(env.LDT_HF_BACKOFF_MS ?? 1000);
  const facts = newFacts();
  const opts = {
    ref,
    config: o.config,
    split: o.split,
    revision: o.revision,
    columns: o.columns,
    field: o.field,
    limit: o.limit,
    parquetExport: o['parquet-export'] === true,
    warn: ctx.warn,
    noMeta: o.meta === false,
    sourceRoot: o['source-root'],
    stdin: ctx.io.stdin,
    http: {
      endpoint,
      token,
      retries: o.retries,
      maxRetryTimeMs: o['max-retry-time'] * 1000,
      timeoutMs: o.timeout * 1000,
      baseDelayMs: Number.isFinite(backoff) && backoff >= 0 ? backoff : 1000,
      warn: ctx.warn,
    },
    cacheDir: useCache ? (o['cache-dir'] ?? hubCacheDir(env)) : undefined,
    offline,
    registry,
    noRegistry: choice.source === 'off',
    onBytes: ctx.readOptions.onBytes,
    onFile: (done: number, total: number) => ctx.progressDetail(`${done}/${total} files`),
    threads: o.threads ?? defaultWorkers(),
    parquet: parquetTuning(env),
  };
  if (ref.kind !== 'hub' && o.revision !== undefined) throw new UsageError('--revision applies to Hub datasets only');
  if (ref.kind !== 'hub' && opts.parquetExport) throw new UsageError('--parquet-export applies to Hub datasets only');
  const { report, out } = ctx;
  try {
    if (o.list === true) {
      for await (const row of listDataset(opts, facts)) {
        out.push(JSON.stringify(row));
        report.written++;
      }
      await out.flush();
    } else {
      for await (const { lines, bytes, rows } of fetchDataset(opts, facts)) {
        if (bytes) out.pushBytes(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        else if (lines) for (const l of lines) out.push(l);
        report.written += rows;
        report.counts.lines += rows;
        await out.flush();
      }
    }
  } catch (e) {
    // Rows go out in whole batches, each flushed before the next file or row group is fetched:
    // what was written when the network gave up is a valid prefix of the full output.
    if (e instanceof GaveUpError && report.written > 0 && o.list !== true) {
      const n = report.written;
      throw new GaveUpError(
        `${e.message} (after ${n} row${n === 1 ? '' : 's'} had been written)`,
        `the ${n} row${n === 1 ? '' : 's'} written to stdout are complete and in order: the first ${n} rows of the full output (which is deterministic); ${e.hint}, then rerun`,
        e.kind,
        e.attempts,
      );
    }
    throw e;
  }
  report.counts.blank += facts.blank_lines;
  Object.assign(report.notes, {
    dataset: facts.dataset,
    ...(facts.revision !== undefined ? { revision: facts.revision } : {}),
    ...(facts.sha !== undefined ? { sha: facts.sha } : {}),
    ...(facts.config !== undefined ? { config: facts.config } : {}),
    splits: facts.splits,
    ...(facts.license !== undefined ? { license: facts.license } : {}),
    files: facts.files,
    registry: { source: choice.source, ...(choice.file !== undefined ? { file: choice.file, enabled: registry?.enabled === true } : {}) },
    ...(facts.ignored_files.length > 0 ? { ignored_files: facts.ignored_files } : {}),
    ...(ref.kind === 'hub' ? { downloaded_bytes: facts.downloaded_bytes, http_requests: facts.http_requests, http_retries: facts.http_retries } : {}),
  });
  const where = `${facts.dataset}${facts.sha ? `@${facts.sha.slice(0, 12)}` : ''}`;
  if (o.list !== true)
    ctx.summaryExtra.push(
      `${where}${facts.config ? ` config ${facts.config}` : ''}, ${facts.splits.length === 1 ? `split ${facts.splits[0]}` : `splits ${facts.splits.join(',')}`}, ${facts.files.length} file${facts.files.length === 1 ? '' : 's'}`,
    );
  if (facts.ignored_files.length > 0)
    ctx.warn(
      `${facts.ignored_files.length} file${facts.ignored_files.length === 1 ? '' : 's'} left out, as datasets does: another format than the dataset's, or in no split (see --list): ${facts.ignored_files.slice(0, 5).join(', ')}${facts.ignored_files.length > 5 ? ', …' : ''}`,
    );
}

/**
 * Settings for comparisons and escape hatches, from the environment (read here only):
 * `LDT_HF_PARQUET=hyparquet` (no fast path), `LDT_HF_WASM=0` (strings escaped in JavaScript),
 * `LDT_HF_PARALLEL_MIN_BYTES=N` (use worker threads from N bytes of row groups on).
 */
function parquetTuning(env: Record<string, string | undefined>): ParquetTuning {
  const minBytes = Number(env.LDT_HF_PARALLEL_MIN_BYTES);
  return {
    engine: env.LDT_HF_PARQUET === 'hyparquet' ? 'hyparquet' : 'auto',
    wasmEscaper: env.LDT_HF_WASM !== '0',
    ...(env.LDT_HF_PARALLEL_MIN_BYTES !== undefined && Number.isFinite(minBytes) ? { parallelMinBytes: minBytes } : {}),
  };
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
