import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Manifest, main } from '@ldt/manifest';
import { repoRoot, runInProcess, runShell, tmpDir } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * The final-dataset example: the README demo's pipeline (step 1 of examples/demo.sh) over
 * examples/, every step's --stats recorded in the tool chain, then manifest build.
 */
let example: string | undefined;
function buildExample(): string {
  example ??= buildExampleOnce();
  const copy = join(tmpDir(), 'dataset');
  cpSync(example, copy, { recursive: true });
  return copy;
}

function buildExampleOnce(): string {
  const tmp = tmpDir();
  const stats = join(tmp, 'stats');
  mkdirSync(stats);
  const tools = ['hf-fetch', 'to-chatml', 'normalize-encoding', 'dedup-exact', 'dedup-near', 'split-holdout', 'curriculum-route'];
  const s = (t: string) => `--stats ${stats}/${t}.json`;
  const r = runShell(
    `export PATH="$PWD/node_modules/.bin:$PATH"; set -e
{ hf-fetch examples/hf-fetch-gsm8k --split train ${s('hf-fetch')}; cat examples/chat.ndjson; } \\
  | to-chatml ${s('to-chatml')} | normalize-encoding ${s('normalize-encoding')} | dedup-exact ${s('dedup-exact')} \\
  | dedup-near --mark ${s('dedup-near')} | split-holdout --group-by meta.cluster --ratios train=0.8,val=0.1,test=0.1 ${s('split-holdout')} \\
  | curriculum-route --config examples/demo-curriculum.yaml ${s('curriculum-route')} > ${tmp}/routed.ndjson
manifest build --quiet --name example-final-dataset --out-dir ${tmp}/dataset ${tools.map((t) => `--stats-from ${stats}/${t}.json`).join(' ')} ${tmp}/routed.ndjson`,
  );
  assert.equal(r.code, 0, r.stderr);
  return join(tmp, 'dataset');
}

