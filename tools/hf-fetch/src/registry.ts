import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LdtError, UsageError } from '@ldt/errors';

/** One dataset in the governance registry (configs/datasets/registry.yaml). */
export interface RegistryEntry {
  /** Hub id (`owner/name`, or a legacy name-only id such as `truthful_qa`). */
  id?: string;
  /** A local dataset folder or file, relative to the registry file (for local inputs). */
  path?: string;
  license: string;
  category?: string;
  intended_use?: string;
  status: 'enabled' | 'disabled';
  approver?: string | null;
  notes?: string;
}

export interface Registry {
  file: string;
  entries: RegistryEntry[];
}

/** Read and check a registry file; a malformed one is a usage error (exit 2) naming the entry. */
export async function loadRegistry(file: string): Promise<Registry> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the registry ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { parse } = await import('yaml');
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    throw new UsageError(`registry ${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = (data as { datasets?: unknown } | null)?.datasets;
  if (!Array.isArray(list)) throw new UsageError(`registry ${file}: expected a top-level "datasets:" list`);
  const base = dirname(resolve(file));
  const entries = list.map((e, i) => {
    const where = `registry ${file}: datasets[${i}]`;
    if (e === null || typeof e !== 'object') throw new UsageError(`${where}: expected a mapping`);
    const x = e as Record<string, unknown>;
    if (typeof x.id !== 'string' && typeof x.path !== 'string') throw new UsageError(`${where}: needs "id" (a Hub dataset id) or "path" (a local dataset)`);
    if (x.status !== 'enabled' && x.status !== 'disabled')
      throw new UsageError(`${where} (${String(x.id ?? x.path)}): status must be enabled or disabled; got ${JSON.stringify(x.status)}`);
    if (typeof x.license !== 'string' || x.license === '') throw new UsageError(`${where} (${String(x.id ?? x.path)}): "license" is required`);
    return { ...(x as unknown as RegistryEntry), path: typeof x.path === 'string' ? resolve(base, x.path) : undefined };
  });
  return { file, entries };
}

/**
 * The governance gate: the dataset must be listed and `enabled`. Returns its entry (its licence is
 * stamped on every row). `key` is the Hub id, or the absolute local path for local inputs.
 */
export function checkRegistry(reg: Registry, key: { id?: string; path?: string }, label: string): RegistryEntry {
  const e = reg.entries.find((x) => (key.id !== undefined && x.id === key.id) || (key.path !== undefined && x.path !== undefined && x.path === key.path));
  if (!e)
    throw new UsageError(
      `${label} is not in the dataset registry ${reg.file}; refusing to fetch it`,
      `add it with its license, intended use, status: enabled and an approver (or run without --registry / LDT_REGISTRY)`,
    );
  if (e.status !== 'enabled')
    throw new UsageError(
      `${label} is listed as disabled in the dataset registry ${reg.file}${e.notes ? ` (${e.notes.trim().split('\n')[0]})` : ''}; refusing to fetch it`,
      `review its license (${e.license}) and intended use, then set status: enabled with an approver`,
    );
  return e;
}

/** Throw if an id is malformed (for messages before any network call). */
export function assertId(id: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(id) || id.includes('..')) throw new LdtError(`not a dataset id: ${JSON.stringify(id)}`);
}
