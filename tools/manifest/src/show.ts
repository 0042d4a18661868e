import type { Row } from '@ldt/ndjson';
import { getMeta, isJsonObject, type Json } from '@ldt/schema';
import { countRowTokens, rowTexts, type TokenCounter } from '@ldt/tokens';
import { cmp, FieldCatalog } from './fields.js';
import type { Manifest, ManifestGate } from './format.js';
import { Histogram, type HistogramJson } from './histogram.js';
import { ProfileBuilder } from './profile.js';
import { parseSource } from './source.js';
import type { VerifyResult } from './verify.js';

/** Terminal width the tables fit in. */
export const WIDTH = 100;

/** p50 / p90 / p99 / max of one length histogram (percentiles interpolated inside log bins, exact below 8). */
export interface LengthSummary {
  rows: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface LengthRow {
  split: Json;
  phase: Json;
  rows: number;
  chars: LengthSummary;
  tokens: LengthSummary;
  turns: LengthSummary;
}

export interface FunnelStep {
  step: number;
  tool: string;
  version: string;
  read: number;
  written: number;
  dropped: number;
  rejected: number;
  reasons: Record<string, number>;
}

/** What `manifest show DIR --json` prints. */
export interface DatasetSummary {
  kind: 'dataset';
  dir: string;
  name: string;
  dataset_id: string;
  built_by: string;
  tokenizer: { name: string; estimate: boolean };
  totals: Manifest['totals'];
  sources: { dataset: string; revision: string | null; rows: number }[];
  groups: { key: Record<string, Json>; rows: number; tokens: number }[];
  funnel: FunnelStep[];
  /** null: the manifest predates recorded gates. */
  gates: ManifestGate[] | null;
  /** null: the manifest predates recorded length histograms. */
  lengths: LengthRow[] | null;
  verify: { ok: boolean; shards_ok: number; shards: number; problems: string[] };
}

/** What `manifest show - --json` prints. */
export interface StreamSummary {
  kind: 'stream';
  inputs: string[];
  rows: number;
  tokens: number;
  tokenizer: { name: string; estimate: boolean };
  kinds: Record<string, number>;
  fields: { path: string; rows: number; types: Record<string, number> }[];
  fields_not_recorded: number;
  sources: { dataset: string; rows: number }[];
  splits: { split: Json; phase: Json; rows: number; tokens: number }[];
  lengths: LengthRow[];
  all: LengthRow;
}

export function lengthSummary(h: Histogram | HistogramJson): LengthSummary {
  const x = h instanceof Histogram ? h : Histogram.from(h);
  return {
    rows: x.rows,
    mean: x.rows > 0 ? Math.round((x.sum / x.rows) * 10) / 10 : null,
    p50: x.quantile(0.5),
    p90: x.quantile(0.9),
    p99: x.quantile(0.99),
    max: x.rows > 0 ? x.max : null,
  };
}

function lengthRow(split: Json, phase: Json, rows: number, chars: Histogram, tokens: Histogram, turns: Histogram): LengthRow {
  return { split, phase, rows, chars: lengthSummary(chars), tokens: lengthSummary(tokens), turns: lengthSummary(turns) };
}

/** The tool chain as a funnel: rows in, dropped and rejected per step and reason, rows out. */
export function funnelOf(m: Pick<Manifest, 'tool_chain'>): FunnelStep[] {
  return (m.tool_chain ?? []).map((t, i) => ({
    step: i + 1,
    tool: t.tool,
    version: t.version,
    read: t.read,
    written: t.written,
    dropped: t.dropped_total,
    rejected: t.rejected_total,
    reasons: {
      ...Object.fromEntries(Object.entries(isJsonObject(t.dropped) ? t.dropped : {}).map(([k, v]) => [k, Number(v)])),
      ...Object.fromEntries(Object.entries(isJsonObject(t.rejected) ? t.rejected : {}).map(([k, v]) => [`rejected: ${k}`, Number(v)])),
    },
  }));
}

/** Gates of a manifest; for one written before gates were recorded, read back from its argv (a manifest exists only if they passed). */
export function gatesOf(m: Manifest): ManifestGate[] | null {
  if (m.gates) return m.gates;
  const argv = m.created_by?.argv ?? [];
  const out: ManifestGate[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const [flag, value] = eq > 0 && a.startsWith('--') ? [a.slice(0, eq), a.slice(eq + 1)] : [a, argv[i + 1]];
    if ((flag === '--require' || flag === '--min-rows') && value !== undefined) out.push({ gate: `${flag} ${value}`, passed: true, detail: 'from the build command line' });
  }
  return out;
}

export function datasetSummary(dir: string, m: Manifest, v: VerifyResult): DatasetSummary {
  return {
    kind: 'dataset',
    dir,
    name: m.name,
    dataset_id: m.dataset_id,
    built_by: `${m.created_by?.tool ?? 'manifest'} ${m.created_by?.version ?? '?'}`,
    tokenizer: { name: m.tokenizer?.name, estimate: m.tokenizer?.estimate },
    totals: m.totals,
    sources: (m.sources ?? []).map((s) => ({ dataset: s.dataset, revision: s.revision, rows: s.rows })),
    groups: m.groups ?? [],
    funnel: funnelOf(m),
    gates: gatesOf(m),
    lengths: m.profile ? m.profile.lengths.map((l) => lengthRow(l.split, l.phase, l.rows, Histogram.from(l.chars), Histogram.from(l.tokens), Histogram.from(l.turns))) : null,
    verify: { ok: v.problems.length === 0, shards_ok: v.shardsOk, shards: m.shards.length, problems: v.problems.map((p) => `${p.path}: ${p.detail}`) },
  };
}

/** Summarises a stream of rows (`manifest show -`): bounded by distinct kinds, sources, split × phase cells and 2000 field paths. */
export class StreamSummarizer {
  private rows = 0;
  private tokens = 0;
  private readonly fields = new FieldCatalog();
  private readonly profile = new ProfileBuilder();
  private readonly sources = new Map<string, number>();
  private readonly splits = new Map<string, { split: Json; phase: Json; rows: number; tokens: number }>();
  private readonly scratch: string[] = [];

