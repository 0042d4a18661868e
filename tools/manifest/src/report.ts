import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from '@ldt/errors';
import { outputTarget } from '@ldt/ndjson';
import type { Json } from '@ldt/schema';
import { cmp } from './fields.js';
import type { Manifest, SideFile } from './format.js';
import { BIN_COUNT, binLower, binUpper, Histogram, type HistogramJson } from './histogram.js';
import { funnelOf, gatesOf, lengthSummary, num } from './show.js';
import { readManifest } from './verify.js';

/**
 * The charting library: Chart.js (MIT), its minified UMD build inlined into the page, copied next
 * to this module at build time (scripts/vendor-chart.mjs). Chosen by size for what the charts need
 * (categorical stacked and grouped bars, horizontal bars, tooltips): chart.umd.min.js is 208 kB
 * (≈70 kB gzip) with no dependencies; uPlot is smaller (≈50 kB) but has no categorical or stacked
 * bars; ECharts' full build is ≈1 MB, Vega-Lite + Vega + vega-embed ≈800 kB; Observable Plot needs
 * d3 bundled with it (≈300 kB and a bundler step).
 */
function chartJsSource(): string {
  return readFileSync(new URL('./chart.umd.min.js.txt', import.meta.url), 'utf8');
}

/** One chart: Chart.js bar chart data; the page draws it into `<canvas id>`. */
interface ChartSpec {
  id: string;
  labels: string[];
  datasets: { label: string; data: number[] }[];
  stacked: boolean;
  horizontal: boolean;
  xTitle: string;
  yTitle: string;
}

interface Section {
  title: string;
  note?: string;
  /** Charts with their numbers tables; or a message saying why there is no chart. */
  items: ({ chart: ChartSpec; caption: string; table: string } | { message: string })[];
}

