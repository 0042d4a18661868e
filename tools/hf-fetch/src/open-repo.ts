import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { LdtError, UsageError } from '@ldt/errors';
import { datasetFileSourceName, fileContentHash, localSource, localSourceName, stdinSource } from '@ldt/hash';
import type { AsyncBuffer } from 'hyparquet';
import { RepoCache, walkFiles } from './cache.js';
import { type Card, cardFromData, parseCard } from './card.js';
import type { FetchFacts, FetchOptions } from './fetch.js';
import { type ByteSource, type Format, formatOf } from './formats.js';
import { Http, readBody } from './http.js';
import { downloadToFile, Hub, type RepoFile, RevisionNotFoundError, remoteBuffer, resumableStream } from './hub.js';
import { checkRegistry, pinnedRevision, type RegistryEntry } from './registry.js';
import { type ConfigFiles, dataCandidates, globMatcher, inferSplits, parquetExportConfigs, resolveConfigs, unassigned } from './resolve.js';

/** A dataset opened for reading: its file list, card and how to get at each file. */
export interface OpenRepo {
  label: string;
  sha?: string;
  revision?: string;
  card: Card;
  files: RepoFile[];
  /** Files named explicitly (local files, an hf:// path or glob): splits come from their names. */
  explicit?: string[];
  configs?: ConfigFiles[];
  /** `meta.source` of a file, without config/split/row (local files: content-addressed, see @ldt/hash provenance). */
  sourceOf(path: string): string | Promise<string>;
  /** The format of a file when its name does not tell (standard input). */
  formatOf?(path: string): Format | undefined;
  /** The bytes of a text-format file. */
  bytes(path: string): Promise<ByteSource>;
  /** A parquet file; `whole` = every row will be read (so downloading it into the cache pays). */
  parquet(path: string, whole: boolean): Promise<AsyncBuffer>;
  /** The parquet file on local disk (downloading it into the cache if `whole`), or undefined when it is read by ranges. */
  localParquet(path: string, whole: boolean): Promise<string | undefined>;
  /** Files not available offline (HF_HUB_OFFLINE), for one message naming all of them. */
  missing?(paths: string[]): string[];
  cacheDir?: string;
  http?: Http;
  /** The registry entry that let it through (licence), if the registry gates it. */
  entry?: RegistryEntry;
  /** Read from the parquet conversion in place of a loading script: the script as `hf://…@<main commit>/<name>.py`. */
  convertedFrom?: string;
}

/** The Hub's parquet conversion branch (hf-hub-api.md §3.4). */
const CONVERT_REV = 'refs/convert/parquet';

