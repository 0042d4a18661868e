import { LdtError, UsageError } from '@ldt/errors';
import picomatch from 'picomatch';
import { type Format, formatOf } from './formats.js';

/** One split of a config: its data files (repository paths, in read order). */
export interface SplitFiles {
  name: string;
  files: string[];
}

export interface ConfigFiles {
  name: string;
  isDefault: boolean;
  splits: SplitFiles[];
  /** Files left out because another format is more common in the config (the `datasets` rule). */
  ignored: string[];
}

/** A `configs:` entry of the dataset card's YAML front matter (only the keys hf-fetch uses). */
export interface CardConfig {
  config_name?: unknown;
  default?: unknown;
  data_dir?: unknown;
  data_files?: unknown;
}

/** Files `datasets` never treats as data (docs/hub/datasets-file-names-and-splits.md). */
const IGNORED_NAMES = new Set(['README.md', 'config.json', 'dataset_info.json', 'dataset_infos.json', 'dummy_data.zip', 'dataset_dict.json', '.gitattributes']);

/** Split keywords, in the order `datasets` lists splits (§7 of the Hub API notes). */
const KEYWORDS: readonly (readonly [string, readonly string[]])[] = [
  ['train', ['train', 'training']],
  ['validation', ['validation', 'valid', 'dev', 'val']],
  ['test', ['test', 'testing', 'eval', 'evaluation']],
];

/** Candidate data files: not hidden, not under `__x` folders, not a card/config file. */
export function dataCandidates(paths: readonly string[]): string[] {
  return paths
    .filter((p) => {
      const segs = p.split('/');
      if (segs.some((s) => s.startsWith('.') || (s.startsWith('__') && s !== segs[segs.length - 1]))) return false;
      return !IGNORED_NAMES.has(segs[segs.length - 1]);
    })
    .sort(byCodeUnit);
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SPLIT_NAME = /^\w+(\.\w+)*$/;
const SHARDED = /^data\/(\w+(?:\.\w+)*)-[0-9]{5}-of-[0-9]{5}[^/]*\.[^/]*$/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits from file names alone, as `datasets` does without YAML: (1) `data/{split}-NNNNN-of-NNNNN.*`,
 * then (2) a split keyword as a directory name, then (3) in a file name (delimited by `-._ `, a digit,
 * or `/`), else (4) every file is `train`. The first rule that matches anything wins.
 */
export function inferSplits(files: readonly string[]): SplitFiles[] {
  // 1. push_to_hub layout
  const sharded = new Map<string, string[]>();
  for (const f of files) {
    const m = SHARDED.exec(f);
    if (m && SPLIT_NAME.test(m[1])) {
      const list = sharded.get(m[1]) ?? [];
      list.push(f);
      sharded.set(m[1], list);
    }
  }
  if (sharded.size > 0) return orderSplits([...sharded].map(([name, fs]) => ({ name, files: fs })));
  // 2. keyword as a directory, 3. keyword in the file name
  for (const where of ['dir', 'file'] as const) {
    const found: SplitFiles[] = [];
    for (const [split, kws] of KEYWORDS) {
      const res = kws.map((k) => new RegExp(`^(?:.*[-._ 0-9])?${escapeRe(k)}${where === 'dir' ? '(?:[-._ 0-9].*)?$' : '[-._ 0-9].*$'}`));
      const matched = files.filter((f) => {
        const segs = f.split('/');
        const name = segs.pop() as string;
        return where === 'dir' ? segs.some((s) => res.some((r) => r.test(s))) : res.some((r) => r.test(name));
      });
      if (matched.length > 0) found.push({ name: split, files: matched });
    }
    if (found.length > 0) return found;
  }
  return files.length > 0 ? [{ name: 'train', files: [...files] }] : [];
}

function orderSplits(splits: SplitFiles[]): SplitFiles[] {
  const rank = (n: string) => (n === 'train' ? 0 : n === 'validation' ? 1 : n === 'test' ? 2 : 3);
  return splits.sort((a, b) => rank(a.name) - rank(b.name) || byCodeUnit(a.name, b.name));
}

/** Files of `files` that no split took (left out, as `datasets` does; reported, never silent). */
export function unassigned(files: readonly string[], splits: readonly SplitFiles[]): string[] {
  const used = new Set(splits.flatMap((s) => s.files));
  return files.filter((f) => !used.has(f));
}

/** Keep the files of the most common format (ties: parquet, jsonl, json, csv, tsv, text); the rest are reported as ignored. */
export function keepMainFormat(splits: SplitFiles[]): { splits: SplitFiles[]; ignored: string[]; format: Format | undefined } {
  const counts = new Map<Format, number>();
  const unknown = new Set<string>();
  for (const s of splits)
    for (const f of s.files) {
      const fmt = formatOf(f);
      if (fmt) counts.set(fmt, (counts.get(fmt) ?? 0) + 1);
      else unknown.add(f);
    }
  const order: Format[] = ['parquet', 'jsonl', 'json', 'csv', 'tsv', 'text'];
  let best: Format | undefined;
  for (const f of order) if ((counts.get(f) ?? 0) > (best ? (counts.get(best) ?? 0) : 0)) best = f;
  const ignored = new Set(unknown);
  const out = splits.map((s) => ({
    name: s.name,
    files: s.files.filter((f) => {
      const fmt = formatOf(f);
      // jsonl and json share the `datasets` json loader.
      const same = fmt === best || (fmt !== undefined && best !== undefined && [fmt, best].every((x) => x === 'json' || x === 'jsonl'));
      if (!same) ignored.add(f);
      return same;
    }),
  }));
  return { splits: out.filter((s) => s.files.length > 0), ignored: [...ignored].sort(byCodeUnit), format: best };
}

/** `data_files` of a YAML config as `[split, patterns][]` (string, list of strings, list of {split, path}, or a map). */
function dataFilesOf(v: unknown, cfg: string): [string, string[]][] {
  const bad = () =>
    new LdtError(
      `dataset card: config ${JSON.stringify(cfg)} has data_files of an unexpected shape`,
      'expected a string, a list of strings, a list of {split, path}, or a map split → patterns',
    );
  const strs = (x: unknown): string[] => {
    if (typeof x === 'string') return [x];
    if (Array.isArray(x) && x.every((y) => typeof y === 'string')) return x as string[];
    throw bad();
  };
  if (typeof v === 'string') return [['train', [v]]];
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return [['train', v as string[]]];
    return v.map((x) => {
      if (x === null || typeof x !== 'object' || typeof (x as { split?: unknown }).split !== 'string') throw bad();
      return [(x as { split: string }).split, strs((x as { path: unknown }).path)] as [string, string[]];
    });
  }
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, strs(x)]);
  throw bad();
}