function esc(s: unknown): string {
  return String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

function label(v: Json | undefined): string {
  return v === null || v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

function htmlTable(head: string[], rows: (string | number)[][], numeric: boolean[]): string {
  const cell = (tag: string, c: string | number, i: number) => `<${tag}${numeric[i] ? ' class="n"' : ''}>${esc(typeof c === 'number' ? num(c) : c)}</${tag}>`;
  return `<table><thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function binLabel(b: number): string {
  const lo = binLower(b);
  const hi = binUpper(b);
  if (b < 8) return String(lo);
  return Number.isFinite(hi) ? `${num(lo)}–${num(hi - 1)}` : `≥ ${num(lo)}`;
}

/** The bins from the first to the last non-empty one across histograms (the empty ones between kept, so shapes read right). */
function binRange(hs: Histogram[]): number[] {
  let lo = BIN_COUNT;
  let hi = -1;
  for (const h of hs)
    for (let b = 0; b < BIN_COUNT; b++)
      if (h.counts[b] > 0) {
        lo = Math.min(lo, b);
        hi = Math.max(hi, b);
      }
  const out: number[] = [];
  for (let b = lo; b <= hi; b++) out.push(b);
  return out;
}

const NOT_RECORDED =
  'Not recorded: this dataset was built before manifest build recorded a profile (length histograms, licences, clusters, PII). Rebuild it with manifest build to see this chart.';

function composition(m: Manifest): Section {
  const groups = m.groups ?? [];
  const keyNames = groups.length > 0 ? Object.keys(groups[0].key).filter((k) => k !== 'split' && k !== 'phase') : ['source'];
  const seriesOf = (g: (typeof groups)[number]) => keyNames.map((k) => label(g.key[k])).join(' · ');
  const cellOf = (g: (typeof groups)[number]) => `${label(g.key.split)} / ${label(g.key.phase)}`;
  const cells = [...new Set(groups.map(cellOf))].sort(cmp);
  const series = [...new Set(groups.map(seriesOf))].sort(cmp);
  const chart = (what: 'rows' | 'tokens'): ChartSpec => ({
    id: `composition-${what}`,
    labels: cells,
    datasets: series.map((s) => ({ label: s, data: cells.map((c) => groups.filter((g) => seriesOf(g) === s && cellOf(g) === c).reduce((a, g) => a + g[what], 0)) })),
    stacked: true,
    horizontal: false,
    xTitle: 'split / phase',
    yTitle: what,
  });
  const t = m.totals;
  const table = htmlTable(
    [...keyNames, 'split', 'phase', 'rows', 'rows %', 'tokens', 'tokens %'],
    [
      ...groups.map((g) => [...keyNames.map((k) => label(g.key[k])), label(g.key.split), label(g.key.phase), g.rows, pct(g.rows, t.rows), g.tokens, pct(g.tokens, t.tokens)]),
      ['total', ...keyNames.map(() => ''), '', t.rows, '100.0%', t.tokens, '100.0%'],
    ],
    [...keyNames.map(() => false), false, false, true, true, true, true],
  );
  return {
    title: `Rows and tokens by ${keyNames.join(' × ')} × split × phase`,
    note: m.tokenizer?.estimate ? 'Tokens are an estimate: ceil(UTF-8 bytes / 4) per text.' : `Tokens counted with ${m.tokenizer?.name}.`,
    items: [
      { chart: chart('rows'), caption: 'Rows, stacked by source', table },
      { chart: chart('tokens'), caption: 'Tokens, stacked by source', table: '<p class="same">Numbers: the table above.</p>' },
    ],
  };
}

function lengths(m: Manifest): Section {
  const p = m.profile;
  if (!p) return { title: 'Length distributions', items: [{ message: NOT_RECORDED }] };
  const items: Section['items'] = [];
  const measures: ['chars' | 'tokens' | 'turns', string][] = [
    ['chars', 'characters'],
    ['tokens', 'tokens'],
    ['turns', 'turns (messages of chat rows)'],
  ];
  for (const dim of ['split', 'phase'] as const) {
    const values = [...new Set(p.lengths.map((l) => label(l[dim])))].sort(cmp);
    for (const [measure, title] of measures) {
      const hs = values.map((v) => {
        const h = new Histogram();
        for (const l of p.lengths) if (label(l[dim]) === v) h.merge(l[measure] as HistogramJson);
        return h;
      });
      if (hs.every((h) => h.rows === 0)) {
        items.push({ message: `${title} per ${dim}: no row measured (${measure === 'turns' ? 'no chat rows' : 'no rows'}).` });
        continue;
      }
      const bins = binRange(hs);
      const chart: ChartSpec = {
        id: `lengths-${measure}-by-${dim}`,
        labels: bins.map(binLabel),
        datasets: values.map((v, i) => ({ label: `${dim} ${v}`, data: bins.map((b) => (hs[i].rows > 0 ? Math.round((10000 * hs[i].counts[b]) / hs[i].rows) / 100 : 0)) })),
        stacked: false,
        horizontal: false,
        xTitle: `${title} (log-scale bins)`,
        yTitle: `% of the ${dim}'s rows`,
      };
      const sums = hs.map((h) => lengthSummary(h));
      const table = htmlTable(
        [title, ...values.map((v) => `${dim} ${v}: rows`)],
        [
          ...bins.map((b) => [binLabel(b), ...hs.map((h) => h.counts[b])]),
          ['rows measured', ...sums.map((s) => s.rows)],
          ['mean', ...sums.map((s) => (s.mean === null ? '-' : s.mean))],
          ['p50', ...sums.map((s) => (s.p50 === null ? '-' : s.p50))],
          ['p90', ...sums.map((s) => (s.p90 === null ? '-' : s.p90))],
          ['p99', ...sums.map((s) => (s.p99 === null ? '-' : s.p99))],
          ['max', ...sums.map((s) => (s.max === null ? '-' : s.max))],
        ],
        [false, ...values.map(() => true)],
      );
      items.push({ chart, caption: `${title[0].toUpperCase()}${title.slice(1)} per ${dim}`, table });
    }
  }
  return {
    title: 'Length distributions',
    note: `Characters: ${p.measures.chars}. Bins are fixed and log-scale (4 per power of two), so shards and partitions merge exactly; percentiles are interpolated inside a bin (within 25%).`,
    items,
  };
}

