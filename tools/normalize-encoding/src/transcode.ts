import { isUtf8 } from 'node:buffer';
import { UsageError } from '@ldt/errors';
import { type OpenOptions, openInput } from '@ldt/ndjson';

/** Longest run of bytes without a newline held back before decoding (see `feed`). */
const MAX_PENDING = 64 * 1024 * 1024;

/** Bytes looked at by `--input-encoding auto`. */
export const DETECT_SAMPLE_BYTES = 256 * 1024;

/**
 * Detector answers → the encoding to decode with. Like the WHATWG Encoding Standard (which maps
 * the label `iso-8859-1` to windows-1252), an ISO-8859 answer is decoded with its Windows
 * superset: it differs only in 0x80–0x9F, where the ISO page has C1 controls that real text does
 * not contain; EUC-KR and GB2312 likewise by their supersets cp949 and gb18030.
 */
const SUPERSET: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  'iso-8859-7': 'windows-1253',
  'iso-8859-8': 'windows-1255',
  'iso-8859-9': 'windows-1254',
  'euc-kr': 'cp949',
  gb2312: 'gb18030',
  ascii: 'utf-8',
};

/** What `auto` decided for one input. */
export interface Detection {
  encoding: string;
  /** `bom`, `utf-8` (the sample is valid UTF-8), or `chardet` with its confidence (0–100). */
  by: 'bom' | 'utf-8' | 'chardet' | 'empty';
  confidence?: number;
}

/** Check an `--input-encoding` name; returns it lower-cased. */
export async function checkEncoding(name: string): Promise<string> {
  const lower = name.toLowerCase();
  if (lower === 'auto') return lower;
  const iconv = (await import('iconv-lite')).default;
  if (!iconv.encodingExists(lower)) {
    throw new UsageError(
      `unknown --input-encoding ${JSON.stringify(name)}`,
      'use a name such as windows-1252, latin1, shift_jis, gb18030, big5, euc-kr, koi8-r, utf-16le, or auto',
    );
  }
  return lower;
}

/** Guess the encoding of `sample` (the first bytes of an input). */
export async function detectEncoding(sample: Buffer, complete: boolean): Promise<Detection> {
  if (sample.length === 0) return { encoding: 'utf-8', by: 'empty' };
  if (sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf-8', by: 'bom' };
  if (sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf-16le', by: 'bom' };
  if (sample[0] === 0xfe && sample[1] === 0xff) return { encoding: 'utf-16be', by: 'bom' };
  // A sample cut inside a multi-byte character is still UTF-8: drop an incomplete tail (≤ 3 bytes).
  let end = sample.length;
  if (!complete) {
    let k = end - 1;
    while (k > end - 4 && k >= 0 && (sample[k] & 0xc0) === 0x80) k--;
    if (k >= 0 && sample[k] >= 0xc0) end = k;
  }
  if (isUtf8(sample.subarray(0, end))) return { encoding: 'utf-8', by: 'utf-8' };
  const chardet = await import('chardet');
  const best = chardet.analyse(sample)[0];
  if (!best) return { encoding: 'utf-8', by: 'chardet', confidence: 0 };
  const name = best.name.toLowerCase();
  return { encoding: SUPERSET[name] ?? name, by: 'chardet', confidence: best.confidence };
}

/** Counts kept while transcoding one input. */
export interface TranscodeStats {
  /** U+FFFD characters in the decoded text (bytes the encoding could not decode, or U+FFFD in the input). */
  replacement: number;
}

/**
 * Read one input (decompressed as usual) and yield it as UTF-8 bytes, decoded from `encoding`
 * (`auto`: detected from the first DETECT_SAMPLE_BYTES; `onDetect` is told). Streaming: memory is
 * one read chunk plus the longest line plus the sample. Characters split across chunks are kept
 * together.
 */
export async function* transcodeInput(input: string, encoding: string, opts: OpenOptions, stats: TranscodeStats, onDetect?: (d: Detection) => void): AsyncGenerator<Buffer> {
  const iconv = (await import('iconv-lite')).default;
  const it = openInput(input, opts)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLen = 0;
  let done = false;
  let enc = encoding;
  if (enc === 'auto') {
    while (headLen < DETECT_SAMPLE_BYTES) {
      const r = await it.next();
      if (r.done) {
        done = true;
        break;
      }
      head.push(r.value);
      headLen += r.value.length;
    }
    const sample = Buffer.concat(head);
    const d = await detectEncoding(sample.subarray(0, DETECT_SAMPLE_BYTES), done && sample.length <= DETECT_SAMPLE_BYTES);
    onDetect?.(d);
    enc = d.encoding;
  }
  const decoder = iconv.getDecoder(enc);
  let carry = '';
  const emit = (s: string, final = false): Buffer | undefined => {
    let text = carry + s;
    carry = '';
    const last = text.charCodeAt(text.length - 1);
    if (!final && last >= 0xd800 && last <= 0xdbff) {
      carry = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length === 0) return undefined;
    for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) stats.replacement++;
    return Buffer.from(text, 'utf8');
  };
  // iconv-lite's multi-byte decoders can lose a character split across two writes (gb18030 4-byte
  // sequences fed one byte at a time came out as U+FFFD here), so ASCII-compatible encodings are
  // fed whole lines only: byte 0x0A is never part of a multi-byte character in them. UTF-16/32
  // decoders keep partial characters themselves (and 0x0A can be half of one there).
  const wide = /^(utf-?16|utf-?32|ucs-?2|utf-?7)/.test(enc);
  let pending: Buffer[] = [];
  let pendingLen = 0;
  const feed = (chunk: Buffer): Buffer | undefined => {
    if (wide) return emit(decoder.write(chunk));
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      pending.push(chunk);
      pendingLen += chunk.length;
      // A line longer than this is not NDJSON; let the reader say so (memory stays bounded).
      if (pendingLen < MAX_PENDING) return undefined;
      const all = Buffer.concat(pending);
      pending = [];
      pendingLen = 0;
      return emit(decoder.write(all));
    }
    const whole = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, nl + 1)]) : chunk.subarray(0, nl + 1);
    pending = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
    pendingLen = chunk.length - nl - 1;
    return emit(decoder.write(whole));
  };
  for (const chunk of head) {
    const b = feed(chunk);
    if (b) yield b;
  }
  while (!done) {
    const r = await it.next();
    if (r.done) break;
    const b = feed(r.value);
    if (b) yield b;
  }
  const rest = pending.length > 0 ? decoder.write(Buffer.concat(pending)) : '';
  const tail = emit(rest + (decoder.end() ?? ''), true);
  if (tail) yield tail;
}