/** fsspec-style glob: `*` stays within a folder, `**` spans folders (may match none). */
export function globMatcher(pattern: string): (path: string) => boolean {
  return picomatch(pattern.replace(/^\.\//, ''), { dot: false, nonegate: true, noextglob: true });
}

function matchPatterns(files: readonly string[], patterns: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of patterns) {
    const m = globMatcher(p);
    for (const f of files) if (!seen.has(f) && (f === p || m(f))) seen.add(f), out.push(f);
  }
  return out;
}

/**
 * All configs of a dataset, as `datasets` derives them: the card's `configs:` when present,
 * else one `default` config with splits inferred from the file names.
 */
export function resolveConfigs(allFiles: readonly string[], cardConfigs: readonly CardConfig[] | undefined): ConfigFiles[] {
  const files = dataCandidates(allFiles);
  if (!cardConfigs || cardConfigs.length === 0) {
    const inferred = inferSplits(files);
    const { splits, ignored } = keepMainFormat(inferred);
    return [{ name: 'default', isDefault: true, splits, ignored: [...ignored, ...unassigned(files, inferred)].sort(byCodeUnit) }];
  }
  const configs: ConfigFiles[] = [];
  for (const c of cardConfigs) {
    const name = typeof c.config_name === 'string' ? c.config_name : 'default';
    const dir = typeof c.data_dir === 'string' ? c.data_dir.replace(/^\.?\/+|\/+$/g, '') : '';
    let splits: SplitFiles[];
    if (c.data_files === undefined || c.data_files === null) {
      const inDir = dir ? files.filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1)) : files;
      splits = inferSplits(inDir).map((s) => ({ name: s.name, files: s.files.map((f) => (dir ? `${dir}/${f}` : f)) }));
    } else {
      splits = dataFilesOf(c.data_files, name).map(([split, pats]) => {
        const full = pats.map((p) => (dir ? `${dir}/${p.replace(/^\.?\//, '')}` : p));
        return { name: split, files: matchPatterns(files, full) };
      });
      const empty = splits.find((s) => s.files.length === 0);
      if (empty)
        throw new LdtError(
          `dataset card: config ${JSON.stringify(name)}, split ${JSON.stringify(empty.name)}: no file matches ${dataFilesOf(c.data_files, name)
            .filter(([s]) => s === empty.name)
            .flatMap(([, p]) => p)
            .map((p) => JSON.stringify(p))
            .join(', ')}`,
          'the dataset card (README.md) names files that are not in the repository at this revision',
        );
    }
    const kept = keepMainFormat(splits);
    configs.push({ name, isDefault: c.default === true, splits: kept.splits, ignored: kept.ignored });
  }
  const marked = configs.filter((c) => c.isDefault);
  if (marked.length > 1) throw new LdtError(`dataset card: more than one config is marked default: true (${marked.map((c) => c.name).join(', ')})`);
  if (marked.length === 0) {
    const d = configs.length === 1 ? configs[0] : configs.find((c) => c.name === 'default');
    if (d) d.isDefault = true;
  }
  // The viewer's order: the default first, then alphabetical.
  return configs.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || byCodeUnit(a.name, b.name));
}

