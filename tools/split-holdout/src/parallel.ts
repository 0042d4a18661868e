import type { DataError, Position } from '@ldt/errors';
import { parseChunk, type WireChunk } from '@ldt/ndjson';
import { parsePaths } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import type { Ratios } from './ratios.js';
import { type PreparedSplit, type SplitProblem, Splitter } from './split.js';

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

/** Parse one chunk and do the per-row work (group hash, split, output line); see Splitter.prepareRows. */
export function prepareSplitChunk(chunk: WireChunk, splitter: Splitter): PreparedSplit {
  const problems: SplitProblem[] = [];
  const counts = { lines: 0, blank: 0 };
  const buf = Buffer.from(chunk.buf.buffer, chunk.buf.byteOffset, chunk.buf.byteLength);
  const rows = parseChunk(
    { buf, file: chunk.file, firstLine: chunk.firstLine },
    counts,
    {
      reject: (reason: string, raw: string | Buffer, pos: Position, error: DataError) =>
        void problems.push({ line: pos.line, reason, message: error.message, hint: error.hint, raw: String(raw) }),
    },
    true,
  );
  return splitter.prepareRows(rows, chunk.file, counts.lines, counts.blank, problems, buf.length);
}
