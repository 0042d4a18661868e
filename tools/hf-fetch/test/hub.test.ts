import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '@ldt/hf-fetch';
import { parseNdjson, repoRoot, runInProcess, sharedData, tmpDir } from '@ldt/testkit';
import { MockHub, sha256 } from './mock-hub.js';
import { addTestRepos, fx } from './repos.js';

const jsonlRows = (name: string) => parseNdjson(fx(name).toString('utf8'));

let hub: MockHub;
let gsmSha: string;
let chatOld: string;
let chatSha: string;
let convertSha: string;

before(async () => {
  hub = await new MockHub().start();
  ({ gsmSha, chatOld, chatSha, convertSha } = addTestRepos(hub));
});

after(() => hub.close());

function env(extra: Record<string, string> = {}, cache = tmpDir('hf-cache-')): Record<string, string> {
  return { HF_ENDPOINT: hub.hubUrl, HF_HUB_CACHE: cache, LDT_HF_BACKOFF_MS: '5', ...extra };
}

function run(argv: string[], e: Record<string, string>) {
  return runInProcess(main, argv, { env: e });
}

test('reads a Hub dataset at the resolved commit, through the HF cache layout', async () => {
  const cache = tmpDir('hf-cache-');
  hub.log = [];
  const r = await run(['openai/gsm8k', '--split', 'train'], env({}, cache));
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  const want = jsonlRows('gsm8k-train.jsonl');
  assert.equal(rows.length, want.length);
  rows.forEach((row, i) => {
    assert.equal(row.question, want[i].question);
    assert.equal(row.answer, want[i].answer);
    assert.deepEqual(row.meta, { source: `hf://datasets/openai/gsm8k@${gsmSha}/main/train-00000-of-00001.parquet?config=main&split=train#${i}`, license: 'mit' });
  });
  // Cache: refs/main → commit; snapshot entry is a relative symlink to the sha256-named blob.
  const repoDir = join(cache, 'datasets--openai--gsm8k');
  assert.equal(readFileSync(join(repoDir, 'refs', 'main'), 'utf8'), gsmSha);
  const snap = join(repoDir, 'snapshots', gsmSha, 'main', 'train-00000-of-00001.parquet');
  assert.ok(lstatSync(snap).isSymbolicLink());
  const blob = sha256(fx('gsm8k-train.parquet'));
  assert.equal(readlinkSync(snap), `../../../blobs/${blob}`);
  assert.deepEqual(readFileSync(join(repoDir, 'blobs', blob)), fx('gsm8k-train.parquet'));
  assert.deepEqual(
    readdirSync(join(repoDir, 'blobs')).filter((f) => f.endsWith('.incomplete')),
    [],
  );
  // Pinned: every file was resolved at the commit, never at "main".
  const resolves = hub.requests('hub').filter((q) => q.url.includes('/resolve/'));
  assert.ok(resolves.length >= 2);
  for (const q of resolves) assert.ok(q.url.includes(`/resolve/${gsmSha}/`), q.url);
  // The tree listing was paginated (page size 2) and every page followed.
  assert.ok(hub.requests('hub').filter((q) => q.url.includes('/tree/') && q.url.includes('cursor=')).length >= 2);
});

test('the token goes to the Hub only, never to the CDN after a redirect, and never into messages', async () => {
  hub.log = [];
  const r = await run(['openai/gsm8k', '--split', 'test'], env({ HF_TOKEN: 'hf_goodtoken123' }));
  assert.equal(r.code, 0, r.stderr);
  const cdn = hub.requests('cdn');
  assert.ok(cdn.length > 0);
  for (const q of cdn) assert.equal(q.authorization, undefined, `token sent to the CDN: ${q.url}`);
  for (const q of hub.requests('hub')) assert.equal(q.authorization, 'Bearer hf_goodtoken123');
  const bad = await run(['openai/gsm8k'], env({ HF_TOKEN: 'hf_revokedtoken789' }));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^hf-fetch: the Hub rejected the access token \(hf_\*\*\*\): invalid credentials/);
  assert.ok(!bad.stderr.includes('hf_revokedtoken789'));
});

