import { readFile } from 'node:fs/promises';
import { DataError } from '@ldt/errors';
import type { Json } from '@ldt/schema';
import type { ToolChainEntry } from './format.js';

/**
 * Read `--stats` JSON files written by ldt tools (see @ldt/cli: tool, version, argv, seed,
 * inputs, read, written, dropped, rejected, …) into tool-chain entries, in the order given.
 */
export async function readToolChain(files: readonly string[]): Promise<ToolChainEntry[]> {
  const out: ToolChainEntry[] = [];
  for (const file of files) {
    let s: Record<string, unknown>;
    try {
      s = JSON.parse(await readFile(file, 'utf8'));
    } catch (e) {
      throw new DataError(`cannot read --stats-from ${file}: ${(e as Error).message}`, undefined, 'give a file written by an ldt tool with --stats FILE');
    }
    const missing = ['tool', 'version', 'argv', 'read', 'written'].filter((k) => s?.[k] === undefined);
    if (typeof s !== 'object' || s === null || Array.isArray(s) || missing.length > 0)
      throw new DataError(
        `--stats-from ${file} is not an ldt --stats file (missing ${missing.join(', ') || 'everything'})`,
        undefined,
        'give a file written by an ldt tool with --stats FILE',
      );
    out.push({
      file,
      tool: String(s.tool),
      version: String(s.version),
      argv: (s.argv as string[]).map(String),
      // A tool whose seed came from elsewhere (curriculum-route: its config) records it under notes.
      seed: (s.seed ?? (s.notes as Record<string, unknown> | undefined)?.seed ?? null) as Json,
      inputs: (s.inputs ?? null) as Json,
      read: Number(s.read),
      written: Number(s.written),
      dropped_total: Number(s.dropped_total ?? 0),
      rejected_total: Number(s.rejected_total ?? 0),
      dropped: (s.dropped ?? {}) as Json,
      rejected: (s.rejected ?? {}) as Json,
    });
  }
  return out;
}
