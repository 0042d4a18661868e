import { DataError, type Position } from '@ldt/errors';

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A record: one JSON object per NDJSON line. */
export type JsonObject = { [key: string]: Json };

/**
 * Facts that ldt tools write under `meta`. Each tool owns the keys it writes and never touches
 * another tool's keys or any field outside `meta`. See shared/schema/README.md (the record contract).
 */
export interface Meta {
  /** hf-fetch: where the row came from (`dataset@revision:path#row` or a local file). */
  source?: string;
  /** hf-fetch: the dataset licence as declared by its card. */
  license?: string;
  /** to-chatml: the detected source format (`alpaca`, `sharegpt`, …). */
  format?: string;
  /** dedup-exact: XXH3-128 of the normalised key, 32 lower-case hex digits. */
  content_hash?: string;
  /** dedup-exact / dedup-near: the kept row this one duplicates (with `--dups`). */
  dup_of?: string | number;
  /** dedup-near: stable id of the near-duplicate cluster (the kept row's id). */
  cluster?: string;
  cluster_size?: number;
  /** split-holdout: the split name. */
  split?: string;
  /** curriculum-route: the training phase. */
  phase?: string;
  /** normalize-encoding --explain: the fixes applied. */
  fixes?: string[];
  /** redact-pii: `clean`, `redacted`, or `found` (--mode mark). */
  pii_status?: 'clean' | 'redacted' | 'found';
  /** redact-pii --mode mark: the findings, start/end in code points of the string at `path`. */
  pii?: { path: string; start: number; end: number; type: string }[];
  [key: string]: Json | undefined;
}

/** One chat message in the OpenAI/TRL conversational form. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  [key: string]: Json;
}

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Describe a JSON value's kind for messages: `an array`, `a string`, `null`, … */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return `${v}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/**
 * Set `meta.<key>` on a record, creating `meta` (appended as the last field, so no other field
 * moves) when absent. Throws `DataError` when the row's `meta` is present but not an object:
 * tools must not overwrite data they do not own.
 */
export function setMeta(row: JsonObject, key: string, value: Json, pos?: Position): void {
  const meta = row.meta;
  if (meta === undefined) {
    row.meta = { [key]: value };
    return;
  }
  if (!isJsonObject(meta)) {
    throw new DataError(`field "meta" must be an object, got ${describeJson(meta)}`, pos, 'ldt tools keep their facts under meta; rename the field or wrap it: {"meta": {...}}');
  }
  meta[key] = value;
}

/** Read `meta.<key>` if `meta` is an object. */
export function getMeta(row: JsonObject, key: string): Json | undefined {
  const meta = row.meta;
  return isJsonObject(meta) ? meta[key] : undefined;
}
