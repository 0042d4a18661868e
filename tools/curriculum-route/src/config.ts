import { readFile } from 'node:fs/promises';
import { DataError } from '@ldt/errors';

import { RECORD_KINDS, type RecordKind } from '@ldt/schema';

/** The record kinds a phase can match: the record model's kinds (shared/schema/README.md). */
export const KINDS = RECORD_KINDS;
export type Kind = RecordKind;

export interface Range {
  min?: number;
  max?: number;
}

/** Match rules of a phase: every rule given must hold (AND); a list matches any of its values (OR). */
export interface MatchRules {
  /** Globs over the whole meta.source (`*` any run of characters, `?` one character). */
  source?: string[];
  /** meta.family values. */
  family?: string[];
  kind?: Kind[];
  /** Number of messages other than system ones (chat, kto with messages; `chosen` messages for preference). */
  turns?: Range;
  /** Characters of the row's counted texts. */
  length?: Range;
}

/** One source of a phase's mix: the rows whose meta.source matches `match` (first entry wins), with a weight. */
export interface SourceMix {
  name: string;
  match: string[];
  weight: number;
}

export interface PhaseConfig {
  name: string;
  match: MatchRules;
  /** Target size in rows or tokens; absent: every matched row once, no resampling. */
  target?: { rows: number } | { tokens: number };
  sources: SourceMix[];
}

export interface CurriculumConfig {
  seed?: number;
  max_epochs?: number;
  phases: PhaseConfig[];
}

const PHASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Collects validation errors with their config paths (`phases[1].sources[0].weight: must be > 0`). */
class Problems {
  readonly list: string[] = [];
  add(path: string, msg: string): void {
    this.list.push(`${path}: ${msg}`);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function unknownKeys(o: Record<string, unknown>, allowed: readonly string[], path: string, p: Problems): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) p.add(`${path}.${k}`, `unknown key (expected one of ${allowed.join(', ')})`);
}