/** Open the dataset named by `opts.ref` (network, cache or local) and resolve its configs. */
export async function openRepo(opts: FetchOptions, facts: FetchFacts): Promise<OpenRepo> {
  const ref = opts.ref;
  const cwd = opts.cwd ?? process.cwd();
  const naming = { root: opts.sourceRoot, cwd };
  if (ref.kind === 'stdin') {
    const stdin = opts.stdin ?? process.stdin;
    const fmt = formatOf(ref.name) ?? 'jsonl';
    if (fmt === 'parquet') throw new UsageError('parquet cannot be read from standard input (it is read from its end); give the file');
    return {
      label: '<stdin>',
      card: {},
      files: [{ path: ref.name }],
      explicit: [ref.name],
      sourceOf: () => stdinSource(ref.name),
      formatOf: () => fmt,
      bytes: async () => ({ display: '<stdin>', open: async () => stdin }),
      localParquet: async () => undefined,
      parquet: async () => {
        throw new UsageError('parquet cannot be read from standard input');
      },
    };
  }
  if (opts.sourceRoot !== undefined && ref.kind === 'hub')
    throw new UsageError('--source-root applies to local files and folders only (Hub rows are named hf://datasets/ID@COMMIT/PATH)');
  if (ref.kind === 'files') {
    const files = ref.files.map((f) => ({ path: f }));
    const label = ref.files.length === 1 ? ref.files[0] : `${ref.files[0]} (+${ref.files.length - 1} more)`;
    const reg = opts.registry;
    const entries = reg ? ref.files.map((f) => checkRegistry(reg, { path: resolvePath(cwd, f) }, f)) : [];
    const sourceOf = async (p: string) => localSource(await localSourceName(p, naming), await fileContentHash(resolvePath(cwd, p)));
    return { ...localRepo(label, cwd, files, {}, opts, sourceOf, ref.files), entry: entries.find((e) => e !== undefined) };
  }
  if (ref.kind === 'dir') {
    const dir = resolvePath(cwd, ref.dir);
    const files = walkFiles(dir).map((p) => ({ path: p }));
    const card = existsSync(join(dir, 'README.md')) ? await parseCard(await readFile(join(dir, 'README.md'), 'utf8'), `${ref.dir}/README.md`) : {};
    const label = ref.hubId ?? ref.dir.replace(/\/+$/, '');
    const entry = opts.registry ? checkRegistry(opts.registry, ref.hubId ? { id: ref.hubId, path: dir } : { path: dir }, label) : undefined;
    if (entry && ref.sha) pinnedRevision(entry, ref.sha, false, opts.registry?.file ?? '');
    // A snapshot folder of the HF cache is the Hub commit it names; another folder is named file by file, by content.
    const { hubId, sha } = ref;
    const sourceOf =
      hubId && sha
        ? (p: string) => `hf://datasets/${hubId}@${sha}/${p}`
        : async (p: string) => localSource(await datasetFileSourceName(ref.dir, p, naming), await fileContentHash(resolvePath(dir, p)));
    return { ...localRepo(label, dir, files, card, opts, sourceOf), entry, ...(sha ? { sha } : {}) };
  }
  // The Hub.
  const entry = opts.registry ? checkRegistry(opts.registry, { id: ref.id }, `dataset ${ref.id}`, true) : undefined;
  const pin = opts.registry ? pinnedRevision(entry, opts.revision ?? ref.revision, opts.parquetExport === true, opts.registry.file) : undefined;
  if (opts.parquetExport && (opts.revision !== undefined || ref.revision !== undefined))
    throw new UsageError('--parquet-export reads the revision refs/convert/parquet; drop --revision (or @revision)');
  const rev = opts.parquetExport ? 'refs/convert/parquet' : (pin ?? opts.revision ?? ref.revision ?? 'main');
  if (opts.revision !== undefined && ref.revision !== undefined && opts.revision !== ref.revision)
    throw new UsageError(`the revision is given twice: @${ref.revision} and --revision ${opts.revision}`);
  facts.revision = rev;
  const cache = opts.cacheDir ? new RepoCache(opts.cacheDir, ref.id) : undefined;
  facts.cache = cache?.dir;
  const repo = await (opts.offline ? offlineRepo(ref.id, rev, ref.pattern, cache, opts) : hubRepo(ref.id, rev, ref.pattern, cache, opts, facts));
  const script = opts.parquetExport || ref.pattern ? undefined : loadingScript(ref.id, repo.files);
  if (script === undefined) return { ...repo, entry };
  // A dataset defined by a loading script (<name>.py) and no data files: hf-fetch does not run
  // scripts; the Hub's parquet conversion of it is the data `datasets` would give.
  const what = `dataset ${ref.id}${rev !== 'main' ? ` at revision ${rev}` : ''} is defined by the loading script ${script}, which hf-fetch does not run`;
  if (rev !== 'main')
    throw new LdtError(
      `${what}; the Hub's parquet conversion of it (${CONVERT_REV}) is of the main branch only`,
      pin !== undefined
        ? 'the registry pins this dataset to a revision: remove the pin (revision:) from its entry to read the conversion of the main branch'
        : 'drop --revision (and @revision) to read the conversion of the main branch',
    );
  const convOpts = { ...opts, parquetExport: true };
  let conv: OpenRepo;
  try {
    conv = await (opts.offline ? offlineRepo(ref.id, CONVERT_REV, undefined, cache, convOpts) : hubRepo(ref.id, CONVERT_REV, undefined, cache, convOpts, facts, repo.card));
  } catch (e) {
    if (opts.offline && e instanceof LdtError)
      throw new LdtError(
        `${what}; HF_HUB_OFFLINE=1 and its parquet conversion (${CONVERT_REV}) is not in the cache`,
        'run once without HF_HUB_OFFLINE=1 to read the conversion into the cache',
      );
    if (!(e instanceof RevisionNotFoundError)) throw e;
    throw new LdtError(
      `${what}, and the Hub has no parquet conversion of it (no ${CONVERT_REV} branch)`,
      `look on the Hub for a copy of this dataset as parquet or JSON Lines (often under another owner), or run ${script} with the Python datasets library (before 4.0, trust_remote_code=True), save it with to_parquet or to_json, and read that file with hf-fetch`,
    );
  }
  if (parquetExportConfigs(conv.files.map((f) => f.path)).length === 0)
    throw new LdtError(
      `${what}, and its parquet conversion (${CONVERT_REV}) holds no {config}/{split}/*.parquet files`,
      `run ${script} with the Python datasets library and read its output with hf-fetch`,
    );
  facts.revision = CONVERT_REV;
  opts.warn?.(
    `dataset ${ref.id} is defined by the loading script ${script}, which hf-fetch does not run; reading the Hub's parquet conversion of it (${CONVERT_REV}) instead; each row's meta.converted_from names the script`,
  );
  return { ...conv, card: { ...conv.card, license: repo.card.license ?? conv.card.license }, entry, convertedFrom: await repo.sourceOf(script) };
}

