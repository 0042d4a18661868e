import { createHash } from 'node:crypto';
import type { Json } from '@ldt/schema';
import type { FieldStats } from './fields.js';
import type { ManifestProfile } from './profile.js';

/** The `format` value of every manifest.json this version writes. */
export const MANIFEST_FORMAT = 'ldt-manifest/1';

/** One shard: where it is (relative to the manifest's folder), what it holds, its checksum. */
export interface ManifestShard {
  path: string;
  partition: string;
  rows: number;
  /** NDJSON bytes before compression. */
  raw_bytes: number;
  /** Bytes of the file as stored. */
  stored_bytes: number;
  /** sha256 (hex) of the file as stored. */
  sha256: string;
  tokens: number;
}

/** One tool run that made the data, from its `--stats` JSON. */
export interface ToolChainEntry {
  file: string;
  tool: string;
  version: string;
  argv: string[];
  seed: Json;
  inputs: Json;
  read: number;
  written: number;
  dropped_total: number;
  rejected_total: number;
  dropped: Json;
  rejected: Json;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  name: string;
  dataset_id: string;
  created_by: { tool: string; version: string; argv: string[] };
  inputs: string[];
  compression: 'zstd' | 'gzip' | 'none';
  partition_by: string[];
  group_by: string[];
  /**
   * How tokens were counted. `count_rule`: which texts of a row (`record-model-v2`, the record
   * model's `tokenTexts`; absent in manifests written before it was recorded, which counted by
   * `messages-content-v1`), so `verify` recounts with the rule the dataset was built with.
   */
  tokenizer: {
    name: string;
    estimate: boolean;
    description: string;
    text_fields: string[] | string;
    count_rule?: string;
    /** With count_rule `chat-template-v1`: the chat template the rows were rendered with (its source, so verify needs no file). */
    template?: { name: string; sha256?: string; source?: string; tokens?: Record<string, string> };
  };
  totals: { rows: number; shards: number; partitions: number; raw_bytes: number; stored_bytes: number; tokens: number };
  partitions: { name: string; values: Record<string, Json>; rows: number; shards: number }[];
  shards: ManifestShard[];
  groups: { key: Record<string, Json>; rows: number; tokens: number }[];
  sources: { dataset: string; revision: string | null; rows: number; paths: string[] }[];
  fields: Record<string, FieldStats>;
  fields_not_recorded?: number;
  tool_chain: ToolChainEntry[];
  /** The --require / --min-rows gates this build passed (absent in manifests written before they were recorded). */
  gates?: ManifestGate[];
  /** Lengths, kinds, licences, clusters, PII (absent in manifests written before it was recorded). */
  profile?: ManifestProfile;
  /** Files written into the folder after the build (`manifest report`), so verify knows them. */
  side_files?: SideFile[];
  single?: { path: string; rows: number; raw_bytes: number; stored_bytes: number; sha256: string };
}

/** One gate of a build. */
export interface ManifestGate {
  gate: string;
  passed: boolean;
  detail: string;
}

/** A file in the dataset folder that is not a shard, written after the build (a report). */
export interface SideFile {
  path: string;
  sha256: string;
  bytes: number;
  written_by: string;
}

/**
 * Every file of a manifest folder besides its shards: manifest.json, croissant.json, and the side
 * files recorded in the manifest. The one list verify (and a rebuild) accepts.
 */
export function sideFiles(m: Pick<Manifest, 'side_files'>): string[] {
  return ['manifest.json', 'croissant.json', ...(m.side_files ?? []).map((f) => f.path)];
}

/**
 * The dataset id: `sha256:` + sha256 over `path\tsha256\n` of every shard in path order. The same
 * shards give the same id on every run and machine; any changed byte, added or removed shard
 * gives another.
 */
export function datasetId(shards: readonly { path: string; sha256: string }[]): string {
  const h = createHash('sha256');
  for (const s of [...shards].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) h.update(`${s.path}\t${s.sha256}\n`);
  return `sha256:${h.digest('hex')}`;
}