function funnel(m: Manifest): Section {
  const steps = funnelOf(m);
  if (steps.length === 0)
    return { title: 'Pipeline funnel', items: [{ message: 'No tool chain recorded: build with --stats-from FILE for each step of the pipeline to see the funnel.' }] };
  const reasons = [...new Set(steps.flatMap((s) => Object.keys(s.reasons)))].sort(cmp);
  const labels = [...steps.map((s) => `${s.step}. ${s.tool}`), `${steps.length + 1}. manifest build`];
  const chart: ChartSpec = {
    id: 'funnel',
    labels,
    datasets: [
      { label: 'written', data: [...steps.map((s) => s.written), m.totals.rows] },
      ...reasons.map((r) => ({ label: r, data: [...steps.map((s) => s.reasons[r] ?? 0), 0] })),
    ],
    stacked: true,
    horizontal: true,
    xTitle: 'rows',
    yTitle: 'step',
  };
  const table = htmlTable(
    ['step', 'tool', 'version', 'read', 'written', 'dropped', 'rejected', 'by reason'],
    [
      ...steps.map((s) => [
        s.step,
        s.tool,
        s.version,
        s.read,
        s.written,
        s.dropped,
        s.rejected,
        Object.entries(s.reasons)
          .map(([k, v]) => `${k} ${num(v)}`)
          .join(', '),
      ]),
      [steps.length + 1, 'manifest build', m.created_by?.version ?? '', m.totals.rows, m.totals.rows, 0, 0, `${num(m.totals.shards)} shards`],
    ],
    [true, false, false, true, true, true, true, false],
  );
  return {
    title: 'Pipeline funnel',
    note: 'Rows each step wrote, and what it dropped or rejected, by reason (from the --stats files of the tool chain).',
    items: [{ chart, caption: 'Rows per step', table }],
  };
}

function clusters(m: Manifest): Section {
  const p = m.profile;
  if (!p) return { title: 'Near-duplicate clusters', items: [{ message: NOT_RECORDED }] };
  if (!p.clusters) return { title: 'Near-duplicate clusters', items: [{ message: 'No row has meta.cluster: run dedup-near --mark in the pipeline to see cluster sizes.' }] };
  const h = Histogram.from(p.clusters.by_size);
  if (h.rows === 0) return { title: 'Near-duplicate clusters', items: [{ message: `${num(p.clusters.rows)} rows have meta.cluster, none has meta.cluster_size.` }] };
  const bins = binRange([h]);
  const chart: ChartSpec = {
    id: 'clusters',
    labels: bins.map(binLabel),
    datasets: [{ label: 'rows', data: bins.map((b) => h.counts[b]) }],
    stacked: false,
    horizontal: false,
    xTitle: 'cluster size (meta.cluster_size)',
    yTitle: 'rows',
  };
  const table = htmlTable(
    ['cluster size', 'rows', 'rows %'],
    [...bins.map((b) => [binLabel(b), h.counts[b], pct(h.counts[b], h.rows)]), ['rows with meta.cluster', p.clusters.rows, pct(p.clusters.rows, m.totals.rows)]],
    [false, true, true],
  );
  return {
    title: 'Near-duplicate clusters',
    note: 'Rows by the size of their near-duplicate cluster as dedup-near --mark recorded it (1: no near-duplicate).',
    items: [{ chart, caption: 'Rows by cluster size', table }],
  };
}

function pii(m: Manifest): Section {
  const p = m.profile;
  if (!p) return { title: 'PII', items: [{ message: NOT_RECORDED }] };
  if (!p.pii) return { title: 'PII', items: [{ message: 'No row has meta.pii_status: run redact-pii in the pipeline to see PII findings.' }] };
  const items: Section['items'] = [];
  const rows = p.pii.status.reduce((a, s) => a + s.rows, 0);
  items.push({
    chart: {
      id: 'pii-status',
      labels: p.pii.status.map((s) => s.status),
      datasets: [{ label: 'rows', data: p.pii.status.map((s) => s.rows) }],
      stacked: false,
      horizontal: true,
      xTitle: 'rows',
      yTitle: 'meta.pii_status',
    },
    caption: 'Rows by meta.pii_status',
    table: htmlTable(
      ['meta.pii_status', 'rows', 'rows %'],
      p.pii.status.map((s) => [s.status, s.rows, pct(s.rows, rows)]),
      [false, true, true],
    ),
  });
  const spans = Object.entries(p.pii.spans);
  if (spans.length > 0)
    items.push({
      chart: {
        id: 'pii-spans',
        labels: spans.map(([k]) => k),
        datasets: [{ label: 'spans', data: spans.map(([, n]) => n) }],
        stacked: false,
        horizontal: true,
        xTitle: 'spans',
        yTitle: 'type',
      },
      caption: 'Marked spans by type (meta.pii)',
      table: htmlTable(
        ['type', 'spans'],
        spans.map(([k, n]) => [k, n]),
        [false, true],
      ),
    });
  return { title: 'PII', items };
}

