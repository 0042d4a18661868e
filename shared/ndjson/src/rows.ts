import { DataError, quote } from '@ldt/errors';
import { describeJson, type JsonObject } from '@ldt/schema';
import { type LineChunk, type LineOptions, type ReadCounts, type Rejector, readLineChunks } from './lines.js';

/** One input record: the parsed object, the line as read (for verbatim rejects), and where it was. */
export interface Row {
  value: JsonObject;
  /** The line without its line end (and without a BOM on line 1). */
  raw: string;
  file: string;
  /** 1-based line number in `file`. */
  line: number;
  /**
   * The line's bytes (without its line end), a view into the read chunk: set by `parseChunk` only
   * when asked (`withBytes`), for tools that copy rows (or parts of them) to the output as bytes
   * instead of encoding `raw` again. Holding it holds the whole chunk: copy it to keep it.
   */
  bytes?: Buffer;
}

export type { ReadCounts };

export interface RowOptions extends LineOptions {
  /** Give each row its bytes (`Row.bytes`, a view into the read chunk), for tools that copy rows as bytes. */
  withBytes?: boolean;
}

const PRETTY_HINT = "each line must be one complete JSON object; is the file pretty-printed or a JSON array? convert it with: jq -c '.[]' FILE (array) or jq -c . FILE (objects)";

/**
 * Read NDJSON rows from `inputs` (files, `-` for stdin; `.gz`/`.zst` by extension), in batches
 * (one batch per read chunk, so per-row overhead stays low). Blank lines are skipped and counted;
 * a line that is not a JSON object is rejected (with a rejector) or throws a positioned
 * `DataError`: `file:line: expected a JSON object, got an array`.
 */
export async function* readRows(inputs: readonly string[], opts: RowOptions): AsyncGenerator<Row[]> {
  const counts = opts.counts ?? { lines: 0, blank: 0 };
  for await (const chunk of readLineChunks(inputs, { ...opts, counts })) {
    const batch = parseChunk(chunk, counts, opts.rejector, opts.withBytes);
    if (batch.length > 0) yield batch;
  }
}

/**
 * Parse one chunk of complete lines (from `readLineChunks`) into rows: the synchronous core of
 * `readRows`, usable in a worker thread. Blank lines are counted; bad lines go to `rejector`, or
 * throw the first `DataError` when there is none.
 */
export function parseChunk(chunk: LineChunk, counts: ReadCounts, rejector?: Rejector, withBytes = false): Row[] {
  return parseLines(chunk, counts, rejector, withBytes, false) as Row[];
}

/**
 * A row of `parseLines`: with `arrays`, `value` may be a JSON array (see `JsonInputRow`).
 */
export interface LineRow extends Omit<Row, 'value'> {
  value: JsonObject | unknown[];
}

/**
 * The line loop of `parseChunk`. With `arrays`, a line that is a JSON array is a row too (a bare
 * list of messages, as xtuner's `openai_sft.jsonl` has: `readJsonInput`), and the messages of bad
 * lines say so.
 */
export function parseLines(chunk: LineChunk, counts: ReadCounts, rejector: Rejector | undefined, withBytes: boolean, arrays: boolean): LineRow[] {
  // Each line is decoded on its own (`buf.toString(utf8, start, end)`), not the whole chunk at
  // once: a 1 MiB chunk decoded as one string lands in V8's large-object space, a fresh mapping
  // per chunk, and the page faults of that churn were ~40% of the floor's CPU time (perf stat on
  // a 64 MB chat file: 114,409 page faults, 2.34 CPU-s decoding per chunk; 20,675 faults,
  // 0.89 CPU-s decoding per line; issue 17). Lines end at a `\n` byte, which never occurs inside
  // a UTF-8 sequence, so the strings are the same either way.
  const buf = chunk.buf;
  const file = chunk.file;
  const batch: LineRow[] = [];
  let line = chunk.firstLine;
  let start = 0;
  const n = buf.length;
  while (start < n) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = n;
    let stop = end;
    if (stop > start && buf[stop - 1] === 13) stop--;
    const c0 = buf[start];
    if (c0 === 123 /* { */) {
      const raw = buf.toString('utf8', start, stop);
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (e) {
        const err = arrays ? arrayLineJsonError(e as Error, file, line) : jsonError(e as Error, raw, file, line);
        if (!rejector) throw err;
        rejector.reject('bad_json', raw, { file, line }, err);
        value = undefined;
      }
      if (value !== undefined && raw.length > 2 * MAX_DEPTH && nestingDepth(raw) > MAX_DEPTH) {
        const err = deepError(file, line);
        if (!rejector) throw err;
        rejector.reject('too_deep', raw, { file, line }, err);
        value = undefined;
      }
      counts.lines++;
      if (value !== undefined)
        batch.push(withBytes ? { value: value as JsonObject, raw, file, line, bytes: buf.subarray(start, stop) } : { value: value as JsonObject, raw, file, line });
    } else if (stop === start || isBlankBytes(buf, start, stop)) {
      counts.blank++;
    } else {
      counts.lines++;
      const raw = buf.toString('utf8', start, stop);
      const err = notObjectError(raw, file, line, arrays);
      if (err.reason === 'bad_json' || err.reason === 'not_object') {
        if (!rejector) throw err.error;
        rejector.reject(err.reason, raw, { file, line }, err.error);
      } else if (raw.length > 2 * MAX_DEPTH && nestingDepth(raw) > MAX_DEPTH) {
        const deep = deepError(file, line);
        if (!rejector) throw deep;
        rejector.reject('too_deep', raw, { file, line }, deep);
      } else {
        const value = err.value as LineRow['value'];
        batch.push(withBytes ? { value, raw, file, line, bytes: buf.subarray(start, stop) } : { value, raw, file, line });
      }
    }
    start = end + 1;
    line++;
  }
  return batch;
}