/**
 * The loading script of a repository that holds no data file hf-fetch reads: `<name>.py` at the
 * root, named after the repository (the rule of `datasets`), or undefined.
 */
function loadingScript(id: string, files: readonly RepoFile[]): string | undefined {
  const script = `${id.slice(id.lastIndexOf('/') + 1)}.py`;
  const paths = files.map((f) => f.path);
  if (!paths.includes(script)) return undefined;
  return dataCandidates(paths).some((p) => formatOf(p) !== undefined) ? undefined : script;
}

function localRepo(label: string, dir: string, files: RepoFile[], card: Card, opts: FetchOptions, sourceOf: OpenRepo['sourceOf'], explicit?: string[]): OpenRepo {
  return {
    label,
    card,
    files,
    explicit,
    sourceOf,
    bytes: async (p) => ({ display: explicit ? p : `${label}/${p}`, local: resolvePath(dir, p) }),
    localParquet: async (p) => resolvePath(dir, p),
    parquet: async (p) => {
      const { asyncBufferFromFile } = await import('hyparquet');
      const path = resolvePath(dir, p);
      const f = await asyncBufferFromFile(path);
      return countingBuffer(f, opts.onBytes);
    },
  };
}

function countingBuffer(f: AsyncBuffer, onBytes?: (n: number) => void): AsyncBuffer {
  if (!onBytes) return f;
  return {
    byteLength: f.byteLength,
    slice: async (s: number, e?: number) => {
      const b = await f.slice(s, e);
      onBytes(b.byteLength);
      return b;
    },
  };
}

