import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { UsageError } from '@ldt/errors';
import { HashSet128, IndexFileWriter, type IndexFormat, invalidIndex, openIndexFile } from '@ldt/hash';
import { cleanStaleTemps, createTempFile, outputTarget, tempPathFor, untrackTemp, writeError } from '@ldt/ndjson';

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
 * 16 bytes per key on disk. The container (magic, version, header, checksum) is @ldt/hash's
 * `IndexFileWriter`/`openIndexFile`: loading checks magic, version, length and checksum, so a
 * truncated or altered index is an error, never a silently smaller seen-set.
 */
export interface IndexHeader {
  tool: 'dedup-exact';
  hash: 'xxh3-128';
  /** `json` (keys from parsed rows) or `line` (raw line bytes): hashes of one mode mean nothing in the other. */
  key_mode: 'json' | 'line';
  normalize: string;
  keys: number;
}

const FORMAT: IndexFormat = { magic: Buffer.from('LDTXIDX\0', 'latin1'), version: 1, tool: 'dedup-exact', hint: 'rebuild it with dedup-exact --save-index FILE' };

/** Write `sets` (their union must be disjoint: each key once) atomically to `path`. */
export async function saveIndex(path: string, header: Omit<IndexHeader, 'keys'>, sets: HashSet128[]): Promise<number> {
  let keys = 0;
  for (const s of sets) keys += s.size;
  // A device or FIFO (`--save-index /dev/null`) is written in place: renaming over it would replace it.
  const target = outputTarget(path);
  let tmp: string | undefined;
  let tmpFd = -1;
  if (!target.direct) {
    cleanStaleTemps(target.path);
    tmp = tempPathFor(target.path);
    try {
      tmpFd = createTempFile(tmp);
    } catch (e) {
      throw writeError(`index ${path}`, e);
    }
  }
  const ws =
    tmp !== undefined
      ? createWriteStream('', { fd: tmpFd })
      : target.fd !== undefined
        ? createWriteStream('', { fd: target.fd, autoClose: false })
        : createWriteStream(path, { flags: 'a' });
  const file = new IndexFileWriter(
    FORMAT,
    (b: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        if (ws.write(b)) resolve();
        else {
          ws.once('drain', resolve);
          ws.once('error', reject);
        }
      }),
  );
  try {
    // A stream on a descriptor already open (the temporary, `/dev/stderr`) emits no 'open'.
    if (tmp === undefined && target.fd === undefined)
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
    await file.header({ ...header, keys });
    for (const s of sets) for (const chunk of s.chunks()) await file.payload(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    await file.finish();
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      // end's callback gets a failed write's error, possibly before 'error' is emitted (see LineWriter.end).
      ws.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (tmp !== undefined) await rename(tmp, target.path);
  } catch (e) {
    ws.destroy();
    if (tmp !== undefined) await unlink(tmp).catch(() => {});
    throw writeError(`index ${path}`, e);
  } finally {
    if (tmp !== undefined) untrackTemp(tmp);
  }
  return keys;
}

/** Load an index file into a new set. Checks it matches the run's key mode and normalisation. */
export async function loadIndex(path: string, expect: { key_mode: string; normalize: string }): Promise<{ set: HashSet128; header: IndexHeader }> {
  const file = await openIndexFile(path, FORMAT, 'index', (h) => {
    const header = h as unknown as IndexHeader;
    // Checked before the checksum is (the payload is read for it): any JSON may stand here.
    if (!Number.isSafeInteger(header.keys) || header.keys < 0 || typeof header.key_mode !== 'string' || typeof header.normalize !== 'string')
      throw invalidIndex(path, FORMAT, 'header without a key count, key mode or normalisation');
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
    return Number.isInteger(header.keys) && header.keys >= 0 ? header.keys * 16 : Number.NaN;
  });
  try {
    const set = new HashSet128();
    for await (const part of file.payload(16 * 65536)) for (let o = 0; o < part.length; o += 16) set.add(part, o);
    return { set, header: file.header as unknown as IndexHeader };
  } finally {
    await file.close();
  }
}
