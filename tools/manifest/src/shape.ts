/**
 * The shape of manifest.json, checked once when it is read (`readManifest`), so that every command
 * (verify, cat, show, report, a rebuild) can rely on it: an edited or damaged manifest is a
 * `DataError` naming the first bad entry (`totals.rows is not a number`), never a TypeError deep in
 * a command (found by the property test of issue 13: `show` on a manifest whose `sources[0]` was
 * `-1`). Only types are checked here; `verify` checks the figures against the shards.
 */
type Shape = 'string' | 'number' | 'boolean' | 'json' | 'object' | 'null' | Shape[] | { '[]': Shape } | { '?': Shape } | { '{}': Shape } | { [key: string]: Shape };

const histogram: Shape = { rows: 'number', sum: 'number', min: ['number', 'null'], max: ['number', 'null'], bins: { '[]': { '[]': 'number' } } };
const strings: Shape = { '[]': 'string' };

const MANIFEST: Shape = {
  format: 'string',
  name: 'string',
  dataset_id: 'string',
  created_by: { tool: 'string', version: 'string', argv: strings },
  inputs: strings,
  compression: 'string',
  partition_by: strings,
  group_by: strings,
  tokenizer: { name: 'string', estimate: 'boolean', description: 'string', text_fields: ['string', strings], count_rule: { '?': 'string' } },
  totals: { rows: 'number', shards: 'number', partitions: 'number', raw_bytes: 'number', stored_bytes: 'number', tokens: 'number' },
  partitions: { '[]': { name: 'string', values: 'object', rows: 'number', shards: 'number' } },
  shards: { '[]': { path: 'string', partition: 'string', rows: 'number', raw_bytes: 'number', stored_bytes: 'number', sha256: 'string', tokens: 'number' } },
  groups: { '[]': { key: 'object', rows: 'number', tokens: 'number' } },
  sources: { '[]': { dataset: 'string', revision: ['string', 'null'], rows: 'number', paths: strings } },
  fields: { '{}': { rows: 'number', types: { '{}': 'number' }, formats: { '{}': 'number' } } },
  fields_not_recorded: { '?': 'number' },
  tool_chain: { '[]': 'object' },
  gates: { '?': { '[]': { gate: 'string', passed: 'boolean', detail: 'string' } } },
  profile: {
    '?': {
      bins: 'string',
      measures: 'object',
      kinds: { '{}': 'number' },
      lengths: { '[]': { split: 'json', phase: 'json', rows: 'number', chars: histogram, tokens: histogram, turns: histogram } },
      licenses: { '[]': { license: ['string', 'null'], rows: 'number', tokens: 'number' } },
      clusters: { '?': { rows: 'number', by_size: histogram } },
      pii: { '?': { status: { '[]': { status: 'string', rows: 'number' } }, spans: { '{}': 'number' } } },
    },
  },
  side_files: { '?': { '[]': { path: 'string', sha256: 'string', bytes: 'number', written_by: 'string' } } },
  single: { '?': { path: 'string', rows: 'number', raw_bytes: 'number', stored_bytes: 'number', sha256: 'string' } },
};

/** The first entry of `value` that does not have the manifest's shape (`totals.rows is not a number`), or undefined. */
export function manifestShapeError(value: unknown): string | undefined {
  return check(value, MANIFEST, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function check(v: unknown, s: Shape, at: string): string | undefined {
  const name = at === '' ? 'the manifest' : at;
  if (typeof s === 'string') {
    const ok =
      s === 'json' ? v !== undefined : s === 'null' ? v === null : s === 'object' ? isObject(v) : s === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === s;
    return ok ? undefined : `${name} is ${s === 'json' ? 'missing' : `not ${s === 'object' ? 'an object' : s === 'null' ? 'null' : `a ${s}`}`}`;
  }
  if (Array.isArray(s)) return s.some((alt) => check(v, alt, at) === undefined) ? undefined : check(v, s[0], at);
  if ('?' in s) return v === undefined ? undefined : check(v, s['?'] as Shape, at);
  if ('[]' in s) {
    if (!Array.isArray(v)) return `${name} is not an array`;
    for (let i = 0; i < v.length; i++) {
      const e = check(v[i], s['[]'] as Shape, `${at}[${i}]`);
      if (e) return e;
    }
    return undefined;
  }
  if (!isObject(v)) return `${name} is not an object`;
  if ('{}' in s) {
    for (const [k, c] of Object.entries(v)) {
      const e = check(c, s['{}'] as Shape, `${at}[${JSON.stringify(k)}]`);
      if (e) return e;
    }
    return undefined;
  }
  for (const [k, c] of Object.entries(s)) {
    const e = check(v[k], c, at === '' ? k : `${at}.${k}`);
    if (e) return e;
  }
  return undefined;
}
