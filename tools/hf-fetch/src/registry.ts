import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { LdtError, UsageError } from '@ldt/errors';
import type { Document, LineCounter } from 'yaml';

/** The one file name a project registry has; found in the working directory or any parent, like `.editorconfig`. */
export const REGISTRY_FILE = 'ldt-registry.yaml';

/** How `hf-fetch registry plan` writes each dataset's fetch (the registry's `usage.plan_template`). */
export interface PlanTemplate {
  /** The plan's output folder; `{category}` is replaced. Default `out/{category}`. */
  out_dir?: string;
  /** Commands the rows go through after hf-fetch, in order (each also gets `--stats`). */
  steps?: string[];
  /** End with `manifest build` over every dataset's output (default true). */
  manifest?: boolean;
  manifest_args?: string;
}

/** One dataset of the registry (an item of `categories.<name>.datasets`). */
export interface RegistryEntry {
  /** Hub id (`owner/name`, or a legacy name-only id such as `truthful_qa`). */
  id?: string;
  /** A local dataset folder or file, absolute (resolved against the registry file's folder). */
  path?: string;
  /** `path` as written in the registry. */
  pathAsWritten?: string;
  license: string;
  intended_use?: string | null;
  status: 'enabled' | 'disabled';
  approver?: string | null;
  /** Approval date, YYYY-MM-DD. */
  approved?: string | null;
  /** A link to, or path of, the decision record. */
  decision_record?: string | null;
  /** A pinned commit sha: hf-fetch reads this commit, and the plan writes it. */
  revision?: string | null;
  config?: string | null;
  split?: string | null;
  notes?: string | null;
  /** The category it is listed under. */
  category: string;
  /** Its index in the category's `datasets` list. */
  index: number;
  /** 1-based line of the entry in the registry file. */
  line: number;
}

export interface RegistryCategory {
  name: string;
  title?: string;
  intended_use?: string | null;
  license_hints?: string | null;
  notes?: string | null;
  datasets: RegistryEntry[];
}

export interface Registry {
  /** The file as given (or as discovered). */
  file: string;
  /** The registry's own switch: while false nothing it gates is fetched. */
  enabled: boolean;
  notes?: string | null;
  legal?: { compliance_notes?: string | null; restrictions?: string[]; contacts?: string[] };
  usage?: { activation_steps?: string[]; plan_template?: PlanTemplate };
  categories: RegistryCategory[];
  /** Every dataset of every category, in file order. */
  entries: RegistryEntry[];
}

/** One problem found in a registry file: its line (1-based, 0 when unknown), the path in the document, the message. */
export interface RegistryProblem {
  line: number;
  path: string;
  message: string;
}

/** `categories.math.datasets[0].status` from path segments. */
export function pathText(segments: readonly (string | number)[]): string {
  let s = '';
  for (const p of segments) s += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][\w-]*$/.test(p) ? `${s ? '.' : ''}${p}` : `[${JSON.stringify(p)}]`;
  return s || '(top level)';
}

function entryLabel(e: { id?: unknown; path?: unknown }): string {
  return typeof e.id === 'string' ? e.id : typeof e.path === 'string' ? e.path : '?';
}

/** Parsed YAML with the helpers that turn a document path into a line number. */
interface Parsed {
  doc: Document.Parsed;
  lc: LineCounter;
}

function lineOf(p: Parsed, segments: readonly (string | number)[], key?: string): number {
  const node = segments.length === 0 ? p.doc.contents : (p.doc.getIn(segments, true) as { range?: [number, number, number] } | undefined);
  const n = node as { range?: [number, number, number]; items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null | undefined;
  if (key !== undefined && n?.items) {
    const pair = n.items.find((i) => i.key?.value === key);
    if (pair?.key?.range) return p.lc.linePos(pair.key.range[0]).line;
  }
  if (n?.range) return p.lc.linePos(n.range[0]).line;
  return segments.length > 0 ? lineOf(p, segments.slice(0, -1)) : 0;
}

type AjvError = {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
  data?: unknown;
  parentSchema?: { description?: string; properties?: Record<string, unknown> };
  propertyName?: string;
};

let validator: ((data: unknown) => boolean) & { errors?: AjvError[] | null } = undefined as never;

async function validate(data: unknown): Promise<AjvError[]> {
  if (!validator) {
    const [{ Ajv2020 }, { registrySchema }] = await Promise.all([import('ajv/dist/2020.js'), import('./registry-schema.js')]);
    validator = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false }).compile(registrySchema) as typeof validator;
  }
  return validator(data) ? [] : (validator.errors ?? []);
}