/** A dataset with PII findings, licences, clusters and two phases (what redact-pii and dedup-near --mark write). */
function piiDataset(): string {
  const tmp = tmpDir();
  const rows = Array.from({ length: 40 }, (_, i) => ({
    messages: Array.from({ length: 2 + (i % 4) }, (_, j) => ({ role: j % 2 ? 'assistant' : 'user', content: `turn ${j} of row ${i} `.repeat(1 + ((i * 7) % 30)) })),
    meta: {
      source: `org/${i % 3 ? 'chat' : 'web'}@abc123:part-${i % 2}.parquet#${i}`,
      license: ['mit', 'cc-by-4.0', 'apache-2.0'][i % 3],
      cluster: `c${Math.floor(i / 4)}`,
      cluster_size: i < 8 ? 4 : 1,
      pii_status: i % 5 === 0 ? 'redacted' : 'clean',
      ...(i % 5 === 0 ? { pii: [{ path: 'messages.0.content', start: 0, end: 4, type: i % 10 ? 'EMAIL' : 'PHONE' }] } : {}),
      split: i % 5 === 4 ? 'test' : 'train',
      phase: i % 2 ? 'sft' : 'cpt',
    },
  }));
  const f = join(tmp, 'rows.ndjson');
  writeFileSync(f, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const r = runShell(`node tools/manifest/bin/manifest.js build -q -o ${tmp}/ds ${f}`);
  assert.equal(r.code, 0, r.stderr);
  return join(tmp, 'ds');
}

test('manifest report: one self-contained page, recorded as a side file that verify accepts and a rebuild replaces', async () => {
  const dir = buildExample();
  const r = await runInProcess(main, ['report', dir], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  // Self-contained: no external script, style, image or font.
  assert.ok(!/<script[^>]+src=|<link[^>]+href=|url\(http|<img[^>]+src="http/.test(html), 'no external resource');
  assert.ok(html.includes('Chart.js v4'), 'Chart.js inlined');
  assert.ok(html.includes('report date</dt><dd>2026-01-01 00:00:00 UTC'), 'SOURCE_DATE_EPOCH sets the date');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(m.side_files?.length, 1);
  assert.equal(m.side_files?.[0].path, 'report.html');
  assert.equal((await runInProcess(main, ['verify', dir])).code, 0);
  // An edited report is named by verify; writing it again mends that.
  writeFileSync(join(dir, 'report.html'), html.replace('<h1>', '<h1>edited '));
  const v = await runInProcess(main, ['verify', dir]);
  assert.equal(v.code, 1);
  assert.match(v.stderr, /report\.html: altered: not the file manifest report wrote/);
  assert.equal((await runInProcess(main, ['report', dir])).code, 0);
  assert.equal((await runInProcess(main, ['verify', dir])).code, 0);
  // Outside the folder: written, not recorded; into a shard's place: refused.
  const outside = join(tmpDir(), 'r.html');
  assert.equal((await runInProcess(main, ['report', dir, '-o', outside])).code, 0);
  assert.ok(existsSync(outside));
  const bad = await runInProcess(main, ['report', dir, '-o', join(dir, m.shards[0].path)]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must not replace one of its files/);
  // A rebuild replaces the folder, report included (it described the old data).
  const rb = await runInProcess(main, ['build', '-q', '-o', dir, join(repoRoot(), 'examples', 'manifest-mix.ndjson')]);
  assert.equal(rb.code, 0, rb.stderr);
  assert.ok(!existsSync(join(dir, 'report.html')));
  assert.equal((await runInProcess(main, ['verify', dir])).code, 0);
});

test('manifest report of a dataset built before the profile: the charts that need it say so', async () => {
  const dir = join(tmpDir(), 'old');
  assert.equal((await runInProcess(main, ['build', '-q', '-o', dir, join(repoRoot(), 'examples', 'manifest-mix.ndjson')])).code, 0);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  delete m.profile;
  delete m.gates;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
  const r = await runInProcess(main, ['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /built before manifest recorded length histograms/);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.equal(html.match(/Not recorded: this dataset was built before/g)?.length, 4, 'lengths, clusters, PII, licences');
  assert.match(html, /<canvas id="composition-rows"/);
});

test('the report of the example dataset in headless Chromium: every chart drawn, no console error, no network request; screenshot', async (t) => {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') assert.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium (apt-get install -y chromium)`);
    t.skip(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser test`);
    return;
  }
  const dir = buildExample();
  const rr = await runInProcess(main, ['report', dir], { env: { SOURCE_DATE_EPOCH: '1767225600' } });
  assert.equal(rr.code, 0, rr.stderr);
  const pii = piiDataset();
  assert.equal((await runInProcess(main, ['report', pii])).code, 0);
  const { chromium } = await import('playwright-core');
  const profile = tmpDir('ldt-chromium-');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
  });
  try {
    for (const [page, want] of [
      [
        join(dir, 'report.html'),
        ['composition-rows', 'composition-tokens', 'lengths-chars-by-split', 'lengths-tokens-by-phase', 'lengths-turns-by-split', 'funnel', 'clusters', 'licenses'],
      ],
      [join(pii, 'report.html'), ['composition-rows', 'lengths-chars-by-phase', 'lengths-turns-by-phase', 'pii-status', 'pii-spans', 'licenses', 'clusters']],
    ] as const) {
      const errors: string[] = [];
      const requests: string[] = [];
      const url = pathToFileURL(page).href;
      await ctx.route('**/*', (route) => {
        const u = route.request().url();
        if (u !== url) requests.push(u);
        return u === url ? route.continue() : route.abort();
      });
      const p = ctx.pages()[0] ?? (await ctx.newPage());
      p.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      p.on('pageerror', (e) => errors.push(String(e)));
      p.on('request', (req) => {
        if (req.url() !== url) requests.push(req.url());
      });
      await p.goto(url, { waitUntil: 'load' });
      // Runs in the page (a string: this package compiles without the DOM types).
      const charts = (await p.evaluate(`(() => {
      const out = [];
      for (const c of document.querySelectorAll('canvas')) {
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
        out.push({ id: c.id, points: Number(c.getAttribute('data-rendered') || 0), painted, width: c.width, height: c.height });
      }
      return { declared: Number(document.body.getAttribute('data-charts') || -1), figures: document.querySelectorAll('figure').length, canvases: out };
    })()`)) as { declared: number; figures: number; canvases: { id: string; points: number; painted: number; width: number; height: number }[] };
      assert.deepEqual(errors, [], 'console errors');
      assert.deepEqual(requests, [], 'network requests');
      assert.ok(charts.canvases.length >= want.length, `charts: ${charts.canvases.map((c) => c.id).join(', ')}`);
      assert.equal(charts.declared, charts.canvases.length, 'every chart spec drew a canvas');
      assert.equal(charts.figures, charts.canvases.length);
      for (const c of charts.canvases) {
        assert.ok(c.width > 100 && c.height > 100, `${c.id}: ${c.width}x${c.height}`);
        assert.ok(c.points > 0, `${c.id}: no data points`);
        assert.ok(c.painted > 2000, `${c.id}: only ${c.painted} painted pixels`);
      }
      for (const id of want)
        assert.ok(
          charts.canvases.some((c) => c.id === id),
          id,
        );
      if (page !== join(dir, 'report.html')) continue;
      const shot = join(tmpDir(), 'report.png');
      await p.screenshot({ path: shot, fullPage: false });
      assert.ok(readFileSync(shot).length > 10_000);
      if (UPDATE) {
        const docs = join(pkgDir, 'docs');
        mkdirSync(docs, { recursive: true });
        copyFileSync(shot, join(docs, 'example-report.png'));
        copyFileSync(page, join(docs, 'example-report.html'));
      }
    }
  } finally {
    await ctx.close();
  }
});