function stringList(v: unknown, path: string, p: Problems): string[] | undefined {
  if (typeof v === 'string') return v === '' ? (p.add(path, 'must not be empty'), undefined) : [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  p.add(path, `must be a non-empty string or a list of them; got ${describe(v)}`);
  return undefined;
}

function range(v: unknown, path: string, p: Problems): Range | undefined {
  if (!isObj(v)) {
    p.add(path, `must be a mapping with min and/or max; got ${describe(v)}`);
    return undefined;
  }
  unknownKeys(v, ['min', 'max'], path, p);
  const r: Range = {};
  for (const k of ['min', 'max'] as const) {
    if (v[k] === undefined) continue;
    if (typeof v[k] !== 'number' || !Number.isInteger(v[k]) || (v[k] as number) < 0) p.add(`${path}.${k}`, `must be an integer >= 0; got ${describe(v[k])}`);
    else r[k] = v[k] as number;
  }
  if (r.min === undefined && r.max === undefined) p.add(path, 'needs min or max');
  if (r.min !== undefined && r.max !== undefined && r.min > r.max) p.add(path, `min ${r.min} is greater than max ${r.max}`);
  return r;
}

/**
 * Check a parsed config and return it typed. Every problem is reported with its path
 * (`phases[1].sources[0].weight: must be > 0`), all at once, as one DataError naming the file.
 */
export function validateConfig(raw: unknown, file: string): CurriculumConfig {
  const p = new Problems();
  const out: CurriculumConfig = { phases: [] };
  if (!isObj(raw)) {
    throw new DataError(`${file}: the config must be a mapping with a "phases" list; got ${describe(raw)}`, undefined, 'see configs/curriculum.example.yaml');
  }
  unknownKeys(raw, ['seed', 'max_epochs', 'phases'], '$', p);
  if (raw.seed !== undefined) {
    if (typeof raw.seed !== 'number' || !Number.isInteger(raw.seed) || raw.seed < 0 || raw.seed > 4294967295)
      p.add('seed', `must be an integer from 0 to 4294967295; got ${describe(raw.seed)}`);
    else out.seed = raw.seed;
  }
  if (raw.max_epochs !== undefined) {
    if (typeof raw.max_epochs !== 'number' || !Number.isInteger(raw.max_epochs) || raw.max_epochs < 1 || raw.max_epochs > 1000)
      p.add('max_epochs', `must be an integer from 1 to 1000; got ${describe(raw.max_epochs)}`);
    else out.max_epochs = raw.max_epochs;
  }
  if (!Array.isArray(raw.phases) || raw.phases.length === 0) p.add('phases', `must be a non-empty list of phases; got ${describe(raw.phases)}`);
  else {
    const names = new Set<string>();
    for (const [i, ph] of (raw.phases as unknown[]).entries()) {
      const path = `phases[${i}]`;
      if (!isObj(ph)) {
        p.add(path, `must be a mapping with name, match, target, sources; got ${describe(ph)}`);
        continue;
      }
      unknownKeys(ph, ['name', 'match', 'target', 'sources'], path, p);
      const phase: PhaseConfig = { name: '', match: {}, sources: [] };
      if (typeof ph.name !== 'string' || !PHASE_NAME.test(ph.name))
        p.add(`${path}.name`, `must be a name of letters, digits, '.', '_', '-' (it names the output file); got ${describe(ph.name)}`);
      else if (names.has(ph.name)) p.add(`${path}.name`, `duplicate phase name ${JSON.stringify(ph.name)}`);
      else {
        names.add(ph.name);
        phase.name = ph.name;
      }
      if (ph.match !== undefined) {
        if (!isObj(ph.match)) p.add(`${path}.match`, `must be a mapping; got ${describe(ph.match)}`);
        else {
          const m = ph.match;
          unknownKeys(m, ['source', 'family', 'kind', 'turns', 'length'], `${path}.match`, p);
          if (m.source !== undefined) phase.match.source = stringList(m.source, `${path}.match.source`, p);
          if (m.family !== undefined) phase.match.family = stringList(m.family, `${path}.match.family`, p);
          if (m.kind !== undefined) {
            const ks = stringList(m.kind, `${path}.match.kind`, p);
            ks?.forEach((k, j) => {
              if (!(KINDS as readonly string[]).includes(k))
                p.add(`${path}.match.kind${Array.isArray(m.kind) ? `[${j}]` : ''}`, `must be one of ${KINDS.join(', ')}; got ${JSON.stringify(k)}`);
            });
            phase.match.kind = ks as Kind[] | undefined;
          }
          if (m.turns !== undefined) phase.match.turns = range(m.turns, `${path}.match.turns`, p);
          if (m.length !== undefined) phase.match.length = range(m.length, `${path}.match.length`, p);
        }
      }
      if (ph.target !== undefined) {
        const t = ph.target;
        if (!isObj(t) || Object.keys(t).length !== 1 || (t.rows === undefined && t.tokens === undefined))
          p.add(`${path}.target`, `must be {rows: N} or {tokens: N}; got ${JSON.stringify(t)}`);
        else {
          const k = t.rows !== undefined ? 'rows' : 'tokens';
          const n = t[k];
          if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) p.add(`${path}.target.${k}`, `must be an integer > 0; got ${describe(n)}`);
          else phase.target = k === 'rows' ? { rows: n } : { tokens: n };
        }
      }
      if (ph.sources === undefined) phase.sources = [{ name: '*', match: ['*'], weight: 1 }];
      else if (!Array.isArray(ph.sources) || ph.sources.length === 0) p.add(`${path}.sources`, `must be a non-empty list of {match, weight}; got ${describe(ph.sources)}`);
      else {
        const snames = new Set<string>();
        for (const [j, s] of (ph.sources as unknown[]).entries()) {
          const sp = `${path}.sources[${j}]`;
          if (!isObj(s)) {
            p.add(sp, `must be a mapping {name, match, weight}; got ${describe(s)}`);
            continue;
          }
          unknownKeys(s, ['name', 'match', 'weight'], sp, p);
          const match = s.match === undefined ? (p.add(`${sp}.match`, 'is required (a meta.source glob or a list of them)'), undefined) : stringList(s.match, `${sp}.match`, p);
          if (typeof s.weight !== 'number' || !Number.isFinite(s.weight)) p.add(`${sp}.weight`, `must be a number > 0; got ${describe(s.weight)}`);
          else if (s.weight <= 0) p.add(`${sp}.weight`, `must be > 0; got ${s.weight}`);
          if (s.name !== undefined && (typeof s.name !== 'string' || s.name === '')) p.add(`${sp}.name`, `must be a non-empty string; got ${describe(s.name)}`);
          const name = typeof s.name === 'string' && s.name !== '' ? s.name : (match ?? []).join(',');
          if (snames.has(name)) p.add(`${sp}.name`, `duplicate source name ${JSON.stringify(name)} in this phase`);
          snames.add(name);
          if (match && typeof s.weight === 'number') phase.sources.push({ name, match, weight: s.weight });
        }
      }
      out.phases.push(phase);
    }
  }
  if (p.list.length > 0) {
    throw new DataError(
      `${file}: invalid config:\n  ${p.list.join('\n  ')}`,
      undefined,
      'each phase is {name, match: {source, family, kind, turns, length}, target: {rows|tokens: N}, sources: [{name, match, weight}]}; see configs/curriculum.example.yaml',
    );
  }
  return out;
}

/** Read a YAML or JSON config (JSON by a .json extension, else YAML, which also reads JSON) and validate it. */
export async function loadConfig(file: string): Promise<CurriculumConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(`cannot read --config ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let raw: unknown;
  if (file.endsWith('.json')) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new DataError(`${file}: invalid JSON: ${(e as Error).message}`);
    }
  } else {
    const { parseDocument } = await import('yaml');
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const line = e.linePos?.[0]?.line;
      throw new DataError(`invalid YAML: ${e.message.split('\n')[0]}`, line !== undefined ? { file, line } : undefined);
    }
    raw = doc.toJS();
  }
  return validateConfig(raw, file);
}

/** The glob over meta.source is the shared one of @ldt/schema. */
export { globToRegExp } from '@ldt/schema';
