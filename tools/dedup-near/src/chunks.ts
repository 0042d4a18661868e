import { DataError, type Position } from '@ldt/errors';
import { parseChunk, type Report, type WireChunk } from '@ldt/ndjson';
import { type FieldPath, isJsonObject, parsePath, setMeta } from '@ldt/schema';
import { normalizeText } from '@ldt/text';
import { type NearOptions, REASONS } from './near.js';
import { packSigned } from './parallel.js';
import { comparedText } from './shingle.js';
import type { Signed, Signer } from './signer.js';

/**
 * Pass 1 of the one-shot run, per chunk of input lines: parse, find each row's compared text, sign
 * it. Pure, so it runs in worker threads (src/chunk-worker.ts, through `mapLineChunks` of
 * @ldt/ndjson, which keeps chunks in input order) or inline with the same result: what the main
 * thread then does with the chunk cannot depend on the thread count.
 */

/** A line of the chunk that is not a signed row, in line order: a rejected line, a row without its fields, or a row whose `meta` is not an object. */
export interface ChunkProblem {
  line: number;
  /** `bad_json` / `not_object` (not a row: not numbered), `missing_field` (a numbered row, rejected), or `meta` (an error). */
  reason: string;
  message: string;
  hint?: string;
  raw: string;
}

/** Row flags of a chunk: the row has no compared text (missing field). */
export const ROW_MISSING = 1;
/** Row flags of a chunk: the row has no `meta` key and is not `{}`, so meta can be appended to its bytes (see run.ts). */
export const ROW_PLAIN = 2;

/** What pass 1 learns from one chunk. */
export interface SignedChunk {
  file: string;
  /** Non-blank lines and blank lines seen. */
  lines: number;
  blank: number;
  /** Line number of each row (a line that parsed as a JSON object), in order. */
  rowLines: Int32Array;
  /** Per row: ROW_MISSING when its fields are missing (then it has no signature), ROW_PLAIN when it has no `meta` key and some other key. */
  flags: Uint8Array;
  /** `packSigned` of the signatures of the other rows, in order. */
  packed: ArrayBuffer;
  problems: ChunkProblem[];
  /** The normalised texts of the signed rows, when asked for (--overlap-ngram). */
  norms?: string[];
}

/** How a worker is set up (structured-cloneable). */
export interface ChunkJob {
  /** The run's options, without the field paths (see `fields`). */
  opts: NearOptions;
  /** --fields as written (FieldPath holds a symbol, which cannot be posted). */
  fields?: string[];
  wantNorm: boolean;
}

export function fieldsOf(job: ChunkJob): FieldPath[] | undefined {
  return job.fields?.map((f) => parsePath(f));
}

export function signChunk(chunk: WireChunk, signer: Signer, fields: FieldPath[] | undefined, wantNorm: boolean): SignedChunk {
  const problems: ChunkProblem[] = [];
  const counts = { lines: 0, blank: 0 };
  const buf = Buffer.from(chunk.buf.buffer, chunk.buf.byteOffset, chunk.buf.byteLength);
  const rows = parseChunk({ buf, file: chunk.file, firstLine: chunk.firstLine }, counts, {
    reject: (reason: string, raw: string | Buffer, pos: Position, error: DataError) =>
      void problems.push({ line: pos.line, reason, message: error.message, hint: error.hint, raw: String(raw) }),
  });
  const rowLines = new Int32Array(rows.length);
  const flags = new Uint8Array(rows.length);
  const signed: Signed[] = [];
  const norms: string[] | undefined = wantNorm ? [] : undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    rowLines[i] = row.line;
    const value = row.value;
    if (value.meta === undefined) {
      for (const _ in value) {
        flags[i] = ROW_PLAIN;
        break;
      }
    } else if (!isJsonObject(value.meta)) {
      // The error every later step would raise (it cannot add meta.cluster or meta.dup_of).
      try {
        setMeta(value, 'cluster', '', row);
      } catch (e) {
        const err = e as DataError;
        problems.push({ line: row.line, reason: 'meta', message: err.message, hint: err.hint, raw: row.raw });
      }
    }
    let text: string;
    try {
      text = comparedText(value, fields, row);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      const err = e;
      flags[i] |= ROW_MISSING;
      problems.push({ line: row.line, reason: REASONS.missingField, message: err.message, hint: err.hint, raw: row.raw });
      continue;
    }
    signed.push(signer.signText(text));
    norms?.push(normalizeText(text, 'aggressive'));
  }
  problems.sort((a, b) => a.line - b.line);
  return { file: chunk.file, lines: counts.lines, blank: counts.blank, rowLines, flags, packed: packSigned(signed), problems, norms };
}

/** Apply a problem of a chunk, in line order: a rejected line or row (an error without --rejects), or an error. */
export function applyProblem(pr: ChunkProblem, file: string, report: Report): void {
  const pos = { file, line: pr.line };
  const err = new DataError(pr.message, pos, pr.hint);
  if (pr.reason === 'meta') throw err;
  report.reject(pr.reason, pr.raw, pos, err);
}