test('the token file is used when HF_TOKEN is unset', async () => {
  const home = tmpDir('hf-home-');
  writeFileSync(join(home, 'token'), 'hf_goodtoken123\n');
  const r = await run(['acme/private'], { ...env(), HF_HOME: home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout)[0].a, 2);
});

test('missing or private: 401 anonymous vs 404 with a token, each with what to do', async () => {
  const anon = await run(['acme/nothing-here'], env());
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /^hf-fetch: dataset acme\/nothing-here not found, or it is private \(request id Root=1-test-\d+\)\n {2}hint: check the name .*set HF_TOKEN/);
  const withToken = await run(['acme/nothing-here'], env({ HF_TOKEN: 'hf_othertoken456' }));
  assert.equal(withToken.code, 1);
  assert.match(withToken.stderr, /not found, or your token has no access to it \(private\)/);
  const priv = await run(['acme/private'], env());
  assert.equal(priv.code, 1);
  assert.match(priv.stderr, /dataset acme\/private not found, or it is private/);
  const ok = await run(['acme/private'], env({ HF_TOKEN: 'hf_goodtoken123' }));
  assert.equal(ok.code, 0, ok.stderr);
});

test('gated: anonymous, not authorized, authorized', async () => {
  const anon = await run(['acme/gated'], env());
  assert.equal(anon.code, 1);
  assert.match(anon.stderr, /dataset acme\/gated is gated: you must be logged in/);
  assert.ok(anon.stderr.includes(`accept the conditions at ${hub.hubUrl}/datasets/acme/gated, then set HF_TOKEN`), anon.stderr);
  const other = await run(['acme/gated'], env({ HF_TOKEN: 'hf_othertoken456' }));
  assert.equal(other.code, 1);
  assert.match(other.stderr, /is gated and this token's account is not on its authorized list/);
  const ok = await run(['acme/gated'], env({ HF_TOKEN: 'hf_goodtoken123' }));
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(parseNdjson(ok.stdout)[0].meta && (parseNdjson(ok.stdout)[0].meta as { license: string }).license, 'cc-by-4.0');
});

test('429 with Retry-After is waited out, then the run succeeds', async () => {
  hub.faults.push({ kind: '429', retryAfter: 1, times: 1, match: (q) => q.server === 'hub' && q.path.includes('/revision/') });
  const t0 = Date.now();
  const r = await run(['openai/gsm8k', '--split', 'test', '--limit', '1'], env());
  const took = Date.now() - t0;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /hf-fetch: warning: dataset openai\/gsm8k: HTTP 429 Too Many Requests; retry 1 of 5 in 1\.0 s/);
  assert.ok(took >= 950, `waited only ${took} ms`);
  assert.equal(parseNdjson(r.stdout).length, 1);
});

test('a request with no answer times out (--timeout) and is retried', async () => {
  hub.faults.push({ kind: 'hang', hangMs: 3000, times: 1, match: (q) => q.server === 'hub' && q.path.includes('/revision/') });
  const t0 = Date.now();
  const r = await run(['openai/gsm8k', '--split', 'test', '--limit', '1', '--timeout', '0.3'], env());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /dataset openai\/gsm8k: timeout \(no answer within 0\.3 s\); retry 1 of 5/);
  assert.ok(Date.now() - t0 < 2500);
});

test('5xx is retried with backoff, and given up on after --retries with a clear message', async () => {
  hub.faults.push({ kind: '503', times: 2, match: (q) => q.server === 'cdn' });
  const r = await run(['openai/gsm8k', '--split', 'test'], env());
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stderr.match(/HTTP 503/g) ?? []).length, 2);
  assert.equal(parseNdjson(r.stdout).length, 12);
  const fault = { kind: '503' as const, times: 1000, match: (q: { server: string }) => q.server === 'cdn' };
  hub.faults.push(fault);
  const g = await run(['openai/gsm8k', '--split', 'test', '--retries', '2'], env());
  fault.times = 0;
  assert.equal(g.code, 1);
  assert.match(
    g.stderr,
    /openai\/gsm8k\/main\/test-00000-of-00001\.parquet: giving up on the file download \(GET on the resolved file URL\) after 3 attempts over [\d.]+ s of waiting: HTTP 503/,
  );
  assert.match(g.stderr, /hint: check the network/);
});

