// The row counts a run reports (summary line, --stats), and the check that they add up.
import assert from 'node:assert/strict';

/** The counts of a summary line or a `--stats` JSON. */
export interface Counts {
  read: number;
  written: number;
  repeated: number;
  dropped: number;
  rejected: number;
}

/** The counts of a summary line (`tool: read 10, wrote 8, repeated 1, dropped 3 (…), rejected 0 …`), or undefined when `stderr` has none. */
export function summaryCounts(stderr: string, tool: string): Counts | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith(`${tool}: read `));
  if (!line) return undefined;
  const num = (re: RegExp) => Number(re.exec(line)?.[1] ?? 0);
  return {
    read: num(/: read (\d+)/),
    written: num(/, wrote (\d+)/),
    repeated: num(/, repeated (\d+)/),
    dropped: num(/, dropped (\d+)/),
    rejected: num(/, rejected (\d+)/),
  };
}

/** The counts of a `--stats` JSON (as written by @ldt/cli). */
export function statsCounts(stats: { read: number; written: number; repeated?: number; dropped_total: number; rejected_total: number }): Counts {
  return { read: stats.read, written: stats.written, repeated: stats.repeated ?? 0, dropped: stats.dropped_total, rejected: stats.rejected_total };
}

/**
 * THE counting identity every ldt tool keeps, in its summary line and its `--stats`:
 * read = written − repeated + dropped + rejected (every row read is written once, or dropped,
 * or rejected; repeated copies are written on top). Pass the stderr of a run (its summary line)
 * and/or the parsed `--stats` JSON; with both, they must also agree. Fails the test otherwise.
 */
export function assertCounts(tool: string, run: { stderr?: string; stats?: Parameters<typeof statsCounts>[0] }): Counts {
  const fromLine = run.stderr !== undefined ? summaryCounts(run.stderr, tool) : undefined;
  const fromStats = run.stats !== undefined ? statsCounts(run.stats) : undefined;
  assert.ok(fromLine || fromStats, `${tool}: no summary line and no --stats to check the counts of`);
  if (run.stderr !== undefined) assert.ok(fromLine, `${tool}: no summary line in stderr:\n${run.stderr}`);
  if (fromLine && fromStats) assert.deepEqual(fromLine, fromStats, `${tool}: the summary line and --stats disagree`);
  const c = (fromLine ?? fromStats) as Counts;
  assert.equal(
    c.read,
    c.written - c.repeated + c.dropped + c.rejected,
    `${tool}: read ${c.read} != written ${c.written} - repeated ${c.repeated} + dropped ${c.dropped} + rejected ${c.rejected}`,
  );
  return c;
}
