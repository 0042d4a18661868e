import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { DataError, quote } from '@ldt/errors';
import { openInput, readRows } from '@ldt/ndjson';
import { parsePaths } from '@ldt/schema';
import { countRowTokens, LEGACY_TOKEN_RULE, loadTokenCounter, recordRenderer, TEMPLATE_TOKEN_RULE, TemplateRowError, TOKEN_RULE, type TokenRule } from '@ldt/tokens';
import { FieldCatalog } from './fields.js';
import { datasetId, MANIFEST_FORMAT, type Manifest, sideFiles } from './format.js';
import { manifestShapeError } from './shape.js';
import { SourceTally } from './source.js';

/** What is wrong with one file of a manifest folder. */
export interface VerifyProblem {
  /** Path relative to the folder. */
  path: string;
  problem: 'missing' | 'extra' | 'truncated' | 'altered';
  detail: string;
}

export interface VerifyResult {
  manifest: Manifest;
  problems: VerifyProblem[];
  /** Shards whose checksum, size, rows and raw bytes all match. */
  shardsOk: number;
  rows: number;
}

/** Read and check `DIR/manifest.json` (a `DataError` naming the file when it is absent or not a manifest). */
export async function readManifest(dir: string): Promise<Manifest> {
  const p = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(p, 'utf8');
  } catch {
    throw new DataError(`cannot read ${p}: no such file`, undefined, 'give the --out-dir folder of a manifest build');
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new DataError(`${p} is not valid JSON: ${(e as Error).message}`);
  }
  if (m?.format !== MANIFEST_FORMAT || !Array.isArray(m.shards)) throw new DataError(`${p} is not an ldt manifest (expected "format": "${MANIFEST_FORMAT}")`);
  const shape = manifestShapeError(m);
  if (shape) throw new DataError(`${p}: ${shape}`, undefined, 'the manifest was edited or damaged; rebuild the folder with manifest build');
  for (const [i, s] of m.shards.entries()) checkShardPath(s?.path, `${p}: shards[${i}].path`);
  return m;
}

/**
 * A shard path must be relative and stay inside the dataset folder: no absolute path, no `..`
 * or empty segment, no backslash or NUL. Throws a `DataError` naming the manifest entry.
 */
export function checkShardPath(path: unknown, where: string): void {
  const bad =
    typeof path !== 'string'
      ? 'is not a string'
      : path.length === 0
        ? 'is empty'
        : isAbsolute(path) || path.startsWith('/')
          ? 'is absolute'
          : /[\\\0]/.test(path)
            ? 'holds a backslash or NUL'
            : path.split('/').some((seg) => seg === '..' || seg === '' || seg === '.')
              ? 'leaves the dataset folder (a "..", "." or empty segment)'
              : undefined;
  if (bad)
    throw new DataError(
      `${where} ${quote(String(path))} ${bad}`,
      undefined,
      'shard paths are relative to the dataset folder and stay inside it; rebuild the folder with manifest build',
    );
}

/**
 * The file of a shard, refusing one that resolves (through symbolic links) outside the dataset
 * folder. Paths were checked by `readManifest`.
 */
export function shardFile(dir: string, rel: string): string {
  const p = join(dir, rel);
  let real: string;
  let root: string;
  try {
    real = realpathSync(p);
    root = realpathSync(dir);
  } catch {
    return p; // missing: the caller reports it
  }
  if (!real.startsWith(root + sep))
    throw new DataError(`${join(dir, rel)} leads outside the dataset folder (to ${real})`, undefined, 'a shard must be a file inside the folder, not a link out of it');
  return p;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Rows (newlines) and bytes of a shard after decompression. */
async function recount(path: string): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for await (const chunk of openInput(path, { stdin: new PassThrough() })) {
    bytes += chunk.length;
    let i = chunk.indexOf(10);
    while (i >= 0) {
      rows++;
      i = chunk.indexOf(10, i + 1);
    }
  }
  return { rows, bytes };
}

function walk(dir: string, root: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, root, out);
    else out.push(relative(root, p));
  }
}