test('a download cut midway resumes with Range and the cached file is whole', async () => {
  const cache = tmpDir('hf-cache-');
  hub.log = [];
  hub.faults.push({ kind: 'cut', times: 1, match: (q) => q.server === 'cdn' && q.method === 'GET' });
  const r = await run(['acme/chat', '--split', 'train'], env({}, cache));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /download cut at byte \d+ of \d+ .*resuming/);
  const resumed = hub.requests('cdn').filter((q) => q.range && /^bytes=[1-9]\d*-$/.test(q.range));
  assert.equal(resumed.length, 1);
  const raw = fx('gsm8k-train.jsonl').toString('utf8').trimEnd().split('\n');
  const out = r.stdout.trimEnd().split('\n');
  assert.equal(out.length, raw.length);
  // JSON Lines rows keep every byte outside meta.
  for (let i = 0; i < out.length; i++) assert.equal(out[i], `${raw[i].slice(0, -1)},"meta":${JSON.stringify(parseNdjson(out[i])[0].meta)}}`, `row ${i}`);
  assert.deepEqual(readFileSync(join(cache, 'datasets--acme--chat', 'blobs', sha256(fx('gsm8k-train.jsonl')))), fx('gsm8k-train.jsonl'));
});

test('SIGTERM during a download leaves no .incomplete blob and no temporary in the cache', async () => {
  const cache = tmpDir('hf-cache-');
  // Half of the body, then silence: the download is under way when the signal comes.
  hub.faults.push({ kind: 'stall', stallMs: 5000, times: 1, match: (q) => q.server === 'cdn' && q.method === 'GET' });
  const child = spawn(process.execPath, [join(repoRoot(), 'tools', 'hf-fetch', 'bin', 'hf-fetch.js'), 'acme/chat', '--split', 'train', '--timeout', '60'], {
    env: { ...process.env, ...env({}, cache) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, sig) => res(sig)));
  const blobs = join(cache, 'datasets--acme--chat', 'blobs');
  const partial = () => (existsSync(blobs) ? readdirSync(blobs).filter((f) => f.endsWith('.incomplete') && statSync(join(blobs, f)).size > 0) : []);
  const t0 = Date.now();
  while (partial().length === 0) {
    assert.ok(Date.now() - t0 < 20_000, `no partial download appeared: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 'SIGTERM', stderr);
  hub.faults = [];
  const left = readdirSync(join(cache, 'datasets--acme--chat'), { recursive: true }).map(String);
  assert.deepEqual(
    left.filter((f) => /\.incomplete$|\.tmp(-\d+)?$/.test(f)),
    [],
  );
});

test('--no-cache streams (resuming a cut body) and writes nothing to disk', async () => {
  const cache = tmpDir('hf-cache-');
  hub.faults.push({ kind: 'cut', times: 1, match: (q) => q.server === 'cdn' && q.method === 'GET' });
  const r = await run(['acme/chat', '--no-cache', '--split', 'train'], env({}, cache));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout).length, 30);
  assert.deepEqual(readdirSync(cache), []);
});

test('--limit reads parquet by ranges, only the row groups needed', async (t) => {
  const cache = tmpDir('hf-cache-');
  hub.log = [];
  const r = await run(['openai/gsm8k', '--split', 'train', '--limit', '3'], env({}, cache));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout).length, 3);
  const cdn = hub.requests('cdn').filter((q) => q.method === 'GET');
  assert.ok(cdn.length > 0 && cdn.every((q) => q.range !== undefined));
  // A partial read is never cached as if whole.
  assert.ok(!existsSync(join(cache, 'datasets--openai--gsm8k', 'snapshots', gsmSha, 'main', 'train-00000-of-00001.parquet')));
  // On a file larger than the footer read (512 KB), --limit reads a fraction of it.
  const big = sharedData('gsm8k/verl_gsm8k_train.parquet');
  if (!big) return t.skip('../shared/data is absent: the byte count check needs gsm8k/verl_gsm8k_train.parquet');
  const content = readFileSync(big);
  hub.addRepo('verl/gsm8k-train', { 'data/train-00000-of-00001.parquet': content });
  hub.log = [];
  const b = await run(['verl/gsm8k-train', '--limit', '10'], env({}, cache));
  assert.equal(b.code, 0, b.stderr);
  assert.equal(parseNdjson(b.stdout).length, 10);
  const bytes = hub.requests('cdn').reduce((n, q) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(q.range ?? '');
    return n + (m ? Number(m[2]) - Number(m[1]) + 1 : content.length);
  }, 0);
  assert.ok(bytes < content.length / 3, `read ${bytes} bytes of ${content.length}`);
});

test('HF_HUB_OFFLINE=1 answers from the cache alone and names what is missing', async () => {
  const cache = tmpDir('hf-cache-');
  const online = await run(['openai/gsm8k', '--split', 'train'], env({}, cache));
  assert.equal(online.code, 0, online.stderr);
  hub.log = [];
  const off = await run(['openai/gsm8k', '--split', 'train'], env({ HF_HUB_OFFLINE: '1' }, cache));
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.stdout, online.stdout);
  assert.equal(hub.log.length, 0);
  const missing = await run(['openai/gsm8k', '--split', 'test'], env({ HF_HUB_OFFLINE: '1' }, cache));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /HF_HUB_OFFLINE=1: 1 of the 1 files needed are not in the cache \(.*\): main\/test-00000-of-00001\.parquet/);
  const empty = await run(['openai/gsm8k'], env({ HF_HUB_OFFLINE: '1' }));
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /HF_HUB_OFFLINE=1: revision "main" of dataset openai\/gsm8k is not in the cache/);
  assert.equal(hub.log.length, 0);
});

test('splits from file names; small git files via resolve-cache; big integers and blank lines kept', async () => {
  const stats = join(tmpDir(), 's.json');
  const r = await run(['acme/chat', '--split', 'test', '--stats', stats], env());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `{"question":"q1","answer":"12345678901234567890","meta":{"source":"hf://datasets/acme/chat@${chatSha}/test.jsonl?config=default&split=test#0","license":"apache-2.0"}}\n` +
      `{"question":"q2","answer":"2","meta":{"source":"hf://datasets/acme/chat@${chatSha}/test.jsonl?config=default&split=test#1","license":"apache-2.0"}}\n`,
  );
  assert.match(r.stderr, /read 2, wrote 2, dropped 0, skipped 1 blank line; acme\/chat@[0-9a-f]{12} config default, split test, 1 file/);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.sha, chatSha);
  assert.deepEqual(
    s.notes.files.map((f: { path: string; rows: number }) => [f.path, f.rows]),
    [['test.jsonl', 2]],
  );
});

test('--revision reads an older commit; hf://…@rev/path reads one file', async () => {
  const r = await run(['acme/chat', '--revision', chatOld, '--split', 'test'], env());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout)[0].question, 'old');
  assert.ok(r.stdout.includes(`@${chatOld}/test.jsonl`));
  const u = await run([`hf://datasets/acme/chat@${chatOld}/test.jsonl`], env());
  assert.equal(u.code, 0, u.stderr);
  assert.equal(parseNdjson(u.stdout)[0].question, 'old');
  const nope = await run(['acme/chat', '--revision', 'no-such-branch'], env());
  assert.equal(nope.code, 1);
  assert.match(nope.stderr, /dataset acme\/chat has no revision "no-such-branch"/);
});

test('--parquet-export reads refs/convert/parquet, licence from the main card', async () => {
  const r = await run(['acme/chat', '--parquet-export', '--split', 'test', '--limit', '2'], env());
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[1].meta, { source: `hf://datasets/acme/chat@${convertSha}/default/test/0000.parquet?config=default&split=test#1`, license: 'apache-2.0' });
  const l = await run(['acme/chat', '--parquet-export', '--list'], env());
  assert.equal(l.code, 0, l.stderr);
  const list = parseNdjson(l.stdout);
  assert.deepEqual(list[1], { kind: 'config', config: 'default', default: true, splits: ['train', 'test'] });
  assert.equal(list.find((x) => x.kind === 'split' && x.split === 'train')?.rows, 30);
});

test('a missing split or config is a usage error naming what exists', async () => {
  const s = await run(['openai/gsm8k', '--split', 'validation'], env());
  assert.equal(s.code, 2);
  assert.match(s.stderr, /^hf-fetch: dataset openai\/gsm8k, config "main" has no split "validation"; its splits are: train, test\n/);
  const c = await run(['openai/gsm8k', '--config', 'socratic'], env());
  assert.equal(c.code, 2);
  assert.match(c.stderr, /has no config "socratic"; its configs are: main/);
});

test('the real GSM8K parquet served by the mock Hub reads to the same rows as the JSONL', async (t) => {
  const pq = sharedData('gsm8k/verl_gsm8k_test.parquet');
  const jl = sharedData('gsm8k/test.jsonl');
  if (!pq || !jl) return t.skip('../shared/data is absent');
  hub.addRepo('verl/gsm8k', { 'data/test-00000-of-00001.parquet': readFileSync(pq) });
  const r = await run(['verl/gsm8k', '--no-cache', '--columns', 'extra_info', '--no-meta'], env());
  assert.equal(r.code, 0, r.stderr);
  const got = parseNdjson(r.stdout).map((x) => x.extra_info as { question: string; answer: string });
  const want = parseNdjson(readFileSync(jl, 'utf8'));
  assert.equal(got.length, want.length);
  got.forEach((g, i) => {
    assert.equal(g.question, want[i].question, `row ${i}`);
    assert.equal(g.answer, want[i].answer, `row ${i}`);
  });
});

test('issue 13 item 9: a truncated .zst file of a Hub dataset is named in the message, cached or streamed', async () => {
  const zst = fx('gsm8k-train.jsonl.zst');
  hub.addRepo('acme/zst', { 'train.jsonl.zst': zst.subarray(0, Math.floor(zst.length / 2)) });
  for (const extra of [[], ['--no-cache']]) {
    const r = await run(['acme/zst', ...extra], env());
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^hf-fetch: acme\/zst\/train\.jsonl\.zst: corrupt or truncated zstd data/m, extra.join(' '));
  }
});