  constructor(
    private readonly counter: TokenCounter,
    private readonly textFields: Parameters<typeof countRowTokens>[2],
    private readonly inputs: string[],
  ) {}

  add(row: Row): void {
    const v = row.value;
    const t = countRowTokens(this.counter, v, this.textFields, this.scratch);
    const meta = v.meta;
    const split = isJsonObject(meta) ? scalar(meta.split) : null;
    const phase = isJsonObject(meta) ? scalar(meta.phase) : null;
    this.profile.add(v, split, phase, rowTexts(v, this.textFields, this.scratch), t);
    this.fields.add(v);
    this.rows++;
    this.tokens += t;
    const src = getMeta(v, 'source');
    const ds = typeof src === 'string' ? parseSource(src).dataset : '(none)';
    this.sources.set(ds, (this.sources.get(ds) ?? 0) + 1);
    const k = JSON.stringify([split, phase]);
    let s = this.splits.get(k);
    if (!s) this.splits.set(k, (s = { split, phase, rows: 0, tokens: 0 }));
    s.rows++;
    s.tokens += t;
  }

  toJSON(): StreamSummary {
    const p = this.profile.toJSON();
    const all = { chars: new Histogram(), tokens: new Histogram(), turns: new Histogram() };
    for (const l of p.lengths) {
      all.chars.merge(l.chars);
      all.tokens.merge(l.tokens);
      all.turns.merge(l.turns);
    }
    const fields = this.fields.toJSON();
    return {
      kind: 'stream',
      inputs: this.inputs,
      rows: this.rows,
      tokens: this.tokens,
      tokenizer: { name: this.counter.name, estimate: this.counter.estimate },
      kinds: p.kinds,
      fields: Object.entries(fields).map(([path, f]) => ({ path, rows: f.rows, types: f.types })),
      fields_not_recorded: this.fields.overflow,
      sources: [...this.sources].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0])).map(([dataset, rows]) => ({ dataset, rows })),
      splits: [...this.splits.values()].sort((a, b) => cmp(JSON.stringify([a.split, a.phase]), JSON.stringify([b.split, b.phase]))),
      lengths: p.lengths.map((l) => lengthRow(l.split, l.phase, l.rows, Histogram.from(l.chars), Histogram.from(l.tokens), Histogram.from(l.turns))),
      all: lengthRow('(all)', '(all)', this.rows, all.chars, all.tokens, all.turns),
    };
  }
}

