import { readFileSync } from 'node:fs';
import { DataError } from '@ldt/errors';

/**
 * The state files of the tools' sharded forms (dedup-exact --keys-out/--partition, curriculum-route
 * --counts-out/--plan-out): one JSON header line with `format` and `fingerprint` (a hash of every
 * option the state depends on), then binary data. Reads one, checking both: a file of another kind
 * or made with other options is an error naming it (file:1) with `hint` (how to write it) or
 * `mismatch` (what must agree).
 */
export function readStateFile(file: string, format: string, fingerprint: string, hint: string, mismatch: string): { head: Record<string, unknown>; body: Buffer } {
  const all = readFileSync(file);
  const nl = all.indexOf(10);
  let head: Record<string, unknown> | undefined;
  try {
    head = nl > 0 ? (JSON.parse(all.toString('utf8', 0, nl)) as Record<string, unknown>) : undefined;
  } catch {}
  if (!head || head.format !== format) throw new DataError(`expected a ${format} file`, { file, line: 1 }, hint);
  if (head.fingerprint !== fingerprint) throw new DataError(`made with another ${mismatch} than this run`, { file, line: 1 }, 'run every step with the same options');
  return { head, body: all.subarray(nl + 1) };
}
