import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@ldt/testkit';
import { convertRow, type ToChatmlOptions } from '@ldt/to-chatml';
import { Ajv2020 } from 'ajv/dist/2020.js';

export const DEFAULTS: ToChatmlOptions = { roles: new Map(), mergeConsecutive: false, systemOverride: false, dropExtra: false };

/** Convert one value (as if it were a line of its own compact JSON); returns the output row or throws the reject. */
export function conv(value: unknown, opts: Partial<ToChatmlOptions> = {}, raw?: string): Record<string, unknown> {
  const r = convertRow({ value: value as Record<string, unknown>, raw: raw ?? JSON.stringify(value), file: 't', line: 1 }, { ...DEFAULTS, ...opts });
  if (!r.ok) throw r.reject;
  const out = JSON.parse(r.line);
  assertValid(out);
  return out;
}

/** The reject reason for a value (fails when it converts). */
export function rejectReason(value: unknown, opts: Partial<ToChatmlOptions> = {}): string {
  const r = convertRow({ value: value as Record<string, unknown>, raw: JSON.stringify(value), file: 't', line: 1 }, { ...DEFAULTS, ...opts });
  assert.equal(r.ok, false, `expected a reject, got ${r.ok ? r.line : ''}`);
  return r.ok ? '' : r.reject.reason;
}

const AjvClass = Ajv2020;
const ajv = new AjvClass({ allErrors: true, strict: false });
export const schema = JSON.parse(readFileSync(join(repoRoot(), 'configs', 'chatml.schema.json'), 'utf8'));
export const validate = ajv.compile(schema);

/** Assert that a row validates against configs/chatml.schema.json. */
export function assertValid(row: unknown): void {
  if (!validate(row)) assert.fail(`schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(row).slice(0, 400)}`);
}
