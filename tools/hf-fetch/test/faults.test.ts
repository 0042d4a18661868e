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
import { type Fault, MockHub, type RequestClass, requestClass, sha256 } from './mock-hub.js';
import { addTestRepos, fx, type TestRepos } from './repos.js';

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

const FAULTS: Omit<Fault, 'times'>[] = [{ kind: 'cut' }, { kind: 'reset' }, { kind: 'stall', stallMs: 5000 }, { kind: '500' }, { kind: '429', retryAfter: 0 }];

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

test('a request class that keeps failing gives up after --retries, naming the class and the attempts', async () => {
  const hub = await new MockHub().start();
  try {
    addTestRepos(hub);
    const cases: [RequestClass, Fault['kind'], string[], RegExp][] = [
      [
        'info',
        '500',
        ['openai/gsm8k'],
        /^hf-fetch: dataset openai\/gsm8k: giving up on the dataset info request \(GET \/api\/datasets\/…\/revision\/…\) after 2 attempts over [\d.]+ s of waiting: HTTP 500/m,
      ],
      [
        'auth-check',
        '429',
        ['acme/gated'],
        /^hf-fetch: dataset acme\/gated: giving up on the access check \(GET \/api\/datasets\/…\/auth-check\) after 2 attempts .*: HTTP 429.*\n {2}hint: the Hub is rate-limiting/m,
      ],
      [
        'listing',
        'cut',
        ['openai/gsm8k'],
        /^hf-fetch: dataset openai\/gsm8k: giving up on the file listing \(GET \/api\/datasets\/…\/tree\/…\) after 2 attempts .*: connection cut after \d+ bytes of the body/m,
      ],
      ['resolve', 'reset', ['openai/gsm8k'], /^hf-fetch: README\.md of openai\/gsm8k: giving up on the file metadata request \(HEAD \/datasets\/…\/resolve\/…\) after 2 attempts/m],
      ['download', '503', ['openai/gsm8k'], /^hf-fetch: openai\/gsm8k\/README\.md: giving up on the file download \(GET on the resolved file URL\) after 2 attempts .*: HTTP 503/m],
      [
        'range',
        'stall',
        ['openai/gsm8k', '--limit', '1', '--timeout', '0.2'],
        /^hf-fetch: openai\/gsm8k\/main\/train-00000-of-00001\.parquet: giving up on the parquet range read \(GET with Range on the resolved file URL\) after 2 attempts .*: connection stalled after \d+ bytes of the body \(timeout/m,
      ],
    ];
    for (const [on, kind, argv, want] of cases) {
      const fault: Fault = { on, kind, stallMs: 5000, times: 1000 };
      hub.faults = [fault];
      const r = await runInProcess(main, [...argv, '--retries', '1'], { env: env(hub, argv[0] === 'acme/gated' ? 'hf_goodtoken123' : undefined) });
      assert.equal(r.code, 1, `${on}: ${r.stderr}`);
      assert.equal(fault.hits, 2, `${on}: the first try and one retry`);
      assert.match(r.stderr, want);
      assert.equal(r.stdout, '', on);
    }
  } finally {
    await hub.close();
  }
});

test('giving up after rows were written: the rows are a valid prefix, and the message says how many', async () => {
  const hub = await new MockHub().start();
  try {
    addTestRepos(hub);
    const clean = await runInProcess(main, ['openai/gsm8k'], { env: env(hub) });
    assert.equal(clean.code, 0, clean.stderr);
    // The train file is read (and its rows written) before the test file is downloaded.
    const testBlob = `/blob/${sha256(fx('gsm8k-test.parquet'))}`;
    hub.faults = [{ kind: '500', times: 1000, match: (q) => q.path === testBlob }];
    const r = await runInProcess(main, ['openai/gsm8k', '--retries', '2'], { env: env(hub) });
    assert.equal(r.code, 1);
    const written = r.stdout.split('\n').length - 1;
    assert.ok(written > 0);
    assert.ok(clean.stdout.startsWith(r.stdout), 'the rows written are the start of the full output');
    assert.match(r.stderr, new RegExp(`giving up on the file download .* after 3 attempts .*: HTTP 500[^\\n]* \\(after ${written} rows had been written\\)`));
    assert.match(r.stderr, new RegExp(`hint: the ${written} rows written to stdout are complete and in order: the first ${written} rows of the full output`));
  } finally {
    await hub.close();
  }
});
