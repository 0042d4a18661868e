#!/usr/bin/env node
// The short summary of an example pipeline, from the --stats JSON files its steps wrote and the
// manifest it built: rows read/kept/dropped per step with the reasons, then splits, phases and
// tokens. Deterministic (no times, no absolute paths), so examples/<name>/expected-summary.txt can
// be compared with it.
//   node examples/summary.mjs NAME OUT_DIR STEP... (reads OUT_DIR/stats/STEP.json, OUT_DIR/dataset/manifest.json)
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const [name, out, ...steps] = process.argv.slice(2);
if (!name || !out || steps.length === 0) {
  console.error('usage: node examples/summary.mjs NAME OUT_DIR STEP...');
  process.exit(2);
}
const reasons = (o) =>
  Object.entries(o ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
const lines = [`${name}: outputs in ${isAbsolute(out) ? out : `examples/${name}/${out}`}/`];
const w = Math.max(...steps.map((s) => s.length));
lines.push(`  ${'step'.padEnd(w)}  ${'read'.padStart(6)}  ${'kept'.padStart(6)}  dropped (reason)`);
for (const step of steps) {
  const s = JSON.parse(readFileSync(join(out, 'stats', `${step}.json`), 'utf8'));
  const gone = s.dropped_total + s.rejected_total;
  const why = [reasons(s.dropped), reasons(s.rejected)].filter(Boolean).join(', ');
  let extra = '';
  const n = s.notes ?? {};
  if (s.tool === 'curriculum-route') {
    if (s.written > s.read - gone) extra += ` (+${s.written - (s.read - gone)} repeated copies)`;
    extra += `; phases: ${n.phases.map((p) => `${p.phase} ${p.rows}`).join(', ')}`;
  }
  if (s.tool === 'dedup-near' && n.marked) extra += `; marked ${reasons(n.marked) || 0} (${n.clusters} clusters, ${n.rows_in_clusters} rows)`;
  if (s.tool === 'split-holdout' && n.splits) {
    extra += `; ${Object.entries(n.splits)
      .map(([k, v]) => `${k} ${v.rows}`)
      .join(', ')}`;
    if (n.holdout) extra += ` (${n.holdout.rows_matched + n.holdout.rows_with_group} held out to ${n.holdout.split})`;
  }
  if (s.tool === 'normalize-encoding' && n.rows_changed) extra += `; repaired ${n.rows_changed} rows (${reasons(n.fixes)})`;
  if (s.tool === 'redact-pii' && n.rows_scanned !== undefined) extra += `; with PII ${n.rows_with_pii} rows${n.rows_with_pii ? ` (${reasons(n.spans)})` : ''}`;
  lines.push(`  ${step.padEnd(w)}  ${String(s.read).padStart(6)}  ${String(s.written).padStart(6)}  ${gone}${why ? ` (${why})` : ''}${extra}`);
}
const leak = join(out, 'leakage.txt');
if (existsSync(leak))
  lines.push(
    `  leakage gate: ${readFileSync(leak, 'utf8')
      .trim()
      .split('\n')
      .pop()
      .replace(/^split-holdout check: /, '')}`,
  );
const mf = join(out, 'dataset', 'manifest.json');
if (existsSync(mf)) {
  const m = JSON.parse(readFileSync(mf, 'utf8'));
  const by = (key) => {
    const acc = new Map();
    for (const g of m.groups) {
      const k = g.key[key] ?? '-';
      const a = acc.get(k) ?? { rows: 0, tokens: 0 };
      a.rows += g.rows;
      a.tokens += g.tokens;
      acc.set(k, a);
    }
    return [...acc].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  };
  const fmt = (key) =>
    by(key)
      .map(([k, a]) => `${k} ${a.rows} rows / ${a.tokens} tokens`)
      .join(', ');
  const tok = m.tokenizer?.estimate ? ' (estimate: UTF-8 bytes / 4)' : ` (${m.tokenizer?.name})`;
  lines.push(`  dataset: ${m.totals.rows} rows, ${m.totals.tokens} tokens${tok}, ${m.totals.shards} shards in ${m.totals.partitions} partitions; manifest verify passed`);
  if (m.groups.some((g) => g.key.split != null)) lines.push(`  splits: ${fmt('split')}`);
  if (m.groups.some((g) => g.key.phase != null)) lines.push(`  phases: ${fmt('phase')}`);
  const fam = m.group_by?.find((k) => k !== 'split' && k !== 'phase');
  if (fam && m.group_by.length === 1 && fam.includes('family')) lines.push(`  families: ${fmt(fam)}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
