import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { DataError } from '@ldt/errors';
import { openInput } from '@ldt/ndjson';
import { datasetId, MANIFEST_FORMAT, type Manifest, sideFiles } from './format.js';

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
  return m;
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
  for (const s of m.shards) {
    known.add(s.path);
    const p = join(dir, s.path);
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
