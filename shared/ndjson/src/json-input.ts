// The one reader of .json and .jsonl files that hf-fetch and to-chatml share, so that a file
// gives the same rows through `hf-fetch FILE | to-chatml` as through `to-chatml FILE`.
import { isUtf8 } from 'node:buffer';
import { DataError, quote, UsageError } from '@ldt/errors';
import { describeJson } from '@ldt/schema';
import { findTopLevelValue } from './edit.js';
import { displayName, openInput } from './input.js';
import { readLineChunks } from './lines.js';
import { deepError, deeperThan, MAX_DEPTH, nestingDepth, parseLines, type ReadCounts, type RowOptions, shortJsonMessage } from './rows.js';

/**
 * One input record of a JSON or JSON Lines file. Unlike `Row`, `value` may be an array: a line (or
 * a document element) that is a bare array of messages (xtuner's `openai_sft.jsonl`) is a row.
 */
export interface JsonInputRow {
  value: Record<string, unknown> | unknown[];
  /** The line as read (NDJSON), or the element's compact JSON (JSON documents), for verbatim rejects. */
  raw: string;
  file: string;
  line: number;
  /** The line's bytes (NDJSON input only; without the line end), for byte-preserving output. */
  bytes?: Buffer;
}

/** How input files are read: NDJSON lines, whole JSON documents, or chosen per file. */
/** `json-auto`: a JSON document, or JSON Lines when the text is not one JSON value (for streams without a name). */
export type InputFormat = 'auto' | 'ndjson' | 'json' | 'json-auto';

export interface JsonInputOptions extends RowOptions {
  counts: ReadCounts;
  inputFormat: InputFormat;
  /**
   * A JSON document that is one object is one row, unless `field` names the array inside it whose
   * elements are the rows (the `datasets` json loader's `field=`). `--field KEY` in both tools.
   */
  field?: string;
}

/**
 * Read rows from `inputs`. NDJSON files (and stdin, unless `inputFormat` is `json`) are streamed
 * through `readLineChunks` (exact line splitting, UTF-8 checks, `.gz`/`.zst`); every non-blank line
 * must be a JSON object or array (a bare array is a row). A JSON document (`inputFormat: json`, or
 * `auto` and the name ends in `.json`/`.json.gz`/`.json.zst` and the whole text parses as one JSON
 * value) is read whole: an array gives one row per element, an object one row — or, with `field`,
 * one row per element of the array under that key. A `.json` file that does not parse as one value
 * is read as NDJSON (JSONL files are often named `.json`); `field` with such a file is an error.
 */
export async function* readJsonInput(inputs: readonly string[], opts: JsonInputOptions): AsyncGenerator<JsonInputRow[]> {
  for (const input of inputs) {
    if (triedAsDocument(input, opts)) {
      const doc = await readJsonDocument(input, opts);
      if (doc) {
        yield* doc;
        continue;
      }
    }
    if (opts.field !== undefined)
      throw new UsageError(
        `--field ${opts.field}: ${displayName(input)} is not one JSON document (it is read as JSON Lines, one row per line)`,
        'use --field only with a .json file holding one object whose KEY is the array of rows',
      );
    yield* readNdjson([input], opts);
  }
}

/**
 * Whether `readJsonInput` reads `input` as JSON Lines from its start, without first trying it as
 * one JSON document (a tool may then read its lines itself, as readLineChunks + parseLines).
 */
export function readsAsLines(input: string, opts: Pick<JsonInputOptions, 'inputFormat' | 'field'>): boolean {
  return opts.field === undefined && !triedAsDocument(input, opts);
}

function triedAsDocument(input: string, opts: Pick<JsonInputOptions, 'inputFormat'>): boolean {
  return opts.inputFormat === 'json' || opts.inputFormat === 'json-auto' || (opts.inputFormat === 'auto' && /\.json(\.gz|\.zst)?$/i.test(input));
}

async function* readNdjson(inputs: readonly string[], opts: JsonInputOptions): AsyncGenerator<JsonInputRow[]> {
  for await (const chunk of readLineChunks(inputs, opts)) {
    const batch = parseLines(chunk, opts.counts, opts.rejector, true, true);
    if (batch.length > 0) yield batch;
  }
}

/** Rows per batch when splitting a JSON document (keeps batches like NDJSON chunks). */
const DOC_BATCH = 2048;

/**
 * Read a whole JSON document. Returns undefined when the text is not one JSON value (the caller
 * then reads it as NDJSON). Memory: the document text plus its parsed value (~3-4x the file size).
 */