async function offlineRepo(id: string, rev: string, pattern: string | undefined, cache: RepoCache | undefined, opts: FetchOptions): Promise<OpenRepo> {
  if (!cache) throw new UsageError('HF_HUB_OFFLINE=1 reads only the cache; it cannot be combined with --no-cache');
  const hint = `run once without HF_HUB_OFFLINE=1 to fill the cache (${cache.root})`;
  const sha = cache.readRef(rev);
  if (!sha) throw new LdtError(`HF_HUB_OFFLINE=1: revision ${JSON.stringify(rev)} of dataset ${id} is not in the cache (no ${join(cache.dir, 'refs', rev)})`, hint);
  const tree = await cache.loadTree(sha);
  if (!tree) throw new LdtError(`HF_HUB_OFFLINE=1: commit ${sha} of dataset ${id} is not in the cache (no ${join(cache.dir, 'snapshots', sha)})`, hint);
  const readme = cache.snapshotPath(sha, 'README.md');
  const card = existsSync(readme) ? await parseCard(await readFile(readme, 'utf8'), `${id}/README.md`) : {};
  return {
    ...hubDataset(id, sha, rev, card, tree.files, pattern),
    cacheDir: cache.dir,
    bytes: async (p) => ({ display: `${id}/${p}`, local: cache.snapshotPath(sha, p) }),
    parquet: async (p) => {
      const { asyncBufferFromFile } = await import('hyparquet');
      return countingBuffer(await asyncBufferFromFile(cache.snapshotPath(sha, p)), opts.onBytes);
    },
    localParquet: async (p) => cache.snapshotPath(sha, p),
    missing: (paths) => paths.filter((p) => !cache.has(sha, p)),
  };
}

/** What names a Hub dataset at commit `sha`, read from the Hub or from the cache alike (`pattern`: the files named by an hf:// path or glob). */
function hubDataset(
  id: string,
  sha: string,
  rev: string,
  card: Card,
  files: RepoFile[],
  pattern: string | undefined,
): Pick<OpenRepo, 'label' | 'sha' | 'revision' | 'card' | 'files' | 'explicit' | 'sourceOf'> {
  const explicit = pattern ? matchHfPattern(files, pattern, id) : undefined;
  return { label: id, sha, revision: rev, card, files, explicit, sourceOf: (p) => `hf://datasets/${id}@${sha}/${p}` };
}

function matchHfPattern(files: readonly RepoFile[], pattern: string, id: string): string[] {
  const m = globMatcher(pattern);
  const got = files.map((f) => f.path).filter((p) => p === pattern || m(p));
  if (got.length === 0)
    throw new LdtError(`no file of dataset ${id} matches ${JSON.stringify(pattern)}`, 'check the path or glob (case matters); hf-fetch DATASET --list shows the files');
  return got;
}

async function hubRepo(
  id: string,
  rev: string,
  pattern: string | undefined,
  cache: RepoCache | undefined,
  opts: FetchOptions,
  facts: FetchFacts,
  mainCard?: Card,
): Promise<OpenRepo> {
  const http = new Http(opts.http);
  const hub = new Hub(http, opts.http.endpoint);
  const onBytes = (n: number) => {
    facts.downloaded_bytes += n;
    opts.onBytes?.(n);
  };
  const info = await hub.info(id, rev);
  if (info.gated) await hub.authCheck(id);
  const sha = info.sha;
  // Pinned: every later call reads this commit, whatever happens to the branch meanwhile.
  const files = await hub.listFiles(id, sha);
  if (cache) {
    await cache.writeRef(rev, sha);
    await cache.saveTree(sha, files);
  }
  const sizes = new Map(files.map((f) => [f.path, f.size]));

  /** Download a file into the cache (once) and return its snapshot path. */
  const cached = async (p: string): Promise<string> => {
    if (!cache) throw new Error('no cache');
    if (cache.has(sha, p)) return cache.snapshotPath(sha, p);
    const r = await hub.resolve(id, sha, p);
    const etag = r.etag ?? `ldt-${sha}-${p.replaceAll('/', '--')}`;
    if (existsSync(cache.blobPath(etag))) return cache.link(etag, sha, p);
    await cache.prepareBlobDir();
    const tmp = cache.incompletePath(etag);
    await downloadToFile(hub, r.url, tmp, r.size ?? sizes.get(p), `${id}/${p}`, onBytes);
    return cache.commitBlob(tmp, etag, sha, p);
  };

  let card: Card = {};
  if (sizes.has('README.md') && !opts.parquetExport) {
    const text = cache ? await readFile(await cached('README.md'), 'utf8') : await fetchText(hub, id, sha, 'README.md');
    card = await parseCard(text, `${id}/README.md`);
  } else card = cardFromData(info.cardData, `${id} (card data)`);
  if (opts.parquetExport && card.license === undefined && mainCard) card = { ...card, license: mainCard.license };
  else if (opts.parquetExport && card.license === undefined) {
    // The conversion branch has no card: take the licence from the main branch's card data.
    const main = await hub.info(id, 'main');
    card = { ...card, license: cardFromData(main.cardData, `${id} (card data)`).license };
  }
  return {
    ...hubDataset(id, sha, rev, card, files, pattern),
    cacheDir: cache?.dir,
    http,
    bytes: async (p) => {
      if (cache) return { display: `${id}/${p}`, local: await cached(p) };
      const r = await hub.resolve(id, sha, p);
      return { display: `${id}/${p}`, open: async () => resumableStream(hub, r.url, r.size ?? sizes.get(p), `${id}/${p}`, onBytes) };
    },
    localParquet: async (p, whole) => (cache && (whole || cache.has(sha, p)) ? cached(p) : undefined),
    parquet: async (p, whole) => {
      if (cache && (whole || cache.has(sha, p))) {
        const { asyncBufferFromFile } = await import('hyparquet');
        return countingBuffer(await asyncBufferFromFile(await cached(p)), opts.onBytes);
      }
      // Range reads on the resolved (CDN) URL, one row group at a time: `--limit 10` on a 5 GB file reads kilobytes.
      const r = await hub.resolve(id, sha, p);
      const size = r.size ?? sizes.get(p);
      if (size === undefined) throw new LdtError(`${id}/${p}: the Hub gave no size for this file; cannot read it by ranges`, 'drop --no-cache / --limit so it is downloaded whole');
      return remoteBuffer(hub, r.url, size, `${id}/${p}`, onBytes);
    },
  };
}

