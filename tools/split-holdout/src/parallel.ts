import type { DataError, Position } from '@ldt/errors';
import { JsonChecker, parseChunk, type WireChunk, walkCheckedLines } from '@ldt/ndjson';
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
  let lines = 1;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) lines++;
  const acc = new PreparedBuilder(lines, buf.length);
  walkCheckedLines(
    { buf, file: chunk.file, firstLine: chunk.firstLine },
    checker,
    0,
    (start, stop, _end, line) => {
      if (!splitter.prepareChecked(buf.subarray(start, stop), line, acc)) return false;
      counts.lines++;
      return true;
    },
    (run) => {
      for (const row of parseChunk(run, counts, rejector, true)) splitter.prepareRow(row, acc, problems);
    },
  );
  return acc.take(chunk.file, counts.lines, counts.blank, problems);
}
