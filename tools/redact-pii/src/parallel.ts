import { DataError, type Position } from '@ldt/errors';
import { parseChunk, type WireChunk } from '@ldt/ndjson';
import { parsePaths } from '@ldt/schema';
import type { AllowList, PiiType } from './detect.js';
import { Pseudonymizer } from './pseudo.js';
import { type Mode, type RedactOptions, type RowResult, redactRowLine } from './redact.js';

/** RedactOptions as plain data, posted to every worker thread. */
export interface WireOptions {
  types: PiiType[];
  phoneRegions: string[];
  privateIps: boolean;
  allow?: { values: string[]; patterns: [string, string][] };
  mode: Mode;
  placeholder: string;
  key?: Uint8Array;
  fields?: string[];
}

export async function optionsFromWire(w: WireOptions): Promise<RedactOptions> {
  const allow: AllowList | undefined = w.allow && { values: new Set(w.allow.values), patterns: w.allow.patterns.map(([s, f]) => new RegExp(s, f)) };
  const people = w.types.includes('PERSON') ? (await import('./person.js')).findPeople : undefined;
  return {
    detect: { types: new Set(w.types), phoneRegions: w.phoneRegions, privateIps: w.privateIps, allow, people },
    mode: w.mode,
    placeholder: w.placeholder,
    pseudonymizer: w.key ? new Pseudonymizer(Buffer.from(w.key)) : undefined,
    fields: w.fields ? parsePaths(w.fields) : undefined,
  };
}

/** One input line's outcome, in line order. */
export type LineOutcome =
  | { line: number; kind: 'row'; out: string | undefined; raw: string; found: RowResult['found'] }
  | { line: number; kind: 'reject'; reason: string; raw: string; message: string; hint?: string }
  | { line: number; kind: 'error'; message: string; hint?: string };

export interface PreparedChunk {
  file: string;
  lines: number;
  blank: number;
  outcomes: LineOutcome[];
}

/**
 * Parse one chunk of lines and scan every row: the pure per-chunk step that runs in a worker
 * thread (or inline with --threads 1). Bad lines and rows whose meta is not an object become
 * outcomes, applied in line order on the main thread (so errors and rejects do not depend on the
 * thread count).
 */
export function prepareChunk(chunk: WireChunk, opts: RedactOptions): PreparedChunk {
  const counts = { lines: 0, blank: 0 };
  const outcomes: LineOutcome[] = [];
  const buf = Buffer.from(chunk.buf.buffer, chunk.buf.byteOffset, chunk.buf.byteLength);
  const rows = parseChunk({ buf, file: chunk.file, firstLine: chunk.firstLine }, counts, {
    reject: (reason: string, raw: string | Buffer, pos: Position, error: DataError) =>
      void outcomes.push({ line: pos.line, kind: 'reject', reason, raw: String(raw), message: error.message, hint: error.hint }),
  });
  for (const row of rows) {
    try {
      const r = redactRowLine(row.raw, row.value, opts, row);
      outcomes.push({ line: row.line, kind: 'row', out: r.line, raw: r.line === undefined ? row.raw : '', found: r.found });
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      outcomes.push({ line: row.line, kind: 'error', message: e.message, hint: e.hint });
    }
  }
  outcomes.sort((a, b) => a.line - b.line);
  return { file: chunk.file, lines: counts.lines, blank: counts.blank, outcomes };
}