async function fetchText(hub: Hub, id: string, sha: string, p: string): Promise<string> {
  const r = await hub.resolve(id, sha, p);
  return hub.http.call(r.url, { what: `${id}/${p}`, kind: 'download' }, async (res) => {
    if (res.res.status !== 200) throw await hub.error(res, { id, rev: sha, path: p });
    return (await readBody(res)).toString('utf8');
  });
}

/** Configs of an opened repo (the card, the file names, the parquet conversion, or explicit files). */
export function configsOf(repo: OpenRepo, opts: FetchOptions, facts: FetchFacts): ConfigFiles[] {
  const paths = repo.files.map((f) => f.path);
  if (repo.explicit) {
    // Split names come from the paths below the files' common folder (`data/train.jsonl` → train),
    // so the folders a user keeps files in (`tests/fixtures/…`) do not decide the split.
    const base = commonDir(repo.explicit);
    const splits = inferSplits(repo.explicit.map((f) => f.slice(base.length))).map((s) => ({ name: s.name, files: s.files.map((f) => base + f) }));
    const bad = repo.explicit.filter((f) => (repo.formatOf ?? formatOf)(f) === undefined);
    if (bad.length > 0) throw new UsageError(`${bad[0]}: not a data file hf-fetch reads`, 'formats: .parquet, .jsonl/.ndjson, .json, .csv, .tsv, .txt (optionally .gz/.zst)');
    const left = unassigned(repo.explicit, splits);
    facts.ignored_files = left;
    return [{ name: 'default', isDefault: true, splits, ignored: left }];
  }
  const configs = opts.parquetExport || repo.convertedFrom ? parquetExportConfigs(paths) : resolveConfigs(paths, repo.card.configs);
  if (opts.parquetExport && configs.length === 0)
    throw new LdtError(
      `dataset ${repo.label} has no parquet conversion (refs/convert/parquet holds no {config}/{split}/*.parquet files)`,
      'read the original files instead (drop --parquet-export)',
    );
  facts.ignored_files = [...new Set(configs.flatMap((c) => c.ignored))];
  return configs;
}

/** The longest common folder prefix of paths (with its trailing `/`), or ''. */
function commonDir(paths: readonly string[]): string {
  let prefix = paths[0].slice(0, paths[0].lastIndexOf('/') + 1);
  for (const p of paths) while (prefix && !p.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1);
  return prefix;
}