/**
 * Configs of the Hub's parquet conversion (`refs/convert/parquet`): `{config}/{split}/NNNN.parquet`,
 * `{config}/partial-{split}/…` (partial conversions) and `{config}/{split}-part{k}/…` (over 10,000 shards).
 */
export function parquetExportConfigs(allFiles: readonly string[]): ConfigFiles[] {
  const byConfig = new Map<string, Map<string, string[]>>();
  for (const f of dataCandidates(allFiles)) {
    const m = /^([^/]+)\/([^/]+)\/[^/]+\.parquet$/.exec(f);
    if (!m) continue;
    const split = m[2].replace(/^partial-/, '').replace(/-part\d+$/, '');
    const splits = byConfig.get(m[1]) ?? new Map<string, string[]>();
    byConfig.set(m[1], splits);
    splits.set(split, [...(splits.get(split) ?? []), f]);
  }
  const configs = [...byConfig].map(([name, splits]) => ({
    name,
    isDefault: name === 'default' || byConfig.size === 1,
    splits: orderSplits([...splits].map(([s, fs]) => ({ name: s, files: fs.sort(byCodeUnit) }))),
    ignored: [],
  }));
  return configs.sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || byCodeUnit(a.name, b.name));
}

/** Pick the config (`--config`, else the default) and its splits (`--split`, else all); exit 2 naming what exists. */
export function selectSplits(configs: readonly ConfigFiles[], config: string | undefined, split: string | undefined, what: string): { config: ConfigFiles; splits: SplitFiles[] } {
  if (configs.length === 0 || configs.every((c) => c.splits.length === 0))
    throw new LdtError(`${what}: no data files found`, 'hf-fetch reads parquet, JSON Lines, JSON, CSV/TSV and text files (optionally .gz/.zst)');
  const names = configs.map((c) => c.name);
  let cfg: ConfigFiles | undefined;
  if (config !== undefined) {
    cfg = configs.find((c) => c.name === config);
    if (!cfg) throw new UsageError(`${what} has no config ${JSON.stringify(config)}; its configs are: ${names.join(', ')}`);
  } else {
    cfg = configs.find((c) => c.isDefault);
    if (!cfg) throw new UsageError(`${what} has several configs and none is the default; pick one with --config`, `its configs are: ${names.join(', ')}`);
  }
  if (split === undefined) return { config: cfg, splits: cfg.splits };
  const s = cfg.splits.find((x) => x.name === split);
  if (!s)
    throw new UsageError(
      `${what}, config ${JSON.stringify(cfg.name)} has no split ${JSON.stringify(split)}; its splits are: ${cfg.splits.map((x) => x.name).join(', ') || '(none)'}`,
    );
  return { config: cfg, splits: [s] };
}