/**
 * Re-hash and re-count every shard of a manifest folder: a shard is missing (absent), truncated
 * (shorter than recorded), or altered (other size or checksum, or other rows/bytes when
 * decompressed); a file not in the manifest is extra. The dataset id and croissant.json checksums
 * are checked against the shard list too.
 */
export async function verifyDir(dir: string): Promise<VerifyResult> {
  const m = await readManifest(dir);
  const problems: VerifyProblem[] = [];
  let ok = 0;
  let rows = 0;
  const known = new Set<string>(sideFiles(m));
  const intact: { i: number; path: string }[] = [];
  for (const [i, s] of m.shards.entries()) {
    known.add(s.path);
    const p = shardFile(dir, s.path);
    if (!existsSync(p)) {
      problems.push({ path: s.path, problem: 'missing', detail: `missing (${s.rows} rows, ${s.stored_bytes} bytes expected)` });
      continue;
    }
    const size = statSync(p).size;
    if (size < s.stored_bytes) {
      problems.push({ path: s.path, problem: 'truncated', detail: `truncated: ${size} bytes, expected ${s.stored_bytes}` });
      continue;
    }
    if (size > s.stored_bytes) {
      problems.push({ path: s.path, problem: 'altered', detail: `altered: ${size} bytes, expected ${s.stored_bytes}` });
      continue;
    }
    const sha = await sha256File(p);
    if (sha !== s.sha256) {
      problems.push({ path: s.path, problem: 'altered', detail: `altered: sha256 ${sha}, expected ${s.sha256}` });
      continue;
    }
    const c = await recount(p);
    if (c.rows !== s.rows || c.bytes !== s.raw_bytes) {
      problems.push({ path: s.path, problem: 'altered', detail: `altered: ${c.rows} rows / ${c.bytes} raw bytes, manifest says ${s.rows} / ${s.raw_bytes}` });
      continue;
    }
    ok++;
    rows += c.rows;
    intact.push({ i, path: p });
  }
  for (const f of m.side_files ?? []) {
    const p = join(dir, f.path);
    if (!existsSync(p)) problems.push({ path: f.path, problem: 'missing', detail: `missing (written by ${f.written_by}; run it again)` });
    else if ((await sha256File(p)) !== f.sha256) problems.push({ path: f.path, problem: 'altered', detail: `altered: not the file ${f.written_by} wrote (run it again)` });
  }
  const files: string[] = [];
  walk(dir, dir, files);
  for (const f of files.sort()) if (!known.has(f)) problems.push({ path: f, problem: 'extra', detail: 'extra: not listed in manifest.json' });
  const id = datasetId(m.shards);
  if (id !== m.dataset_id) problems.push({ path: 'manifest.json', problem: 'altered', detail: `altered: dataset_id ${m.dataset_id} does not match its shards (${id})` });
  const totalRows = m.shards.reduce((a, s) => a + s.rows, 0);
  if (m.totals?.rows !== totalRows) problems.push({ path: 'manifest.json', problem: 'altered', detail: `altered: totals.rows ${m.totals?.rows} but the shards hold ${totalRows}` });
  if (problems.length === 0) problems.push(...(await checkFigures(m, intact)));
  const cr = join(dir, 'croissant.json');
  if (existsSync(cr)) {
    try {
      const c = JSON.parse(await readFile(cr, 'utf8')) as { distribution?: { '@type'?: string; contentUrl?: string; sha256?: string }[] };
      const want = new Map(m.shards.map((s) => [s.path, s.sha256]));
      const objs = (c.distribution ?? []).filter((d) => d['@type'] === 'cr:FileObject');
      const bad = objs.filter((d) => want.get(d.contentUrl ?? '') !== d.sha256).length + (objs.length === want.size ? 0 : 1);
      if (bad > 0) problems.push({ path: 'croissant.json', problem: 'altered', detail: 'altered: its FileObjects do not match the shards of manifest.json' });
    } catch {
      problems.push({ path: 'croissant.json', problem: 'altered', detail: 'altered: not valid JSON' });
    }
  }
  return { manifest: m, problems, shardsOk: ok, rows };
}

/**
 * Check every recorded figure against the shards (which are intact: checksums matched, so only
 * manifest.json can be wrong): tokens per shard, recounted with the tokenizer and counting rule
 * the manifest records; totals; partitions; sources; fields.
 */
