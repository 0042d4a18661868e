import type { Readable } from 'node:stream';
import { DataError, LdtError } from '@ldt/errors';
import { findTopLevelValue, openInput, readJsonInput, readLineChunks, STDIN_NAME, serializeWithMeta } from '@ldt/ndjson';
import { jsonValue } from './json.js';
import type { Stamp } from './stamp.js';

/** Data file formats hf-fetch reads (the `datasets` packaged loaders of the same names). */
export type Format = 'parquet' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'text';

const FORMAT_BY_EXT: Record<string, Format> = {
  parquet: 'parquet',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  txt: 'text',
};

/** The format of a data file from its name, looking through `.gz`/`.zst`; undefined if not a data file. */
export function formatOf(path: string): Format | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1).replace(/\.(gz|zst)$/i, '');
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return FORMAT_BY_EXT[base.slice(dot + 1).toLowerCase()];
}

/**
 * Where a file's bytes come from: a local path (the extension decides decompression) or a stream
 * opener (gzip/zstd recognised by magic bytes). `display` names the file in messages.
 */
export interface ByteSource {
  display: string;
  local?: string;
  open?: () => Promise<Readable>;
}

export interface TextReadOptions {
  columns?: readonly string[];
  limit?: number;
  stamp: Stamp;
  onBytes?: (n: number) => void;
}

async function inputs(src: ByteSource): Promise<{ list: string[]; stdin: Readable }> {
  if (src.local !== undefined) return { list: [src.local], stdin: undefined as unknown as Readable };
  if (!src.open) throw new Error('ByteSource without local path or opener');
  return { list: ['-'], stdin: await src.open() };
}

/** Re-point a positioned error at the file as the user knows it (repository path, not cache blob). */
function renamed(e: unknown, src: ByteSource): unknown {
  if (e instanceof DataError && e.position) return new DataError(e.message, { file: src.display, line: e.position.line }, e.hint);
  if (e instanceof DataError && src.local && e.message.includes(src.local)) return new DataError(e.message.replaceAll(src.local, src.display), undefined, e.hint);
  // A streamed file (--no-cache) is read as standard input: name it as the user knows it.
  if (e instanceof DataError && src.local === undefined && e.message.startsWith(STDIN_NAME))
    return new DataError(src.display + e.message.slice(STDIN_NAME.length), undefined, e.hint);
  return e;
}

/**
 * JSON Lines and JSON documents, read by the reader to-chatml uses too (`readJsonInput` of
 * @ldt/ndjson), so `hf-fetch FILE | to-chatml` gives the rows of `to-chatml FILE`:
 * - JSON Lines: one row per line; every byte outside `meta` is written as read (integers beyond
 *   2^53, `1.0` and escapes survive); `meta.source`/`meta.license` are spliced in. With `columns`,
 *   each kept value is copied as its exact text span. Blank lines are skipped (counted via `blank`).
 * - JSON (`asJson`): an array gives one row per element; a single object is one row, unless `field`
 *   names the array inside it (the `datasets` json loader's `field=`); a `.json` file that is really
 *   JSON Lines is read as such. The whole document is parsed at once (memory: about 3× the file),
 *   with JSON.parse, so integers beyond 2^53 are rounded there (JSON Lines keeps them).
 * - A line or element that is a bare JSON array (xtuner's `openai_sft.jsonl`: a list of messages)
 *   is written as `{"messages": ARRAY}` so it can carry `meta`; to-chatml reads both alike.
 */
export async function* readJsonRows(src: ByteSource, opts: TextReadOptions & { field?: string }, counts: { blank: number }, asJson: boolean): AsyncGenerator<string[]> {
  const { list, stdin } = await inputs(src);
  const local = { lines: 0, blank: 0 };
  let i = 0;
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  try {
    for await (const batch of readJsonInput(list, { stdin, counts: local, onBytes: opts.onBytes, inputFormat: asJson ? 'json-auto' : 'ndjson', field: opts.field })) {
      const out: string[] = [];
      for (const row of batch) {
        if (i >= limit) break;
        let { raw, value } = row;
        if (Array.isArray(value)) {
          raw = `{"messages":${raw}}`;
          value = { messages: value };
        }
        out.push(jsonlLine(raw, value, i, opts, src.display, row.line));
        i++;
      }
      if (out.length > 0) yield out;
      if (i >= limit) break;
    }
  } catch (e) {
    throw renamed(e, src);
  } finally {
    counts.blank += local.blank;
  }
}

