/**
 * The checksummed container of ldt's index files (dedup-exact and dedup-near `--save-index`):
 *
 * ```
 * offset  size  field
 * 0       8     magic (8 bytes, e.g. "LDTXIDX\0")
 * 8       4     format version, u32 LE
 * 12      4     header length H, u32 LE
 * 16      H     header, UTF-8 JSON (the tool's parameters and counts)
 * 16+H    …     payload (the tool's records)
 * end-8   8     XXH3-64 (seed 0) of every byte before it
 * ```
 * Reading checks magic, version, header, the payload size the tool expects (if it knows it) and
 * the checksum, so a truncated or altered index is a `DataError`, never a silently smaller index.
 */
import { open } from 'node:fs/promises';
import { DataError } from '@ldt/errors';
import { xxh64Stream } from './xxhash.js';

/** What identifies one tool's index files. */
export interface IndexFormat {
  /** 8 bytes. */
  magic: Buffer;
  version: number;
  /** The tool that writes it, named in messages: `not a valid <tool> index`. */
  tool: string;
  /** The hint of a "not a valid" error (how to get a good file). */
  hint: string;
}

const PREFIX = 16;
const TRAILER = 8;

/**
 * Writes one index file through `sink` (which returns what the caller awaits, if anything):
 * `header(…)` first, then `payload(…)` any number of times, then `finish()` (the checksum).
 */
export class IndexFileWriter<R> {
  private readonly sum = xxh64Stream();
  constructor(
    private readonly format: IndexFormat,
    private readonly sink: (bytes: Buffer) => R,
  ) {}

  /** The fixed prefix and the JSON header, in one write. */
  header(header: object): R {
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    const head = Buffer.alloc(PREFIX + json.length);
    this.format.magic.copy(head, 0);
    head.writeUInt32LE(this.format.version, 8);
    head.writeUInt32LE(json.length, 12);
    json.copy(head, PREFIX);
    return this.payload(head);
  }

  payload(bytes: Buffer): R {
    this.sum.update(bytes);
    return this.sink(bytes);
  }

  /** The checksum trailer. */
  finish(): R {
    return this.sink(this.sum.digest());
  }
}

/** An opened index file: its header, checked; its payload is read (and the checksum checked) by `payload()`. */
export interface IndexFileReader {
  header: Record<string, unknown>;
  /** Payload bytes. */
  payloadSize: number;
  /**
   * The payload in chunks of at most `chunkBytes` (the chunk is reused: copy what is kept). The
   * checksum is checked before the last chunk is yielded: a bad file yields nothing past it.
   */
  payload(chunkBytes?: number): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

/** The error for a file that is not a valid index of this format. */
export function invalidIndex(path: string, format: IndexFormat, why: string): DataError {
  return new DataError(`${path}: not a valid ${format.tool} index (${why})`, undefined, format.hint);
}

/**
 * Open an index file and check its prefix and header. `check(header)` may throw (a parameter
 * mismatch) and returns the payload size it expects, or undefined when it cannot know.
 */
export async function openIndexFile(path: string, format: IndexFormat, label: string, check: (header: Record<string, unknown>) => number | undefined): Promise<IndexFileReader> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`cannot read ${label} ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    const bad = (why: string) => invalidIndex(path, format, why);
    const size = (await fh.stat()).size;
    if (size < PREFIX + TRAILER) throw bad('file too short');
    const prefix = Buffer.alloc(PREFIX);
    await readAt(fh, prefix, 0, bad);
    if (!prefix.subarray(0, 8).equals(format.magic)) throw bad('wrong magic bytes');
    const version = prefix.readUInt32LE(8);
    if (version !== format.version) throw bad(`format version ${version}; this ${format.tool} reads version ${format.version}`);
    const headerSize = prefix.readUInt32LE(12);
    if (PREFIX + headerSize + TRAILER > size) throw bad('truncated header');
    const json = Buffer.alloc(headerSize);
    await readAt(fh, json, PREFIX, bad);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw bad('unreadable header');
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('the header is not a JSON object');
    const payloadStart = PREFIX + headerSize;
    const payloadSize = size - payloadStart - TRAILER;
    const expected = check(header);
    if (expected !== undefined && payloadSize !== expected)
      throw bad(`size ${size} bytes, expected ${payloadStart + expected + TRAILER} for what its header says: truncated or altered`);
    const handle = fh;
    return {
      header,
      payloadSize,
      async *payload(chunkBytes = 1 << 20) {
        const sum = xxh64Stream();
        sum.update(prefix);
        sum.update(json);
        const buf = Buffer.alloc(Math.max(1, Math.min(chunkBytes, payloadSize)));
        const end = payloadStart + payloadSize;
        for (let pos = payloadStart; pos < end; ) {
          const chunk = buf.subarray(0, Math.min(buf.length, end - pos));
          await readAt(handle, chunk, pos, bad);
          sum.update(chunk);
          pos += chunk.length;
          if (pos === end) await checkTrailer(handle, end, sum.digest(), bad);
          yield chunk;
        }
        if (payloadSize === 0) await checkTrailer(handle, end, sum.digest(), bad);
      },
      close: () => handle.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function checkTrailer(fh: Awaited<ReturnType<typeof open>>, at: number, digest: Buffer, bad: (why: string) => DataError): Promise<void> {
  const trailer = Buffer.alloc(TRAILER);
  await readAt(fh, trailer, at, bad);
  if (!trailer.equals(digest)) throw bad('checksum mismatch: the file was truncated, altered or corrupted');
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, buf: Buffer, at: number, bad: (why: string) => DataError): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, at + done);
    if (bytesRead === 0) throw bad(`it ends early at byte ${at + done}`);
    done += bytesRead;
  }
}
