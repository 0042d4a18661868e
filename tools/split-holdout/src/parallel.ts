import type { DataError, Position } from '@ldt/errors';
import { JSON_OBJECT, JsonChecker, parseChunk, type WireChunk } from '@ldt/ndjson';
import { parsePaths } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import type { Ratios } from './ratios.js';
import { PreparedBuilder, type PreparedSplit, type SplitProblem, Splitter } from './split.js';

/** What a worker needs to rebuild the Splitter (field paths travel as text: they hold a symbol). */
export interface WireSplitConfig {
  groupBy: string[];
  normalize: NormalizeMode;
  missingGroup: 'error' | 'own';
  seed: number;
  ratios: Ratios;
}

export function splitterFromWire(cfg: WireSplitConfig): Splitter {
  return new Splitter({
    groupBy: parsePaths(cfg.groupBy),
    normalize: cfg.normalize,
    missingGroup: cfg.missingGroup,
    seed: cfg.seed,
    ratios: cfg.ratios,
    holdouts: [],
    holdoutSplit: 'test',
  });
}

let checker: JsonChecker | undefined;

/**
 * Parse one chunk and do the per-row work (group hash, split, output line); see Splitter.prepareRows.
 * With every --group-by path under meta, lines the JsonChecker passes go through
 * `Splitter.prepareChecked` first, which reads only their meta; the others are parsed, in runs, in
 * order. On the pipe's 64 MB input every row takes the checked path (issue 17).
 */
export function prepareSplitChunk(chunk: WireChunk, splitter: Splitter): PreparedSplit {
  const problems: SplitProblem[] = [];
  const counts = { lines: 0, blank: 0 };
  const buf = Buffer.from(chunk.buf.buffer, chunk.buf.byteOffset, chunk.buf.byteLength);
  const rejector = {
    reject: (reason: string, raw: string | Buffer, pos: Position, error: DataError) =>
      void problems.push({ line: pos.line, reason, message: error.message, hint: error.hint, raw: String(raw) }),
  };
  if (!splitter.groupsInMeta) {
    const rows = parseChunk({ buf, file: chunk.file, firstLine: chunk.firstLine }, counts, rejector, true);
    return splitter.prepareRows(rows, chunk.file, counts.lines, counts.blank, problems, buf.length);
  }
  checker ??= new JsonChecker();
  checker.load(buf);
  const n = buf.length;
  let lines = 1;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
  const acc = new PreparedBuilder(lines, n);
  let from = 0;
  let fromLine = chunk.firstLine;
  const parsed = (to: number) => {
    if (to > from)
      for (const row of parseChunk({ buf: buf.subarray(from, to), file: chunk.file, firstLine: fromLine }, counts, rejector, true)) splitter.prepareRow(row, acc, problems);
  };
  let line = chunk.firstLine;
  let start = 0;
  while (start < n) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = n;
    let stop = end;
    if (stop > start && buf[stop - 1] === 13) stop--;
    if (buf[start] === 123 /* { */ && (checker.check(start, stop) & JSON_OBJECT) !== 0) {
      // The lines before it first (in order), then this one if its meta allows.
      parsed(start);
      from = start;
      fromLine = line;
      if (splitter.prepareChecked(buf.subarray(start, stop), line, acc)) {
        counts.lines++;
        from = end + 1;
        fromLine = line + 1;
      }
    }
    start = end + 1;
    line++;
  }
  parsed(n);
  return acc.take(chunk.file, counts.lines, counts.blank, problems);
}