function scalar(v: unknown): Json {
  if (v === undefined || v === null) return null;
  return typeof v === 'object' ? JSON.stringify(v) : (v as Json);
}

// ---- rendering ---------------------------------------------------------------------------------

/** 1234567 → `1,234,567`; null → `-`. */
export function num(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  const [i, f] = String(n).split('.');
  const s = i.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return f === undefined ? s : `${s}.${f}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = n;
  let u = -1;
  while (x >= 1000 && u < units.length - 1) {
    x /= 1000;
    u++;
  }
  return `${x.toFixed(1)} ${units[u]}`;
}

function label(v: Json): string {
  return v === null ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
}

function ellipsize(s: string, w: number): string {
  if (s.length <= w) return s;
  return w <= 1 ? s.slice(0, w) : `${s.slice(0, w - 1)}…`;
}

/**
 * An aligned table (columns separated by two spaces) no wider than `width`: numeric columns
 * (`right`) keep their width, the widest text columns are cut with `…` until it fits.
 */
export function table(head: string[], rows: string[][], right: boolean[], width = WIDTH): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const total = () => w.reduce((a, b) => a + b, 0) + 2 * (w.length - 1);
  while (total() > width) {
    let j = -1;
    for (let i = 0; i < w.length; i++) if (!right[i] && w[i] > Math.max(8, head[i].length) && (j < 0 || w[i] > w[j])) j = i;
    if (j < 0) break;
    w[j] = Math.max(Math.max(8, head[j].length), w[j] - (total() - width));
  }
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const s = ellipsize(c, w[i]);
        return right[i] ? s.padStart(w[i]) : i === r.length - 1 ? s : s.padEnd(w[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function section(title: string, body: string): string {
  return `${title}\n${body}\n`;
}

function lengthTable(rows: LengthRow[]): string {
  const cell = (s: LengthSummary) => [num(s.p50), num(s.p90), num(s.max)];
  return table(
    ['split', 'phase', 'rows', 'chars p50', 'p90', 'max', 'tokens p50', 'p90', 'max', 'turns p50', 'p90', 'max'],
    rows.map((r) => [label(r.split), label(r.phase), num(r.rows), ...cell(r.chars), ...cell(r.tokens), ...cell(r.turns)]),
    [false, false, true, true, true, true, true, true, true, true, true, true],
  );
}

const LENGTHS_NOTE = 'percentiles are interpolated inside fixed log-scale bins (within 25%; exact below 8)';

export function renderDataset(s: DatasetSummary): string {
  const t = s.totals;
  const tok = s.tokenizer.estimate ? `~${num(t.tokens)} tokens (estimate)` : `${num(t.tokens)} tokens (${s.tokenizer.name})`;
  const out: string[] = [];
  out.push(
    table(
      ['dataset', s.name],
      [
        ['id', s.dataset_id],
        ['folder', s.dir],
        ['built by', s.built_by],
        ['size', `${num(t.rows)} rows, ${tok}, ${num(t.shards)} shards in ${num(t.partitions)} partitions, ${bytes(t.raw_bytes)} raw, ${bytes(t.stored_bytes)} stored`],
      ],
      [false, false],
    ),
    '',
  );
  out.push(
    section(
      'sources',
      s.sources.length === 0
        ? '(no row has meta.source)'
        : table(
            ['dataset', 'revision', 'rows'],
            s.sources.map((x) => [x.dataset, x.revision ?? '-', num(x.rows)]),
            [false, false, true],
          ),
    ),
  );
  const keyNames = s.groups.length > 0 ? Object.keys(s.groups[0].key) : ['source', 'split', 'phase'];
  out.push(
    section(
      `rows and tokens by ${keyNames.join(' × ')}`,
      table(
        [...keyNames, 'rows', 'rows %', 'tokens', 'tokens %'],
        [
          ...s.groups.map((g) => [...keyNames.map((k) => label(g.key[k] ?? null)), num(g.rows), pct(g.rows, t.rows), num(g.tokens), pct(g.tokens, t.tokens)]),
          [...keyNames.map((_, i) => (i === 0 ? 'total' : '')), num(t.rows), pct(t.rows, t.rows), num(t.tokens), pct(t.tokens, t.tokens)],
        ],
        [...keyNames.map(() => false), true, true, true, true],
      ),
    ),
  );
  out.push(
    section(
      'pipeline funnel (the tool chain, from --stats-from)',
      s.funnel.length === 0
        ? '(no tool chain recorded: build with --stats-from FILE for each step)'
        : table(
            ['#', 'tool', 'version', 'read', 'written', 'dropped', 'rejected', 'by reason'],
            [
              ...s.funnel.map((f) => [
                String(f.step),
                f.tool,
                f.version,
                num(f.read),
                num(f.written),
                num(f.dropped),
                num(f.rejected),
                Object.entries(f.reasons)
                  .map(([k, v]) => `${k} ${num(v)}`)
                  .join(', '),
              ]),
              [String(s.funnel.length + 1), 'manifest build', s.built_by.split(' ')[1] ?? '', '', num(t.rows), '', '', `${num(t.shards)} shards`],
            ],
            [true, false, false, true, true, true, true, false],
          ),
    ),
  );
  out.push(
    section(
      'lengths per split × phase',
      s.lengths === null ? '(not recorded: this manifest was built before length histograms; rebuild with manifest build)' : `${lengthTable(s.lengths)}\n(${LENGTHS_NOTE})`,
    ),
  );
  const gates = s.gates === null || s.gates.length === 0 ? ['none'] : s.gates.map((g) => `${g.passed ? 'passed' : 'FAILED'}  ${g.gate}${g.detail ? ` (${g.detail})` : ''}`);
  const verify = s.verify.ok
    ? [`ok: ${s.verify.shards_ok} of ${s.verify.shards} shards intact, checksums and counts match`]
    : [`FAILED: ${s.verify.shards_ok} of ${s.verify.shards} shards intact`, ...s.verify.problems];
  out.push(table(['gates', gates[0]], [...gates.slice(1).map((g) => ['', g]), ['verify', verify[0]], ...verify.slice(1).map((v) => ['', v])], [false, false]));
  return `${out.join('\n')}\n`;
}

export function renderStream(s: StreamSummary, topFields = 25): string {
  const out: string[] = [];
  const tok = s.tokenizer.estimate ? `~${num(s.tokens)} tokens (estimate)` : `${num(s.tokens)} tokens (${s.tokenizer.name})`;
  out.push(
    table(
      ['rows', `${num(s.rows)}, ${tok}`],
      [
        ['inputs', s.inputs.join(' ')],
        [
          'kinds',
          Object.entries(s.kinds)
            .sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))
            .map(([k, n]) => `${k} ${num(n)}`)
            .join(', ') || '-',
        ],
      ],
      [false, false],
    ),
    '',
  );
  const fields = [...s.fields].sort((a, b) => b.rows - a.rows || cmp(a.path, b.path));
  const shown = fields.slice(0, topFields);
  out.push(
    section(
      `fields (${fields.length > shown.length ? `the ${shown.length} most frequent of ${fields.length}` : `${fields.length}`})`,
      table(
        ['path', 'rows', 'rows %', 'types'],
        shown.map((f) => [
          f.path,
          num(f.rows),
          pct(f.rows, s.rows),
          Object.entries(f.types)
            .map(([k, n]) => `${k} ${num(n)}`)
            .join(', '),
        ]),
        [false, true, true, false],
      ),
    ),
  );
  out.push(
    section(
      'sources (dataset of meta.source)',
      table(
        ['dataset', 'rows', 'rows %'],
        s.sources.map((x) => [x.dataset, num(x.rows), pct(x.rows, s.rows)]),
        [false, true, true],
      ),
    ),
  );
  out.push(
    section(
      'splits × phases (meta.split, meta.phase)',
      table(
        ['split', 'phase', 'rows', 'rows %', 'tokens', 'tokens %'],
        s.splits.map((x) => [label(x.split), label(x.phase), num(x.rows), pct(x.rows, s.rows), num(x.tokens), pct(x.tokens, s.tokens)]),
        [false, false, true, true, true, true],
      ),
    ),
  );
  out.push(section('lengths', `${lengthTable([...s.lengths, s.all])}\n(${LENGTHS_NOTE})`));
  return out.join('\n');
}