test('a mistyped dataset id: the Hub search suggests the closest ids; on a search error the message stays', async () => {
  hub.addRepo('Magpie-Align/magpie-llama-3.1-pro-300k-filtered', { 'data/train-00000-of-00001.parquet': fx('gsm8k-test.parquet') });
  hub.addRepo('Magpie-Align/magpie-llama-3.1-pro-1m-filtered', { 'data/train-00000-of-00001.parquet': fx('gsm8k-test.parquet') });
  hub.addRepo('Magpie-Align/Magpie-Pro-DPO-100K', { 'data/train-00000-of-00001.parquet': fx('gsm8k-test.parquet') });
  hub.log = [];
  const r = await run(['Magpie-Align/magpie-llama-3.1-pro-300k_filtered'], env());
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^hf-fetch: dataset Magpie-Align\/magpie-llama-3\.1-pro-300k_filtered not found, or it is private \(request id Root=1-test-\d+\); did you mean Magpie-Align\/magpie-llama-3\.1-pro-300k-filtered\?\n {2}hint: check the name/,
  );
  const searches = hub.requests('hub').filter((q) => q.url.startsWith('/api/datasets?'));
  assert.ok(searches.length >= 1);
  assert.ok(searches.every((q) => new URL(q.url, hub.hubUrl).searchParams.get('limit') === '100'));
  // A wrong owner (case): found by the words of the name alone.
  const o = await run(['magpie-align/magpie-llama-3.1-pro-1m-filtere'], env());
  assert.match(o.stderr, /; did you mean Magpie-Align\/magpie-llama-3\.1-pro-1m-filtered\?\n/);
  // Two close ids (one and two edits away): both, closest first.
  hub.addRepo('Magpie-Align/magpie-llama-3.1-pro-300k-filtered-v2', { 'data/train-00000-of-00001.parquet': fx('gsm8k-test.parquet') });
  const two = await run(['Magpie-Align/magpie-llama-3.1-pro-300k-filtered-v'], env());
  assert.match(two.stderr, /; did you mean Magpie-Align\/magpie-llama-3\.1-pro-300k-filtered-v2 or Magpie-Align\/magpie-llama-3\.1-pro-300k-filtered\?\n/);
  // Nothing close: the message as before.
  const far = await run(['acme/nothing-here'], env());
  assert.match(far.stderr, /^hf-fetch: dataset acme\/nothing-here not found, or it is private \(request id Root=1-test-\d+\)\n/);
  // A private dataset stays hidden from a search without access.
  const p = await run(['acme/privat'], env());
  assert.doesNotMatch(p.stderr, /did you mean/);
  const pt = await run(['acme/privat'], env({ HF_TOKEN: 'hf_goodtoken123' }));
  assert.match(pt.stderr, /did you mean acme\/private\?/);
  // The search failing (500 on every try, or cut) changes nothing but the hint's absence.
  for (const kind of ['500', 'cut'] as const) {
    const fault = { kind, on: 'search' as const, times: 1000, hits: 0 };
    hub.faults.push(fault);
    const f = await run(['Magpie-Align/magpie-llama-3.1-pro-300k_filtered'], env());
    fault.times = 0;
    assert.equal(f.code, 1);
    assert.ok(fault.hits >= 1, kind);
    assert.match(
      f.stderr,
      /^hf-fetch: dataset Magpie-Align\/magpie-llama-3\.1-pro-300k_filtered not found, or it is private \(request id Root=1-test-\d+\)\n {2}hint: check the name/,
      kind,
    );
    assert.doesNotMatch(f.stderr, /warning/, kind);
  }
  // A rate-limited search is not waited out (Retry-After: 60): the message comes at once, as before.
  const slow = { kind: '429' as const, retryAfter: 60, on: 'search' as const, times: 1000 };
  hub.faults.push(slow);
  const t0 = Date.now();
  const rl = await run(['Magpie-Align/magpie-llama-3.1-pro-300k_filtered'], env());
  slow.times = 0;
  assert.ok(Date.now() - t0 < 20000, `took ${Date.now() - t0} ms`);
  assert.equal(rl.code, 1);
  assert.doesNotMatch(rl.stderr, /did you mean|warning/);
  // One cut search answer is retried: the suggestion still comes.
  hub.faults.push({ kind: 'cut', on: 'search', times: 1 });
  const c = await run(['Magpie-Align/magpie-llama-3.1-pro-300k_filtered'], env());
  assert.match(c.stderr, /did you mean Magpie-Align\/magpie-llama-3\.1-pro-300k-filtered\?/);
  // Offline: no request at all, the message as before.
  const off = await run(['Magpie-Align/magpie-llama-3.1-pro-300k_filtered'], env({ HF_HUB_OFFLINE: '1' }));
  assert.equal(off.code, 1);
  assert.doesNotMatch(off.stderr, /did you mean/);
});