function jsonlLine(raw: string, value: Record<string, unknown>, i: number, opts: TextReadOptions, display: string, line: number): string {
  const stamp = opts.stamp;
  if (opts.columns) {
    let s = '';
    for (const c of opts.columns) {
      const span = Object.hasOwn(value, c) ? findTopLevelValue(raw, c) : undefined;
      if (!Object.hasOwn(value, c)) throw new DataError(`row has no field ${JSON.stringify(c)}`, { file: display, line }, `its fields are: ${Object.keys(value).join(', ')}`);
      const text = c === 'meta' && stamp.enabled ? JSON.stringify(stamp.merge(value.meta, i, `${display}:${line}`)) : span ? raw.slice(span[0], span[1]) : jsonValue(value[c]);
      s += `${s === '' ? '{' : ','}${JSON.stringify(c)}:${text}`;
    }
    if (stamp.enabled && !opts.columns.includes('meta')) s += `${s === '' ? '{' : ','}"meta":${stamp.metaText(i)}`;
    return `${s === '' ? '{' : s}}`;
  }
  if (!stamp.enabled) return raw;
  const hadMeta = Object.hasOwn(value, 'meta');
  value.meta = hadMeta ? stamp.merge(value.meta, i, `${display}:${line}`) : stamp.metaObject(i);
  return serializeWithMeta(raw, value as never, hadMeta);
}

/** Build an output line from an object's own keys (CSV rows, text lines). */
function objectLine(value: Record<string, unknown>, i: number, opts: TextReadOptions, display: string, where: string): string {
  const stamp = opts.stamp;
  const keys = opts.columns ?? Object.keys(value);
  let s = '';
  for (const k of keys) {
    if (!Object.hasOwn(value, k)) throw new DataError(`${where}: row has no field ${JSON.stringify(k)}`, undefined, `its fields are: ${Object.keys(value).join(', ')}`);
    const v = k === 'meta' && stamp.enabled ? stamp.merge(value.meta, i, display) : value[k];
    s += `${s === '' ? '{' : ','}${JSON.stringify(k)}:${jsonValue(v)}`;
  }
  if (stamp.enabled && !keys.includes('meta')) s += `${s === '' ? '{' : ','}"meta":${stamp.metaText(i)}`;
  return `${s === '' ? '{' : s}}`;
}

/**
 * CSV / TSV with a header line, parsed by csv-parse (RFC 4180 quoting, embedded newlines, BOM).
 * Values stay strings (no type guessing: `007` stays `"007"`); an empty field is `""`.
 * A row with more or fewer fields than the header is an error naming its line.
 */
export async function* readCsv(src: ByteSource, opts: TextReadOptions, delimiter: ',' | '\t'): AsyncGenerator<string[]> {
  const { parse } = await import('csv-parse');
  const { Readable } = await import('node:stream');
  const { list, stdin } = await inputs(src);
  const bytes = Readable.from(openInput(list[0], { stdin }));
  const parser = bytes.pipe(parse({ columns: true, delimiter, bom: true, relax_column_count: false, skip_empty_lines: true, info: true }));
  bytes.on('error', (e) => parser.destroy(e));
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let i = 0;
  let out: string[] = [];
  try {
    for await (const rec of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (i >= limit) break;
      out.push(objectLine(rec.record, i, opts, src.display, `${src.display}:${rec.info.lines}`));
      i++;
      if (out.length >= 4096) {
        yield out;
        out = [];
      }
    }
  } catch (e) {
    if (e instanceof LdtError) throw renamed(e, src);
    const err = e as Error & { lines?: number; code?: string };
    throw new DataError(
      `${src.display}:${err.lines ?? '?'}: invalid ${delimiter === ',' ? 'CSV' : 'TSV'}: ${err.message}`,
      undefined,
      'the first line must be the header; every row needs as many fields as the header',
    );
  } finally {
    bytes.destroy();
  }
  if (out.length > 0) yield out;
}

/** Text: one row `{"text": line}` per line (the `datasets` text loader), blank lines included as `""`. */
export async function* readText(src: ByteSource, opts: TextReadOptions): AsyncGenerator<string[]> {
  const { list, stdin } = await inputs(src);
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let i = 0;
  try {
    for await (const chunk of readLineChunks(list, { stdin, onBytes: opts.onBytes })) {
      const text = chunk.buf.toString('utf8');
      const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
      const out: string[] = [];
      for (let line of lines) {
        if (i >= limit) break;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        out.push(objectLine({ text: line }, i, opts, src.display, `${src.display}:${chunk.firstLine}`));
        i++;
      }
      if (out.length > 0) yield out;
      if (i >= limit) break;
    }
  } catch (e) {
    throw renamed(e, src);
  }
}