/**
 * Deepest nesting of arrays and objects accepted in a row. Every walker of JSON values in ldt
 * (canonical keys, field paths, shingling, meta splicing) may then recurse safely: V8 overflows
 * its stack near 10,000 frames of such walkers, far beyond any real dataset (dozens of levels).
 */
export const MAX_DEPTH = 1000;

/**
 * Nesting depth of a JSON text (strings skipped). Cheap first: a text with no more than
 * `MAX_DEPTH` opening brackets anywhere cannot be deeper, and counting them is a native
 * `indexOf` scan; only texts with more are scanned exactly.
 */
export function nestingDepth(text: string): number {
  let opens = 0;
  for (let i = text.indexOf('['); i >= 0 && opens <= MAX_DEPTH; i = text.indexOf('[', i + 1)) opens++;
  for (let i = text.indexOf('{'); i >= 0 && opens <= MAX_DEPTH; i = text.indexOf('{', i + 1)) opens++;
  if (opens <= MAX_DEPTH) return opens;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/** True when a parsed value nests arrays/objects deeper than `max` (iterative: any depth is safe). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop();
    const d = depths.pop() as number;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const c of Array.isArray(v) ? v : Object.values(v)) {
      if (c !== null && typeof c === 'object') {
        stack.push(c);
        depths.push(d + 1);
      }
    }
  }
  return false;
}

/** The error of a row nested deeper than `MAX_DEPTH` (reason `too_deep`). */
export function deepError(file: string, line: number): DataError {
  return new DataError(
    `row is nested more than ${MAX_DEPTH} levels deep`,
    { file, line },
    'ldt reads rows of at most 1000 nested arrays/objects; flatten the value or drop the row (give --rejects FILE to set such rows aside)',
  );
}

function isBlankBytes(b: Buffer, start: number, stop: number): boolean {
  for (let i = start; i < stop; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * A line that does not start with `{`: leading white space before an object, or not an object
 * (with `arrays`, an array is a row too).
 */
function notObjectError(raw: string, file: string, line: number, arrays: boolean): { reason: 'bad_json' | 'not_object' | 'ok'; error: DataError; value?: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { reason: 'bad_json', error: arrays ? arrayLineJsonError(e as Error, file, line) : jsonError(e as Error, raw, file, line) };
  }
  if (typeof value === 'object' && value !== null && (arrays || !Array.isArray(value))) return { reason: 'ok', error: undefined as unknown as DataError, value };
  if (arrays)
    return {
      reason: 'not_object',
      error: new DataError(`expected a JSON object or an array of messages, got ${describeJson(value)} (${quote(raw, 40)})`, { file, line }),
    };
  return {
    reason: 'not_object',
    error: new DataError(
      `expected a JSON object, got ${describeJson(value)}${Array.isArray(value) ? '' : ` (${quote(raw, 40)})`}`,
      { file, line },
      Array.isArray(value) ? "each row must be a JSON object; wrap arrays, e.g. jq -c '{messages: .}'" : undefined,
    ),
  };
}

/** The bad-JSON error of a line where arrays are rows too (`parseLines` with `arrays`). */
function arrayLineJsonError(e: Error, file: string, line: number): DataError {
  return new DataError(
    `invalid JSON: ${shortJsonMessage(e)}`,
    { file, line },
    'each line must be one complete JSON object (or array of messages); for a JSON array file use --input-format json',
  );
}

/** V8's JSON.parse message as `<what> at column N`, without echoing the text (JSON documents, array-row lines). */
export function shortJsonMessage(e: Error): string {
  const m = /at position (\d+)/.exec(e.message);
  let what = e.message
    .replace(/,? ?(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ at position \d+.*$/, '')
    .replace(/ \(line \d+ column \d+\)/, '')
    .trim();
  if (what === '') what = 'unexpected input';
  what = what.charAt(0).toLowerCase() + what.slice(1);
  return `${what}${m ? ` at column ${Number(m[1]) + 1}` : ''}`;
}

/** Turn V8's JSON.parse message into `invalid JSON: <what> at column N`, without echoing the line. */
function jsonError(e: Error, raw: string, file: string, line: number): DataError {
  const msg = e.message;
  const m = /at position (\d+)/.exec(msg);
  let what = msg
    .replace(/,? ?".*"(?:\.\.\.)? is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ \(line \d+ column \d+\)/, '')
    .trim();
  if (what === '') what = 'unexpected input';
  what = what.charAt(0).toLowerCase() + what.slice(1);
  const col = m ? Number(m[1]) + 1 : undefined;
  const oneLine = raw.trim();
  const pretty = oneLine === '{' || oneLine === '[' || oneLine.endsWith('{') || oneLine.endsWith('[') || oneLine.endsWith(',');
  return new DataError(`invalid JSON: ${what}${col !== undefined ? ` at column ${col}` : ''}`, { file, line }, pretty ? PRETTY_HINT : undefined);
}
