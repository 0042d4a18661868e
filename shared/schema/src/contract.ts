import { isDeepStrictEqual } from 'node:util';
import { isJsonObject, type JsonObject } from './record.js';

/**
 * Check the record contract between a tool's input row and its output row: every field outside
 * `meta` is kept with the same value and in the same order, and inside `meta` only the keys the
 * tool owns may be added or changed. Returns a list of violations (empty when the contract holds).
 */
export function contractViolations(input: JsonObject, output: JsonObject, ownedMeta: readonly string[]): string[] {
  const problems: string[] = [];
  const inKeys = Object.keys(input).filter((k) => k !== 'meta');
  const outKeys = Object.keys(output).filter((k) => k !== 'meta');
  if (inKeys.join('\u0000') !== outKeys.join('\u0000')) problems.push(`fields changed: [${inKeys.join(',')}] → [${outKeys.join(',')}]`);
  for (const k of inKeys) if (!isDeepStrictEqual(input[k], output[k])) problems.push(`field ${JSON.stringify(k)} changed`);
  const inMeta = isJsonObject(input.meta) ? input.meta : {};
  const outMeta = isJsonObject(output.meta) ? output.meta : {};
  if (input.meta !== undefined && !isJsonObject(input.meta) && !isDeepStrictEqual(input.meta, output.meta)) problems.push('field "meta" changed');
  for (const k of Object.keys(inMeta)) {
    if (ownedMeta.includes(k)) continue;
    if (!(k in outMeta)) problems.push(`meta.${k} dropped`);
    else if (!isDeepStrictEqual(inMeta[k], outMeta[k])) problems.push(`meta.${k} changed`);
  }
  for (const k of Object.keys(outMeta)) if (!(k in inMeta) && !ownedMeta.includes(k)) problems.push(`meta.${k} added by a tool that does not own it`);
  const inOrder = Object.keys(inMeta).filter((k) => k in outMeta);
  const outOrder = Object.keys(outMeta).filter((k) => k in inMeta);
  if (inOrder.join('\u0000') !== outOrder.join('\u0000')) problems.push('meta keys reordered');
  return problems;
}
