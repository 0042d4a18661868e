/**
 * Issue 13 bug 8: every request class hf-fetch makes goes through one retry path. For every test
 * repository and read mode (scenario), a clean run gives the reference output and the request
 * classes it used; then every fault (cut, reset, stall, 500, 429) is injected once into every one
 * of those classes, and the output must be byte-identical to the clean run. A fault that is never
 * used up fails the test (the table cannot silently test nothing). Then each class that fails for
 * good must give up with a message naming the class and the attempts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '@ldt/hf-fetch';
import { runInProcess, tmpDir } from '@ldt/testkit';
import { type Fault, MockHub, type RequestClass, requestClass } from './mock-hub.js';
import { addTestRepos, type TestRepos } from './repos.js';

interface Scenario {
  name: string;
  args: (r: TestRepos) => string[];
  token?: string;
}

const SCENARIOS: Scenario[] = [
  { name: 'parquet with card configs, cached', args: () => ['openai/gsm8k'] },
  { name: 'parquet, --no-cache (range reads, streamed card)', args: () => ['openai/gsm8k', '--no-cache'] },
  { name: 'parquet, --limit (range reads)', args: () => ['openai/gsm8k', '--split', 'train', '--limit', '3'] },
  { name: 'parquet, --list (footer range reads)', args: () => ['openai/gsm8k', '--list', '--no-cache'] },
  { name: 'JSON Lines, CDN and resolve-cache, cached', args: () => ['acme/chat'] },
  { name: 'JSON Lines, --no-cache (streamed)', args: () => ['acme/chat', '--no-cache'] },
  { name: 'JSON Lines, one file at an older commit', args: (r) => [`hf://datasets/acme/chat@${r.chatOld}/test.jsonl`] },
  { name: 'parquet conversion (--parquet-export)', args: () => ['acme/chat', '--parquet-export', '--split', 'test'] },
  { name: 'gated, with access', args: () => ['acme/gated'], token: 'hf_goodtoken123' },
  { name: 'private, with access', args: () => ['acme/private'], token: 'hf_goodtoken123' },
];

const FAULTS: Omit<Fault, 'times'>[] = [
  { kind: 'cut' },
  { kind: 'reset' },
  { kind: 'stall', stallMs: 5000 },
  { kind: '500' },
  { kind: '429', retryAfter: 0 },
];

function env(hub: MockHub, token?: string): Record<string, string> {
  return { HF_ENDPOINT: hub.hubUrl, HF_HUB_CACHE: tmpDir('hf-cache-'), LDT_HF_BACKOFF_MS: '1', ...(token ? { HF_TOKEN: token } : {}) };
}

function classesOf(hub: MockHub): RequestClass[] {
  const seen = new Set(hub.log.map((q) => requestClass(q.method, q.url.split('?')[0], q.server, q.range)));
  return [...seen].sort();
}

test('every fault in every request class of every test repository: output byte-identical to a clean run', async () => {
  const covered = new Set<string>();
  // One mock Hub per scenario, so the scenarios run side by side (stalls overlap) without sharing faults.
  const results = await Promise.all(
    SCENARIOS.map(async (sc) => {
      const hub = await new MockHub().start();
      try {
        const repos = addTestRepos(hub);
        const argv = sc.args(repos);
        const clean = await runInProcess(main, argv, { env: env(hub, sc.token) });
        assert.equal(clean.code, 0, `${sc.name}: clean run failed: ${clean.stderr}`);
        assert.ok(clean.stdout.length > 0, sc.name);
        const classes = classesOf(hub);
        const failures: string[] = [];
        for (const kind of classes) {
          for (const f of FAULTS) {
            const fault: Fault = { ...f, on: kind, times: 1 };
            hub.faults = [fault];
            // A stall is noticed after --timeout; the other runs keep the default.
            const extra = f.kind === 'stall' ? ['--timeout', '0.2'] : [];
            const r = await runInProcess(main, [...argv, ...extra], { env: env(hub, sc.token) });
            const label = `${sc.name} / ${kind} / ${f.kind}`;
            covered.add(`${kind}/${f.kind}`);
            if (fault.hits !== 1) failures.push(`${label}: the fault never fired`);
            else if (r.code !== 0) failures.push(`${label}: exit ${r.code}: ${r.stderr}`);
            else if (r.stdout !== clean.stdout) failures.push(`${label}: output differs from the clean run`);
            else if (!/warning: .*retry 1 of 5/.test(r.stderr)) failures.push(`${label}: no retry warning: ${r.stderr}`);
          }
        }
        return { name: sc.name, classes, failures };
      } finally {
        await hub.close();
      }
    }),
  );
  const failures = results.flatMap((r) => r.failures);
  assert.deepEqual(failures, []);
  // Every class hf-fetch uses for reading was exercised by some scenario.
  const all = new Set(results.flatMap((r) => r.classes));
  for (const k of ['info', 'auth-check', 'listing', 'resolve', 'download', 'range'] as RequestClass[]) assert.ok(all.has(k), `no scenario uses ${k}`);
  assert.ok(covered.size >= 6 * FAULTS.length);
});