async function checkFigures(m: Manifest, intact: { i: number; path: string }[]): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const say = (detail: string) => problems.push({ path: 'manifest.json', problem: 'altered', detail: `altered: ${detail}` });
  const sum = (f: (s: Manifest['shards'][number]) => number) => m.shards.reduce((a, s) => a + f(s), 0);
  const t = m.totals ?? ({} as Manifest['totals']);
  if (t.shards !== m.shards.length) say(`totals.shards ${t.shards} but the manifest lists ${m.shards.length} shards`);
  if (t.raw_bytes !== sum((s) => s.raw_bytes)) say(`totals.raw_bytes ${t.raw_bytes} but the shards hold ${sum((s) => s.raw_bytes)}`);
  if (t.stored_bytes !== sum((s) => s.stored_bytes)) say(`totals.stored_bytes ${t.stored_bytes} but the shards hold ${sum((s) => s.stored_bytes)}`);
  const parts = new Set(m.shards.map((s) => s.partition));
  if (t.partitions !== parts.size) say(`totals.partitions ${t.partitions} but the shards are in ${parts.size}`);

  // The rule the manifest records; manifests written before it was recorded counted by the legacy rule.
  const recorded = m.tokenizer?.count_rule ?? LEGACY_TOKEN_RULE;
  let rule: TokenRule | undefined = recorded === TOKEN_RULE || recorded === LEGACY_TOKEN_RULE ? recorded : undefined;
  if (recorded === TEMPLATE_TOKEN_RULE) {
    // --template: rows are rendered again with the template the manifest records.
    const tpl = m.tokenizer?.template;
    try {
      if (!tpl) throw new Error('the manifest records no template');
      rule = { name: TEMPLATE_TOKEN_RULE, render: await recordRenderer(tpl) };
    } catch (e) {
      say(`tokens cannot be recounted: counting rule ${quote(recorded)}: ${(e as Error).message}`);
    }
  }
  let counter: Awaited<ReturnType<typeof loadTokenCounter>> | undefined;
  if (rule === undefined) {
    if (recorded !== TEMPLATE_TOKEN_RULE)
      say(
        `tokens cannot be recounted: counting rule ${quote(recorded)} is not known to this version (it knows ${quote(TOKEN_RULE)}, ${quote(LEGACY_TOKEN_RULE)}, ${quote(TEMPLATE_TOKEN_RULE)})`,
      );
  } else {
    try {
      counter = await loadTokenCounter(m.tokenizer?.estimate === false ? m.tokenizer.name : undefined);
    } catch (e) {
      say(`tokens cannot be recounted: ${(e as Error).message}`);
    }
  }
  const textFields = Array.isArray(m.tokenizer?.text_fields) ? parsePaths(m.tokenizer.text_fields) : undefined;
  const fields = new FieldCatalog();
  const sources = new SourceTally();
  const scratch: string[] = [];
  let tokens = 0;
  const ignore = { reject() {} };
  for (const { i, path } of intact) {
    let n = 0;
    for await (const batch of readRows([path], { stdin: new PassThrough(), rejector: ignore })) {
      for (const row of batch) {
        if (counter)
          try {
            n += countRowTokens(counter, row.value, textFields, scratch, rule);
          } catch (e) {
            if (!(e instanceof TemplateRowError)) throw e;
            say(`tokens cannot be recounted: ${path}:${row.line}: ${e.message}`);
            counter = undefined;
          }
        fields.add(row.value);
        sources.add(row.value);
      }
    }
    tokens += n;
    const s = m.shards[i];
    if (counter && s.tokens !== n) say(`shards[${i}].tokens (${s.path}) ${s.tokens} but its rows hold ${n} (${counter.name})`);
  }
  if (counter && t.tokens !== tokens) say(`totals.tokens ${t.tokens} but the rows hold ${tokens} (${counter.name})`);
  if (JSON.stringify(m.sources) !== JSON.stringify(sources.toJSON())) say('sources do not match the meta.source values of the rows');
  if (JSON.stringify(m.fields) !== JSON.stringify(fields.toJSON())) say('fields do not match the fields of the rows');
  return problems;
}