async function readJsonDocument(input: string, opts: JsonInputOptions): Promise<JsonInputRow[][] | undefined> {
  const file = displayName(input);
  const parts: Buffer[] = [];
  for await (const c of openInput(input, opts)) {
    opts.onBytes?.(c.length);
    parts.push(c);
  }
  let buf = Buffer.concat(parts);
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
  if (!isUtf8(buf)) {
    if (opts.inputFormat === 'json')
      throw new DataError('invalid UTF-8 in JSON document', { file, line: 1 }, 'the input must be UTF-8; transcode it first (e.g. iconv -f ENCODING -t UTF-8)');
    return undefined; // NDJSON reading names the bad line
  }
  const text = buf.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (opts.inputFormat === 'json') {
      // Name the line and column of the document where parsing stopped, when V8 says where.
      const at = /at position (\d+)/.exec((e as Error).message);
      const what = shortJsonMessage(e as Error).replace(/ at column \d+$/, '');
      if (!at) throw new DataError(`invalid JSON document: ${what}`, { file, line: 1 }, 'with --input-format json each file must hold one JSON array or object');
      const before = text.slice(0, Number(at[1]));
      const nl = before.lastIndexOf('\n');
      throw new DataError(
        `invalid JSON document: ${what} at column ${before.length - nl}`,
        { file, line: before.split('\n').length },
        'with --input-format json each file must hold one JSON array or object',
      );
    }
    return undefined;
  }
  const counts = opts.counts;
  let lineOffset = 0;
  let arrayText = text;
  if (opts.field !== undefined) {
    const key = opts.field;
    const inner = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(inner)) {
      const keys = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
      throw new DataError(
        `--field ${key}: expected a JSON object whose ${quote(key)} is an array of rows, got ${Array.isArray(value) ? 'an array' : inner === undefined ? `${describeJson(value)}${keys.length ? ` with keys ${keys.slice(0, 8).join(', ')}` : ''}` : `${quote(key)} holding ${describeJson(inner)}`}`,
        { file, line: 1 },
        keys.length
          ? `name the key that holds the rows: --field ${keys.find((k) => Array.isArray((value as Record<string, unknown>)[k])) ?? keys[0]}`
          : 'drop --field to read the document as it is',
      );
    }
    const span = findTopLevelValue(text, key);
    if (span) {
      lineOffset = text.slice(0, span[0]).split('\n').length - 1;
      arrayText = text.slice(span[0], span[1]);
    }
    value = inner;
  }
  if (!Array.isArray(value)) {
    if (typeof value !== 'object' || value === null) {
      const err = new DataError(`expected a JSON array of rows or one JSON object, got ${describeJson(value)}`, { file, line: 1 });
      throw err;
    }
    counts.lines++;
    const line = firstNonBlankLine(text);
    if (deeperThan(value, MAX_DEPTH)) {
      const err = deepError(file, line);
      if (!opts.rejector) throw err;
      opts.rejector.reject('too_deep', text.trim(), { file, line }, err);
      return [];
    }
    return [[{ value: value as Record<string, unknown>, raw: JSON.stringify(value), file, line }]];
  }
  // Elements nested deeper than the limit are rejected (only looked for when the document is that deep).
  const deepDoc = nestingDepth(arrayText) > MAX_DEPTH;
  // One row per element; the line of each element's first character, for messages.
  const lines = elementLines(arrayText).map((l) => l + lineOffset);
  const batches: JsonInputRow[][] = [];
  let batch: JsonInputRow[] = [];
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    const line = lines[i] ?? 1;
    counts.lines++;
    if (typeof v !== 'object' || v === null) {
      const raw = JSON.stringify(v);
      const err = new DataError(`expected a JSON object or an array of messages, got ${describeJson(v)} (${quote(raw, 40)})`, { file, line });
      if (!opts.rejector) throw err;
      opts.rejector.reject('not_object', raw, { file, line }, err);
      continue;
    }
    if (deepDoc && deeperThan(v, MAX_DEPTH)) {
      const err = deepError(file, line);
      if (!opts.rejector) throw err;
      opts.rejector.reject('too_deep', stringifyOr(v, `(an element nested more than ${MAX_DEPTH} levels deep, too deep to write back)`), { file, line }, err);
      continue;
    }
    batch.push({ value: v as JsonInputRow['value'], raw: JSON.stringify(v), file, line });
    if (batch.length >= DOC_BATCH) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function stringifyOr(v: unknown, fallback: string): string {
  try {
    return JSON.stringify(v);
  } catch {
    return fallback; // V8's JSON.stringify recurses: tens of thousands of levels overflow its stack
  }
}

function firstNonBlankLine(text: string): number {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c !== 32 && c !== 9 && c !== 13) break;
  }
  return line;
}

/** The 1-based line on which each top-level array element starts. */
export function elementLines(text: string): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let expect = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (depth === 1 && expect) {
      out.push(line);
      expect = false;
    }
    if (c === 34) {
      // skip the string, counting no newlines (JSON strings cannot hold a raw newline)
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      continue;
    }
    if (c === 91 || c === 123) {
      depth++;
      if (depth === 1 && c === 91) expect = true;
    } else if (c === 93 || c === 125) depth--;
    else if (c === 44 && depth === 1) expect = true;
  }
  return out;
}