test('a dataset defined by a loading script reads the Hub parquet conversion, saying so; without one it fails naming the script', async () => {
  const card = '---\nlicense: mit\n---\n# HellaSwag (test copy)\n';
  const mainSha = hub.addRepo('Rowan/hellaswag', { 'README.md': card, 'hellaswag.py': 'import datasets\n', 'dataset_infos.json': '{}' }, { cardData: { license: 'mit' } });
  const conv = hub.addRepo('Rowan/hellaswag', { 'default/train/0000.parquet': fx('gsm8k-train.parquet'), 'default/validation/0000.parquet': fx('gsm8k-test.parquet') });
  const repo = hub.repos.get('Rowan/hellaswag');
  assert.ok(repo);
  repo.refs.main = mainSha;
  repo.refs['refs/convert/parquet'] = conv;
  const stats = join(tmpDir(), 's.json');
  const cache = tmpDir('hf-cache-');
  const r = await run(['Rowan/hellaswag', '--split', 'validation', '--stats', stats], env({}, cache));
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^hf-fetch: warning: dataset Rowan\/hellaswag is defined by the loading script hellaswag\.py, which hf-fetch does not run; reading the Hub's parquet conversion of it \(refs\/convert\/parquet\) instead/m,
  );
  const rows = parseNdjson(r.stdout);
  const want = jsonlRows('gsm8k-test.jsonl');
  assert.equal(rows.length, want.length);
  assert.equal(rows[0].question, want[0].question);
  assert.deepEqual(rows[2].meta, {
    source: `hf://datasets/Rowan/hellaswag@${conv}/default/validation/0000.parquet?config=default&split=validation#2`,
    license: 'mit',
    converted_from: `hf://datasets/Rowan/hellaswag@${mainSha}/hellaswag.py`,
  });
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.revision, 'refs/convert/parquet');
  assert.equal(s.notes.sha, conv);
  // Offline: from the cache filled above; with an empty cache, the script is named.
  const off = await run(['Rowan/hellaswag', '--split', 'validation'], env({ HF_HUB_OFFLINE: '1' }, cache));
  assert.equal(off.code, 0, off.stderr);
  assert.equal(off.stdout, r.stdout);
  const offEmpty = await run(['Rowan/hellaswag'], env({ HF_HUB_OFFLINE: '1' }));
  assert.equal(offEmpty.code, 1);
  // (an empty cache has no main revision either: the usual offline message)
  assert.match(offEmpty.stderr, /HF_HUB_OFFLINE=1: revision "main" of dataset Rowan\/hellaswag is not in the cache/);
  const mainOnly = tmpDir('hf-cache-');
  assert.equal((await run(['hf://datasets/Rowan/hellaswag/dataset_infos.json'], env({}, mainOnly))).code, 0);
  const offMain = await run(['Rowan/hellaswag'], env({ HF_HUB_OFFLINE: '1' }, mainOnly));
  assert.equal(offMain.code, 1);
  assert.match(
    offMain.stderr,
    /^hf-fetch: dataset Rowan\/hellaswag is defined by the loading script hellaswag\.py, which hf-fetch does not run; HF_HUB_OFFLINE=1 and its parquet conversion \(refs\/convert\/parquet\) is not in the cache\n {2}hint: run once without HF_HUB_OFFLINE=1/,
  );
  // --list shows the conversion's configs and splits.
  const l = await run(['Rowan/hellaswag', '--list'], env());
  assert.equal(l.code, 0, l.stderr);
  assert.deepEqual(parseNdjson(l.stdout)[1], { kind: 'config', config: 'default', default: true, splits: ['train', 'validation'] });
  // A pinned revision: the conversion is of main only.
  const pinned = await run(['Rowan/hellaswag', '--revision', mainSha], env());
  assert.equal(pinned.code, 1);
  assert.match(
    pinned.stderr,
    /is defined by the loading script hellaswag\.py, which hf-fetch does not run; the Hub's parquet conversion of it \(refs\/convert\/parquet\) is of the main branch only\n {2}hint: drop --revision/,
  );
  // No conversion: an error naming the script and what to do.
  hub.addRepo('acme/scripted', { 'README.md': '# scripted\n', 'scripted.py': 'import datasets\n' });
  const none = await run(['acme/scripted'], env());
  assert.equal(none.code, 1);
  assert.equal(none.stdout, '');
  assert.match(
    none.stderr,
    /^hf-fetch: dataset acme\/scripted is defined by the loading script scripted\.py, which hf-fetch does not run, and the Hub has no parquet conversion of it \(no refs\/convert\/parquet branch\)\n {2}hint: look on the Hub for a copy .*run scripted\.py with the Python datasets library/,
  );
  // A repository with data files beside a script reads the data files as before.
  hub.addRepo('acme/both', { 'both.py': 'import datasets\n', 'train.jsonl': '{"a":1}\n' });
  const both = await run(['acme/both', '--no-meta'], env());
  assert.equal(both.code, 0, both.stderr);
  assert.equal(both.stdout, '{"a":1}\n');
});