function segmentsOf(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function got(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Turn the validator's errors into problems with a line, a path and a plain message. */
function describe(p: Parsed, errors: readonly AjvError[]): RegistryProblem[] {
  const out: RegistryProblem[] = [];
  for (const e of errors) {
    // id-xor-path and the approval rule get one message each from semanticProblems.
    if (e.keyword === 'if' || e.keyword === 'oneOf' || e.keyword === 'propertyNames' || /\/(oneOf|then)\//.test(e.schemaPath)) continue;
    const seg = segmentsOf(e.instancePath);
    if (e.propertyName !== undefined) {
      out.push({
        line: lineOf(p, seg, e.propertyName),
        path: pathText([...seg, e.propertyName]),
        message: `not a valid category name; expected lower-case letters, digits and '-'`,
      });
      continue;
    }
    let path = pathText(seg);
    let line = lineOf(p, seg);
    let message: string;
    switch (e.keyword) {
      case 'required':
        message = `"${e.params.missingProperty}" is required`;
        break;
      case 'additionalProperties': {
        const key = String(e.params.additionalProperty);
        line = lineOf(p, seg, key);
        path = pathText([...seg, key]);
        const known = Object.keys(e.parentSchema?.properties ?? {});
        message = `unknown key${known.length > 0 ? `; expected one of ${known.join(', ')}` : ''}`;
        break;
      }
      case 'enum':
        message = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}; got ${got(e.data)}`;
        break;
      case 'const':
        message = `must be ${got(e.params.allowedValue)}; got ${got(e.data)}`;
        break;
      case 'type':
        message = `expected ${String(e.params.type).replace(',', ' or ')}; got ${got(e.data)}`;
        break;
      case 'pattern':
        message = `expected ${e.parentSchema?.description ?? `a value matching ${e.params.pattern}`}; got ${got(e.data)}`;
        break;
      case 'minLength':
        message = 'must not be empty';
        break;
      default:
        message = `${e.message ?? e.keyword}`;
    }
    if (!out.some((x) => x.path === path && x.message === message)) out.push({ line, path, message });
  }
  return out;
}

/** The rules the schema states but whose messages must name the dataset and every missing field. */
function semanticProblems(p: Parsed, data: Record<string, unknown>): RegistryProblem[] {
  const out: RegistryProblem[] = [];
  const cats = data.categories;
  if (cats === null || typeof cats !== 'object' || Array.isArray(cats)) return out;
  const seen = new Map<string, string>();
  for (const [name, c] of Object.entries(cats as Record<string, unknown>)) {
    const list = (c as { datasets?: unknown } | null)?.datasets;
    if (!Array.isArray(list)) continue;
    list.forEach((d, i) => {
      if (d === null || typeof d !== 'object' || Array.isArray(d)) return;
      const x = d as Record<string, unknown>;
      const seg = ['categories', name, 'datasets', i];
      const at = { line: lineOf(p, seg), path: pathText(seg) };
      const hasId = x.id !== undefined;
      const hasPath = x.path !== undefined;
      if (hasId === hasPath)
        out.push({
          ...at,
          message: hasId ? 'has both "id" and "path"; give one: id (a Hub dataset) or path (a local one)' : 'needs "id" (a Hub dataset id) or "path" (a local dataset)',
        });
      if (x.status === 'enabled') {
        const missing = ['approver', 'approved'].filter((k) => typeof x[k] !== 'string' || x[k] === '');
        if (missing.length > 0)
          out.push({ ...at, message: `${entryLabel(x)} has status: enabled but no ${missing.join(' and no ')}; an approval needs both (hf-fetch registry enable sets them)` });
      }
      const key = typeof x.id === 'string' ? `id ${x.id}` : typeof x.path === 'string' ? `path ${x.path}` : undefined;
      if (key !== undefined) {
        const prev = seen.get(key);
        if (prev !== undefined) out.push({ ...at, message: `${entryLabel(x)} is listed twice (also at ${prev}); list each dataset once` });
        else seen.set(key, `${at.path}, line ${at.line}`);
      }
    });
  }
  return out;
}

/** Parse and validate registry text; `problems` is empty when the registry is valid. */
export async function parseRegistry(text: string, file: string): Promise<{ registry?: Registry; problems: RegistryProblem[] }> {
  const { LineCounter, parseDocument } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const p = { doc, lc };
  if (doc.errors.length > 0)
    return { problems: doc.errors.map((e) => ({ line: lc.linePos(e.pos[0]).line, path: '(YAML)', message: `invalid YAML: ${e.message.split('\n')[0]}` })) };
  const data = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return {
      problems: [
        {
          line: 1,
          path: '(top level)',
          message: `expected a mapping with version, enabled and categories; got ${data === null || data === undefined ? 'an empty file' : got(data)}`,
        },
      ],
    };
  const top = data as Record<string, unknown>;
  if (Array.isArray(top.datasets) && top.categories === undefined)
    return {
      problems: [
        {
          line: lineOf(p, [], 'datasets'),
          path: 'datasets',
          message:
            'this is the version 1 layout (a top-level datasets: list); move each dataset under categories.<name>.datasets, add version: 2 and enabled: false, and record approver, approved and decision_record (see configs/datasets/registry.yaml)',
        },
      ],
    };
  const problems = [...describe(p, await validate(data)), ...semanticProblems(p, top)].sort((a, b) => a.line - b.line);
  if (problems.length > 0) return { problems };
  const base = dirname(resolve(file));
  const entries: RegistryEntry[] = [];
  const categories: RegistryCategory[] = Object.entries(top.categories as Record<string, Record<string, unknown>>).map(([name, c]) => {
    const datasets = (c.datasets as Record<string, unknown>[]).map((d, index) => {
      const e: RegistryEntry = {
        ...(d as unknown as RegistryEntry),
        path: typeof d.path === 'string' ? resolve(base, d.path) : undefined,
        pathAsWritten: typeof d.path === 'string' ? d.path : undefined,
        category: name,
        index,
        line: lineOf(p, ['categories', name, 'datasets', index]),
      };
      entries.push(e);
      return e;
    });
    return { ...(c as Omit<RegistryCategory, 'name' | 'datasets'>), name, datasets };
  });
  return {
    problems: [],
    registry: {
      file,
      enabled: top.enabled === true,
      notes: top.notes as string | null | undefined,
      legal: top.legal as Registry['legal'],
      usage: top.usage as Registry['usage'],
      categories,
      entries,
    },
  };
}

/** `registry FILE:LINE: PATH: message` lines. */
export function problemLines(file: string, problems: readonly RegistryProblem[]): string[] {
  return problems.map((x) => `${file}:${x.line}: ${x.path}: ${x.message}`);
}

async function readRegistryText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the registry ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message}`);
  }
}

/** Read and validate a registry file; any problem is a usage error (exit 2) naming the file, line and path of each. */
export async function loadRegistry(file: string): Promise<Registry> {
  const { registry, problems } = await parseRegistry(await readRegistryText(file), file);
  if (!registry) {
    const lines = problemLines(file, problems);
    throw new UsageError(
      `the dataset registry ${file} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${lines.slice(0, 20).join('\n  ')}${lines.length > 20 ? `\n  … and ${lines.length - 20} more` : ''}`,
      `fix it (hf-fetch registry check ${file} lists every problem; the schema is configs/registry.schema.json), or pass --no-registry to fetch without the gate`,
    );
  }
  return registry;
}

/** Read a registry file for the registry subcommands: the text, and the registry or its problems. */
export async function readRegistryFile(file: string): Promise<{ text: string; registry?: Registry; problems: RegistryProblem[] }> {
  const text = await readRegistryText(file);
  return { text, ...(await parseRegistry(text, file)) };
}

/** The registry file in `dir` or its nearest parent that has one, or undefined. */
export function findRegistry(dir: string): string | undefined {
  let d = resolve(dir);
  for (;;) {
    const f = join(d, REGISTRY_FILE);
    if (existsSync(f)) return f;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** Which registry applies to a run, and why. */
export interface RegistryChoice {
  /** `flag` (--registry), `env` (LDT_REGISTRY), `discovered` (ldt-registry.yaml here or above), `off` (--no-registry), `none` (none found). */
  source: 'flag' | 'env' | 'discovered' | 'off' | 'none';
  /** The file (discovered: relative to the working directory). */
  file?: string;
}

/**
 * The registry of a run: `--no-registry` (flag false) turns the gate off; `--registry FILE`, else
 * LDT_REGISTRY, else the nearest `ldt-registry.yaml` from `cwd` upwards; else none.
 */
export function chooseRegistry(flag: string | false | undefined, env: Record<string, string | undefined>, cwd: string): RegistryChoice {
  if (flag === false) return { source: 'off' };
  if (flag !== undefined) return { source: 'flag', file: flag };
  if (env.LDT_REGISTRY) return { source: 'env', file: env.LDT_REGISTRY };
  const found = findRegistry(cwd);
  if (found === undefined) return { source: 'none' };
  const rel = relative(cwd, found);
  return { source: 'discovered', file: rel === '' ? REGISTRY_FILE : rel };
}

/** The identity and approval of an entry as `list --json` and the Plan JSON write them (null when unset). */
export function approvalOf(e: RegistryEntry): Record<string, string | null | undefined> {
  return {
    ...(e.id !== undefined ? { id: e.id } : { path: e.pathAsWritten }),
    license: e.license,
    status: e.status,
    approver: e.approver ?? null,
    approved: e.approved ?? null,
    decision_record: e.decision_record ?? null,
    revision: e.revision ?? null,
  };
}

/** The entry of a dataset: by Hub id, or by absolute local path. */
export function findEntry(reg: Registry, key: { id?: string; path?: string }): RegistryEntry | undefined {
  return reg.entries.find((x) => (key.id !== undefined && x.id === key.id) || (key.path !== undefined && x.path !== undefined && x.path === key.path));
}

/** Why a dataset may not be fetched under `reg` (empty: it may). */
export function refusalReasons(reg: Registry, e: RegistryEntry | undefined): string[] {
  if (!e) return ['it is not listed'];
  const why: string[] = [];
  if (!reg.enabled) why.push('the registry is disabled (enabled: false)');
  if (e.status !== 'enabled') why.push('it has status: disabled');
  else {
    const missing = (['approver', 'approved'] as const).filter((k) => !e[k]);
    if (missing.length > 0) why.push(`it is enabled without ${missing.join(' and ')}`);
  }
  return why;
}

/**
 * The governance gate. A Hub dataset (`hub`) must be listed, the registry enabled, and the dataset
 * enabled with an approver and a date; a local folder or file is gated only when the registry lists
 * its path. Returns the entry (its licence is stamped on every row, its revision is read), or
 * undefined for an unlisted local input.
 */
export function checkRegistry(reg: Registry, key: { id?: string; path?: string }, label: string, hub = key.id !== undefined && key.path === undefined): RegistryEntry | undefined {
  const e = findEntry(reg, key);
  if (!e && !hub) return undefined;
  if (!e)
    throw new UsageError(
      `${label} is not in the dataset registry ${reg.file}; refusing to fetch it`,
      'add it under a category with its licence, then approve it (hf-fetch registry enable ID --approver NAME --record REF); --no-registry fetches without the gate, and says so in every row',
    );
  const why = refusalReasons(reg, e);
  if (why.length === 0) return e;
  const id = e.id ?? e.pathAsWritten;
  const steps = [
    ...(e.status !== 'enabled' ? [`review its licence (${e.license}) and intended use, then approve it: hf-fetch registry enable ${id} --approver NAME --record REF`] : []),
    ...(!reg.enabled ? [`follow usage.activation_steps in ${reg.file}, then set enabled: true there`] : []),
  ];
  throw new UsageError(
    `${label} is not approved in the dataset registry ${reg.file} (${pathText(['categories', e.category, 'datasets', e.index])}, line ${e.line}): ${why.join('; ')}${e.notes ? ` — ${e.notes.trim().split('\n')[0]}` : ''}; refusing to fetch it`,
    steps.join('; '),
  );
}

/**
 * The revision to read for a gated Hub dataset: its pinned `revision` when the registry has one.
 * Asking for another revision (or the parquet conversion) is refused: the approval is for that commit.
 */
export function pinnedRevision(e: RegistryEntry | undefined, asked: string | undefined, parquetExport: boolean, file: string): string | undefined {
  const pin = e?.revision ?? undefined;
  if (pin === undefined) return undefined;
  if (parquetExport)
    throw new UsageError(
      `the dataset registry ${file} pins ${e?.id} at ${pin}; --parquet-export reads another revision (refs/convert/parquet)`,
      'read the pinned commit (drop --parquet-export)',
    );
  if (asked !== undefined && asked !== pin)
    throw new UsageError(
      `the dataset registry ${file} pins ${e?.id} at ${pin}; refusing --revision ${asked}`,
      'drop --revision (the pinned commit is read), or pin another commit in the registry after review',
    );
  return pin;
}

/** Throw if an id is malformed (for messages before any network call). */
export function assertId(id: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(id) || id.includes('..')) throw new LdtError(`not a dataset id: ${JSON.stringify(id)}`);
}