function licenses(m: Manifest): Section {
  const p = m.profile;
  if (!p) return { title: 'Licences', items: [{ message: NOT_RECORDED }] };
  const ls = p.licenses;
  const chart: ChartSpec = {
    id: 'licenses',
    labels: ls.map((l) => l.license ?? '(none)'),
    datasets: [{ label: 'rows', data: ls.map((l) => l.rows) }],
    stacked: false,
    horizontal: true,
    xTitle: 'rows',
    yTitle: 'meta.license',
  };
  const table = htmlTable(
    ['meta.license', 'rows', 'rows %', 'tokens', 'tokens %'],
    ls.map((l) => [l.license ?? '(none)', l.rows, pct(l.rows, m.totals.rows), l.tokens, pct(l.tokens, m.totals.tokens)]),
    [false, true, true, true, true],
  );
  return { title: 'Licences', note: 'Rows and tokens by meta.license (as hf-fetch took it from the dataset card).', items: [{ chart, caption: 'Rows by licence', table }] };
}

function header(m: Manifest, date: string): string {
  const tools = [...new Map([...(m.tool_chain ?? []).map((t) => [t.tool, t.version] as const), ['manifest', m.created_by?.version ?? '?'] as const])];
  const gates = gatesOf(m) ?? [];
  const t = m.totals;
  const facts: [string, string][] = [
    ['dataset id', m.dataset_id],
    ['rows', num(t.rows)],
    ['tokens', `${m.tokenizer?.estimate ? '~' : ''}${num(t.tokens)} (${m.tokenizer?.estimate ? 'estimate' : m.tokenizer?.name})`],
    ['shards', `${num(t.shards)} in ${num(t.partitions)} partitions, ${num(t.raw_bytes)} bytes raw, ${num(t.stored_bytes)} stored (${m.compression})`],
    ['tool versions', tools.map(([k, v]) => `${k} ${v}`).join(', ')],
    ['gates', gates.length === 0 ? 'none' : gates.map((g) => `${g.gate} ${g.passed ? 'passed' : 'FAILED'}${g.detail ? ` (${g.detail})` : ''}`).join('; ')],
    ['report date', date],
  ];
  const sources =
    (m.sources ?? []).length === 0
      ? '<p>No row has meta.source.</p>'
      : htmlTable(
          ['source dataset', 'revision', 'rows'],
          m.sources.map((s) => [s.dataset, s.revision ?? '-', s.rows]),
          [false, false, true],
        );
  return `<header><h1>${esc(m.name)}</h1><dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl><h3>Sources</h3>${sources}</header>`;
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;color:#1b1f24;background:#fff}
h1{margin:0 0 8px;font-size:24px}h2{margin:32px 0 4px;border-bottom:1px solid #d0d7de;padding-bottom:4px}h3{margin:16px 0 4px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dt{color:#57606a}dd{margin:0;overflow-wrap:anywhere}
figure{margin:16px 0 24px}figcaption{font-weight:600;margin-bottom:4px}.chart{position:relative;height:300px}
table{border-collapse:collapse;margin-top:8px;font-size:12px}th,td{border:1px solid #d0d7de;padding:2px 8px;text-align:left}th{background:#f6f8fa}.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#57606a}.missing{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px}.same{color:#57606a;font-size:12px}
footer{margin-top:32px;color:#57606a;font-size:12px}`;

/** Draws every chart of the page; sets data-rendered on each canvas it drew. */
const DRAW = `(function(){
var PALETTE=['#4269d0','#efb118','#ff725c','#6cc5b0','#3ca951','#ff8ab7','#a463f2','#97bbf5','#9c6b4e','#9498a0'];
var specs=JSON.parse(document.getElementById('report-data').textContent);
Chart.defaults.animation=false;Chart.defaults.font.size=11;
specs.forEach(function(s){
  var canvas=document.getElementById(s.id);
  var chart=new Chart(canvas,{type:'bar',data:{labels:s.labels,datasets:s.datasets.map(function(d,i){return{label:d.label,data:d.data,backgroundColor:PALETTE[i%PALETTE.length],maxBarThickness:56};})},
    options:{responsive:true,maintainAspectRatio:false,indexAxis:s.horizontal?'y':'x',
      plugins:{legend:{display:s.datasets.length>1,position:'bottom'}},
      scales:{x:{stacked:s.stacked,title:{display:true,text:s.horizontal?s.xTitle:s.xTitle}},y:{stacked:s.stacked,beginAtZero:true,title:{display:true,text:s.yTitle}}}}});
  canvas.setAttribute('data-rendered',String(chart.data.datasets.reduce(function(a,d){return a+d.data.length;},0)));
});
document.body.setAttribute('data-charts',String(specs.length));
})();`;

/** The report page for a manifest: one HTML string with Chart.js, styles and data inlined (no network). */
export function renderReport(m: Manifest, opts: { date: string; chartJs?: string }): string {
  const sections = [composition(m), lengths(m), funnel(m), clusters(m), pii(m), licenses(m)];
  const specs: ChartSpec[] = [];
  const body = sections
    .map((s) => {
      const items = s.items
        .map((it) => {
          if ('message' in it) return `<p class="missing">${esc(it.message)}</p>`;
          specs.push(it.chart);
          return `<figure><figcaption>${esc(it.caption)}</figcaption><div class="chart"><canvas id="${esc(it.chart.id)}" role="img" aria-label="${esc(it.caption)}"></canvas></div>${it.table}</figure>`;
        })
        .join('\n');
      return `<section><h2>${esc(s.title)}</h2>${s.note ? `<p class="note">${esc(s.note)}</p>` : ''}\n${items}</section>`;
    })
    .join('\n');
  // JSON inside <script>: `<` escaped so no `</script>` can end the element early.
  const data = JSON.stringify(specs).replaceAll('<', '\\u003c');
  const chartJs = (opts.chartJs ?? chartJsSource()).replaceAll('</script', '<\\/script');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.name)} — ldt dataset report</title>
<style>${STYLE}</style></head>
<body>
${header(m, opts.date)}
${body}
<footer>Written by manifest report from ${esc('manifest.json')} (${esc(m.format)}). Charts: Chart.js (MIT), inlined. Every chart's numbers are in the table beneath it.</footer>
<script id="report-data" type="application/json">${data}</script>
<script>${chartJs}</script>
<script>${DRAW}</script>
</body></html>
`;
}

export interface ReportResult {
  path: string;
  bytes: number;
  /** Written inside DIR and recorded in manifest.json's side_files. */
  recorded: boolean;
  warnings: string[];
}

/** The report date: SOURCE_DATE_EPOCH (seconds) when set, for reproducible pages; else now. UTC, to the second. */
export function reportDate(env: Record<string, string | undefined> = process.env): string {
  const e = env.SOURCE_DATE_EPOCH;
  const d = e !== undefined && /^\d+$/.test(e) ? new Date(Number(e) * 1000) : new Date();
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  // A device or FIFO (`--out /dev/stdout`) is written in place: renaming over it would replace it.
  const target = outputTarget(path);
  if (target.fd !== undefined) return writeFileSync(target.fd, data);
  if (target.direct) return writeFile(path, data, { flag: 'a' });
  const tmp = `${target.path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, target.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Write the report of the manifest folder `dir` to `outFile` (default `dir/report.html`),
 * atomically. A report inside `dir` is recorded in manifest.json's `side_files` (path, sha256,
 * bytes), so `manifest verify` accepts it and a rebuild replaces it; one elsewhere is not.
 */
export async function writeReport(dir: string, outFile: string | undefined, env: Record<string, string | undefined> = process.env): Promise<ReportResult> {
  const m = await readManifest(dir);
  const out = outFile ?? join(dir, 'report.html');
  const rel = relative(resolve(dir), resolve(out));
  const inside = !rel.startsWith('..') && !rel.startsWith(sep) && rel !== '';
  if (inside) {
    const taken = new Set(['manifest.json', 'croissant.json', ...m.shards.map((s) => s.path)]);
    if (rel.includes(sep) || taken.has(rel))
      throw new UsageError(
        `-o ${out}: inside the dataset folder a report goes at its top, next to manifest.json, and must not replace one of its files`,
        'give -o DIR/NAME.html or a path outside the folder',
      );
  }
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`-o ${out} is a folder; give a file name such as report.html`);
  const html = renderReport(m, { date: reportDate(env) });
  const buf = Buffer.from(html);
  await atomicWrite(out, buf);
  const warnings: string[] = [];
  if (!m.profile) warnings.push(`${dir} was built before manifest recorded length histograms and licences; those charts say so (rebuild to see them)`);
  if (inside) {
    const entry: SideFile = { path: rel.split(sep).join('/'), sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length, written_by: 'manifest report' };
    m.side_files = [...(m.side_files ?? []).filter((f) => f.path !== entry.path), entry].sort((a, b) => cmp(a.path, b.path));
    await atomicWrite(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  }
  return { path: out, bytes: buf.length, recorded: inside, warnings };
}
