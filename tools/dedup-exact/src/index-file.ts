import { createWriteStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { DataError, UsageError } from '@ldt/errors';
import { HashSet128, xxh64Stream } from '@ldt/hash';
import { cleanStaleTemps, tempPathFor, trackTemp, untrackTemp, writeError } from '@ldt/ndjson';

/**
 * The persistent seen-set of dedup-exact (`--save-index` / `--index`), version 1:
 *
 * ```
 * offset  size  field
 * 0       8     magic "LDTXIDX\0"
 * 8       4     format version, u32 LE (1)
 * 12      4     header length H, u32 LE
 * 16      H     header, UTF-8 JSON: {"tool","hash":"xxh3-128","key_mode","normalize","keys"}
 * 16+H    16·N  the keys: 128-bit hashes as four u32 LE words each (bit 0 of the last word set)
 * end-8   8     XXH3-64 (seed 0) of every byte before it
 * ```
 * 16 bytes per key on disk. Loading checks magic, version, length and checksum, so a truncated or
 * altered index is an error, never a silently smaller seen-set.
 */
export interface IndexHeader {
  tool: 'dedup-exact';
  hash: 'xxh3-128';
  /** `json` (keys from parsed rows) or `line` (raw line bytes): hashes of one mode mean nothing in the other. */
  key_mode: 'json' | 'line';
  normalize: string;
  keys: number;
}

const MAGIC = Buffer.from('LDTXIDX\0', 'latin1');
const VERSION = 1;

/** Write `sets` (their union must be disjoint: each key once) atomically to `path`. */
export async function saveIndex(path: string, header: Omit<IndexHeader, 'keys'>, sets: HashSet128[]): Promise<number> {
  let keys = 0;
  for (const s of sets) keys += s.size;
  const head = Buffer.from(JSON.stringify({ ...header, keys }), 'utf8');
  const pre = Buffer.alloc(16);
  MAGIC.copy(pre, 0);
  pre.writeUInt32LE(VERSION, 8);
  pre.writeUInt32LE(head.length, 12);
  const sum = xxh64Stream();
  cleanStaleTemps(path);
  const tmp = tempPathFor(path);
  trackTemp(tmp);
  const ws = createWriteStream(tmp);
  const write = (b: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      sum.update(b);
      if (ws.write(b)) resolve();
      else {
        ws.once('drain', resolve);
        ws.once('error', reject);
      }
    });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await write(pre);
    await write(head);
    for (const s of sets) for (const chunk of s.chunks()) await write(chunk);
    const digest = sum.digest();
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.end(digest, () => resolve());
    });
    await rename(tmp, path);
  } catch (e) {
    ws.destroy();
    await unlink(tmp).catch(() => {});
    throw writeError(`index ${path}`, e);
  } finally {
    untrackTemp(tmp);
  }
  return keys;
}

/** Load an index file into a new set. Checks it matches the run's key mode and normalisation. */
export async function loadIndex(path: string, expect: { key_mode: string; normalize: string }): Promise<{ set: HashSet128; header: IndexHeader }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read index ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    const size = (await fh.stat()).size;
    const bad = (why: string) => new DataError(`${path}: not a valid dedup-exact index (${why})`, undefined, 'rebuild it with dedup-exact --save-index FILE');
    if (size < 24) throw bad('file too short');
    const pre = Buffer.alloc(16);
    await fh.read(pre, 0, 16, 0);
    if (!pre.subarray(0, 8).equals(MAGIC)) throw bad('wrong magic bytes');
    const version = pre.readUInt32LE(8);
    if (version !== VERSION) throw bad(`format version ${version}; this dedup-exact reads version ${VERSION}`);
    const hlen = pre.readUInt32LE(12);
    if (16 + hlen + 8 > size) throw bad('truncated header');
    const head = Buffer.alloc(hlen);
    await fh.read(head, 0, hlen, 16);
    let header: IndexHeader;
    try {
      header = JSON.parse(head.toString('utf8')) as IndexHeader;
    } catch {
      throw bad('unreadable header');
    }
    // Checked before the checksum is (the body is read for it): any JSON may stand here.
    if (
      header === null ||
      typeof header !== 'object' ||
      !Number.isSafeInteger(header.keys) ||
      header.keys < 0 ||
      typeof header.key_mode !== 'string' ||
      typeof header.normalize !== 'string'
    )
      throw bad('header without a key count, key mode or normalisation');
    const bodyStart = 16 + hlen;
    const expected = bodyStart + header.keys * 16 + 8;
    if (size !== expected) throw bad(`size ${size} bytes, expected ${expected} for ${header.keys} keys: truncated or altered`);
    if (header.key_mode !== expect.key_mode) {
      throw new UsageError(
        `index ${path} holds ${header.key_mode === 'line' ? '--fields line' : 'row key'} hashes; this run uses ${expect.key_mode === 'line' ? '--fields line' : 'row keys'}`,
        'use the same --fields kind that built the index',
      );
    }
    if (header.normalize !== expect.normalize) {
      throw new UsageError(
        `index ${path} was built with --normalize ${header.normalize}; this run uses --normalize ${expect.normalize}`,
        `add --normalize ${header.normalize}, or rebuild the index`,
      );
    }
    const sum = xxh64Stream();
    sum.update(pre);
    sum.update(head);
    const set = new HashSet128();
    const buf = Buffer.alloc(16 * 65536);
    let pos = bodyStart;
    const end = bodyStart + header.keys * 16;
    while (pos < end) {
      const want = Math.min(buf.length, end - pos);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead !== want) throw bad('short read');
      const part = buf.subarray(0, want);
      sum.update(part);
      for (let o = 0; o < want; o += 16) set.add(part, o);
      pos += want;
    }
    const trailer = Buffer.alloc(8);
    await fh.read(trailer, 0, 8, end);
    if (!trailer.equals(sum.digest())) throw bad('checksum mismatch: the file was altered or corrupted');
    return { set, header };
  } finally {
    await fh.close();
  }
}
