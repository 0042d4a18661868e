import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRegistry, main, parseRegistry, registrySchema } from '@ldt/hf-fetch';
import { parseNdjson, type RunResult, repoRoot, runInProcess, tmpDir } from '@ldt/testkit';
import { MockHub } from './mock-hub.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
const SHIPPED = join(repoRoot(), 'configs', 'datasets', 'registry.yaml');
const GSM8K_DIR = join(repoRoot(), 'examples', 'hf-fetch-gsm8k');
const BIN = join(repoRoot(), 'node_modules', '.bin');

let hub: MockHub;
let chatOld: string;
let chatSha: string;

before(async () => {
  hub = await new MockHub().start();
  const train = readFileSync(join(fixtures, 'gsm8k-train.jsonl'));
  chatOld = hub.addRepo('acme/chat', { 'train.jsonl': '{"question":"old?","answer":"0"}\n' }, { cardData: { license: 'apache-2.0' } });
  chatSha = hub.addRepo('acme/chat', { 'train.jsonl': train });
  const chat = hub.repos.get('acme/chat');
  assert.ok(chat);
  chat.refs.main = chatSha;
  hub.addRepo('acme/math', { 'test.jsonl': '{"question":"1+1?","answer":"2"}\n{"question":"2+2?","answer":"4"}\n' }, { cardData: { license: 'mit' } });
  hub.addRepo('acme/other', { 'train.jsonl': '{"a":1}\n' });
});

after(async () => {
  await hub.close();
});

/** A child process (asynchronous, so the mock Hub in this process keeps answering). */
function spawnAsync(cmd: string, argv: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, LDT_HF_BACKOFF_MS: '5', ...opts.env };
    for (const k of ['LDT_REGISTRY', 'HF_TOKEN']) if (opts.env?.[k] === undefined) delete env[k];
    const c = spawn(cmd, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => out.push(b));
    c.stderr.on('data', (b: Buffer) => err.push(b));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

const hubEnv = () => ({ HF_ENDPOINT: hub.hubUrl, HF_HUB_CACHE: tmpDir('hf-cache-'), LDT_HF_BACKOFF_MS: '5' });

/**
 * hf-fetch in-process with `cwd` as the working directory (discovery starts there). Tests in a file
 * run one at a time, so changing the directory for the length of one call is safe; it is restored.
 */
async function hfFetch(argv: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const back = process.cwd();
  process.chdir(cwd);
  try {
    return await runInProcess(main, argv, { env: { ...hubEnv(), ...env } });
  } finally {
    process.chdir(back);
  }
}

interface DatasetSpec {
  id?: string;
  path?: string;
  status?: 'enabled' | 'disabled';
  approver?: string | null;
  approved?: string | null;
  revision?: string;
  license?: string;
  extra?: string;
}

/** A registry text: `enabled` and the datasets of one category (`chat`), with a small pipeline template. */
function registryText(enabled: boolean, datasets: DatasetSpec[], category = 'chat'): string {
  const items = datasets.map((d) =>
    [
      d.id !== undefined ? `      - id: ${d.id}` : `      - path: ${d.path}`,
      `        license: ${d.license ?? 'mit (registry)'}`,
      `        status: ${d.status ?? 'disabled'}`,
      ...(d.approver !== undefined ? [`        approver: ${d.approver ?? 'null'}`] : []),
      ...(d.approved !== undefined ? [`        approved: ${d.approved ?? 'null'}`] : []),
      ...(d.revision !== undefined ? [`        revision: ${d.revision}`] : []),
      ...(d.extra ? [d.extra] : []),
    ].join('\n'),
  );
  return `# a test registry\nversion: 2\nenabled: ${enabled}\nusage:\n  plan_template:\n    out_dir: out/{category}\n    steps:\n      - to-chatml\n      - dedup-exact\ncategories:\n  ${category}:\n    title: Chat\n    datasets:\n${items.join('\n')}\n`;
}

const approved = (id: string, extra: Partial<DatasetSpec> = {}): DatasetSpec => ({ id, status: 'enabled', approver: 'Data Gov', approved: '2026-12-01', ...extra });

/** A project folder holding `ldt-registry.yaml` (and a nested sub/deeper folder). */
function project(text: string): string {
  const dir = tmpDir('ldt-proj-');
  writeFileSync(join(dir, 'ldt-registry.yaml'), text);
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  return dir;
}

test('configs/registry.schema.json is the schema the validator uses', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(repoRoot(), 'configs', 'registry.schema.json'), 'utf8')), registrySchema);
});

test('the shipped registry: valid, the seven categories, every dataset and the registry disabled', async () => {
  const reg = await loadRegistry(SHIPPED);
  assert.equal(reg.enabled, false);
  assert.deepEqual(
    reg.categories.map((c) => c.name),
    ['general-sft', 'math', 'code', 'agent-tool-use', 'preference', 'pretraining', 'evaluation'],
  );
  for (const c of reg.categories) assert.ok(c.datasets.length > 0 && c.intended_use && c.license_hints, c.name);
  const ids = reg.entries.map((e) => e.id);
  for (const id of [
    'HuggingFaceH4/ultrachat_200k',
    'lmsys/lmsys-chat-1m',
    'HuggingFaceFW/fineweb',
    'openai/gsm8k',
    'cais/mmlu',
    'truthful_qa',
    'bigcode/the-stack-v2',
    'Anthropic/hh-rlhf',
  ])
    assert.ok(ids.includes(id), id);
  assert.ok(reg.entries.every((e) => e.status === 'disabled' && e.approver === null && e.license.length > 0));
  assert.ok((reg.usage?.activation_steps ?? []).length >= 4);
  assert.deepEqual(reg.usage?.plan_template?.steps, ['to-chatml', 'normalize-encoding', 'dedup-exact']);
  assert.ok(reg.legal?.compliance_notes && (reg.legal.contacts ?? []).length > 0);
  const c = await runInProcess(main, ['registry', 'check', SHIPPED]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /registry\.yaml is valid: 7 categories, 21 datasets \(0 enabled\); the registry is disabled/);
  // The shipped file is refused for a Hub dataset before any request.
  hub.log = [];
  const r = await runInProcess(main, ['openai/gsm8k', '--registry', SHIPPED], { env: { HF_ENDPOINT: hub.hubUrl } });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /dataset openai\/gsm8k is not approved in the dataset registry .*registry\.yaml \(categories\.math\.datasets\[0\], line \d+\): the registry is disabled \(enabled: false\); it has status: disabled/,
  );
  assert.equal(hub.log.length, 0);
});

test('discovery: ldt-registry.yaml in the working directory gates a Hub dataset', async () => {
  const dir = project(registryText(true, [{ id: 'acme/chat' }]));
  hub.log = [];
  const r = await hfFetch(['acme/chat'], dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^hf-fetch: dataset acme\/chat is not approved in the dataset registry ldt-registry\.yaml \(categories\.chat\.datasets\[0\], line 14\): it has status: disabled; refusing to fetch it\n/,
  );
  assert.match(r.stderr, /hint: review its licence \(mit \(registry\)\) and intended use, then approve it: hf-fetch registry enable acme\/chat --approver NAME --record REF/);
  const unlisted = await hfFetch(['acme/other'], dir);
  assert.equal(unlisted.code, 2);
  assert.match(unlisted.stderr, /dataset acme\/other is not in the dataset registry ldt-registry\.yaml; refusing to fetch it/);
  assert.equal(hub.log.length, 0, 'a refused dataset is not contacted');
});

test('discovery: found from a subfolder (any parent); the approved dataset is fetched with the registry licence', async () => {
  const dir = project(registryText(true, [approved('acme/chat')]));
  const r = await hfFetch(['acme/chat', '--limit', '2', '--stats', 'stats.json'], join(dir, 'sub', 'deeper'));
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0].meta, { source: `hf://datasets/acme/chat@${chatSha}/train.jsonl?config=default&split=train#0`, license: 'mit (registry)' });
  const stats = JSON.parse(readFileSync(join(dir, 'sub', 'deeper', 'stats.json'), 'utf8'));
  assert.deepEqual(stats.notes.registry, { source: 'discovered', file: '../../ldt-registry.yaml', enabled: true });
  // Refused from the subfolder too.
  const refused = await hfFetch(['acme/other'], join(dir, 'sub'));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /dataset acme\/other is not in the dataset registry \.\.\/ldt-registry\.yaml/);
});

test('discovery: LDT_REGISTRY points elsewhere, --registry wins over both', async () => {
  const dir = project(registryText(true, [{ id: 'acme/chat' }]));
  const elsewhere = join(tmpDir(), 'approved.yaml');
  writeFileSync(elsewhere, registryText(true, [approved('acme/chat', { license: 'from-env' })]));
  const flagged = join(tmpDir(), 'flag.yaml');
  writeFileSync(flagged, registryText(true, [approved('acme/chat', { license: 'from-flag' })]));
  const e = await hfFetch(['acme/chat', '--limit', '1'], dir, { LDT_REGISTRY: elsewhere });
  assert.equal(e.code, 0, e.stderr);
  assert.equal((parseNdjson(e.stdout)[0].meta as { license: string }).license, 'from-env');
  const f = await hfFetch(['acme/chat', '--limit', '1', '--registry', flagged], dir, { LDT_REGISTRY: elsewhere });
  assert.equal(f.code, 0, f.stderr);
  assert.equal((parseNdjson(f.stdout)[0].meta as { license: string }).license, 'from-flag');
  const missing = await hfFetch(['acme/chat'], dir, { LDT_REGISTRY: join(dir, 'nope.yaml') });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the registry .*nope\.yaml: no such file/);
});

test('--no-registry: the gate is off, and every row, --stats and the manifest tool chain say so', async () => {
  const dir = project(registryText(false, [{ id: 'acme/chat' }]));
  const r = await hfFetch(['acme/chat', '--limit', '3', '--no-registry', '--stats', 'fetch.json'], dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: the dataset registry gate is off \(--no-registry\)/);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 3);
  for (const row of rows) assert.equal((row.meta as { registry: string }).registry, 'off');
  assert.equal((rows[0].meta as { license: string }).license, 'apache-2.0', 'the card licence, not the registry one');
  const stats = JSON.parse(readFileSync(join(dir, 'fetch.json'), 'utf8'));
  assert.deepEqual(stats.notes.registry, { source: 'off' });
  assert.ok(stats.argv.includes('--no-registry'));
  writeFileSync(join(dir, 'rows.ndjson'), r.stdout);
  const m = await spawnAsync(join(BIN, 'manifest'), ['build', '--out-dir', 'ds', '--stats-from', 'fetch.json', 'rows.ndjson'], { cwd: dir });
  assert.equal(m.code, 0, m.stderr);
  const manifest = JSON.parse(readFileSync(join(dir, 'ds', 'manifest.json'), 'utf8'));
  assert.equal(manifest.tool_chain[0].tool, 'hf-fetch');
  assert.ok(manifest.tool_chain[0].argv.includes('--no-registry'));
  // Parquet rows (the fast path and worker threads) carry it too.
  const pq = await runInProcess(main, [join(fixtures, 'gsm8k-train.parquet'), '--no-registry', '--limit', '2', '--threads', '2']);
  assert.equal(pq.code, 0, pq.stderr);
  for (const row of parseNdjson(pq.stdout)) assert.equal((row.meta as { registry: string }).registry, 'off');
  // --registry and --no-registry contradict each other.
  const both = await runInProcess(main, ['acme/chat', '--registry', 'x.yaml', '--no-registry']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--registry and --no-registry contradict each other/);
});

test('discovery does not gate local folders and files unless the registry lists their path', async () => {
  const dir = project(registryText(false, [{ id: 'acme/chat' }, { path: 'data/listed.jsonl' }]));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'listed.jsonl'), '{"x":1}\n');
  writeFileSync(join(dir, 'data', 'free.jsonl'), '{"x":2}\n');
  const ex = await hfFetch([GSM8K_DIR, '--split', 'test', '--limit', '1'], dir);
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal((parseNdjson(ex.stdout)[0].meta as { license: string }).license, 'mit', 'the card licence: the registry does not list it');
  const free = await hfFetch(['data/free.jsonl'], dir);
  assert.equal(free.code, 0, free.stderr);
  const listed = await hfFetch(['listed.jsonl'], join(dir, 'data'));
  assert.equal(listed.code, 2);
  assert.match(
    listed.stderr,
    /listed\.jsonl is not approved in the dataset registry \.\.\/ldt-registry\.yaml .*: the registry is disabled \(enabled: false\); it has status: disabled/,
  );
  // The repository's own demo, tests and examples: no registry at or above the repository root.
  assert.equal(existsSync(join(repoRoot(), 'ldt-registry.yaml')), false);
});

test('refusals: registry disabled, dataset disabled, enabled without approver or date (naming them), a pinned revision', async () => {
  hub.log = [];
  const off = project(registryText(false, [approved('acme/chat')]));
  const a = await hfFetch(['acme/chat'], off);
  assert.equal(a.code, 2);
  assert.match(
    a.stderr,
    /acme\/chat is not approved .*: the registry is disabled \(enabled: false\); refusing to fetch it\n {2}hint: follow usage\.activation_steps in ldt-registry\.yaml, then set enabled: true there\n/,
  );
  const noApprover = project(registryText(true, [{ id: 'acme/chat', status: 'enabled', approver: null, approved: null }]));
  const b = await hfFetch(['acme/chat'], noApprover);
  assert.equal(b.code, 2);
  assert.match(
    b.stderr,
    /the dataset registry ldt-registry\.yaml is not valid \(1 problem\):\n {2}ldt-registry\.yaml:14: categories\.chat\.datasets\[0\]: acme\/chat has status: enabled but no approver and no approved; an approval needs both/,
  );
  const noDate = project(registryText(true, [{ id: 'acme/chat', status: 'enabled', approver: 'Data Gov' }]));
  const c = await hfFetch(['acme/chat'], noDate);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /acme\/chat has status: enabled but no approved; an approval needs both/);
  assert.equal(hub.log.length, 0, 'no request for a refused dataset');
  // A pinned revision is what is read; another one is refused.
  const pinned = project(registryText(true, [approved('acme/chat', { revision: chatOld })]));
  const d = await hfFetch(['acme/chat'], pinned);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(parseNdjson(d.stdout), [
    { question: 'old?', answer: '0', meta: { source: `hf://datasets/acme/chat@${chatOld}/train.jsonl?config=default&split=train#0`, license: 'mit (registry)' } },
  ]);
  const e = await hfFetch(['acme/chat', '--revision', 'main'], pinned);
  assert.equal(e.code, 2);
  assert.match(e.stderr, new RegExp(`pins acme/chat at ${chatOld}; refusing --revision main`));
  const f = await hfFetch(['acme/chat', '--parquet-export'], pinned);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /--parquet-export reads another revision/);
});

test('registry check: every problem with its line and path, exit 1; YAML errors; the version 1 layout', async () => {
  const dir = tmpDir();
  const file = join(dir, 'r.yaml');
  writeFileSync(
    file,
    [
      'version: 2',
      'enabled: yes-please',
      'categories:',
      '  chat:',
      '    datasets:',
      '      - id: acme/chat',
      '        license: mit',
      '        status: maybe',
      '        revision: main',
      '        colour: red',
      '      - id: acme/chat',
      '        path: data/x.jsonl',
      '        license: mit',
      '        status: disabled',
      '  Bad_Name:',
      '    datasets: []',
      '',
    ].join('\n'),
  );
  const r = await runInProcess(main, ['registry', 'check', file]);
  assert.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => /^hf-fetch registry check: .*:\d+: /.test(l));
  const want = [
    `${file}:2: enabled: expected boolean; got "yes-please"`,
    `${file}:8: categories.chat.datasets[0].status: must be one of enabled, disabled; got "maybe"`,
    `${file}:9: categories.chat.datasets[0].revision: expected a pinned commit sha (40 hex digits): hf-fetch reads it, the plan writes it; got "main"`,
    `${file}:10: categories.chat.datasets[0].colour: unknown key; expected one of id, path, license, intended_use, status, approver, approved, decision_record, revision, config, split, notes`,
    `${file}:11: categories.chat.datasets[1]: has both "id" and "path"; give one: id (a Hub dataset) or path (a local one)`,
    `${file}:11: categories.chat.datasets[1]: acme/chat is listed twice (also at categories.chat.datasets[0], line 6); list each dataset once`,
    `${file}:15: categories.Bad_Name: not a valid category name; expected lower-case letters, digits and '-'`,
  ];
  for (const w of want) assert.ok(lines.includes(`hf-fetch registry check: ${w}`), `missing: ${w}\n${r.stderr}`);
  assert.equal(lines.length, want.length, r.stderr);
  assert.match(r.stderr, /: 7 problems\n/);
  // The same registry given to a fetch: exit 2, the problems named, nothing fetched.
  const f = await runInProcess(main, ['acme/chat', '--registry', file]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /is not valid \(7 problems\):\n {2}.*r\.yaml:2: enabled: expected boolean/);
  writeFileSync(file, 'version: 2\nenabled: false\ncategories:\n  chat: {datasets: [\n');
  const y = await runInProcess(main, ['registry', 'check', file]);
  assert.equal(y.code, 1);
  assert.match(y.stderr, /r\.yaml:\d+: \(YAML\): invalid YAML: /);
  writeFileSync(file, 'datasets:\n- id: a/b\n  license: x\n  status: enabled\n');
  const v1 = await runInProcess(main, ['registry', 'check', file]);
  assert.equal(v1.code, 1);
  assert.match(v1.stderr, /r\.yaml:1: datasets: this is the version 1 layout/);
  writeFileSync(file, '');
  const empty = await runInProcess(main, ['registry', 'check', file]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /r\.yaml:1: \(top level\): expected a mapping with version, enabled and categories; got an empty file/);
  const none = await runInProcess(main, ['registry', 'check', join(dir, 'absent.yaml')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /cannot read the registry .*absent\.yaml: no such file/);
});

test('registry check --gate names each dataset the gate would refuse', async () => {
  const dir = project(registryText(true, [approved('acme/chat'), { id: 'acme/math' }]));
  const ok = await hfFetch(['registry', 'check', '--gate', 'acme/chat'], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /the gate lets through all 1 named/);
  const bad = await hfFetch(['registry', 'check', '--gate', 'acme/chat,acme/math,acme/nope'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not approved: acme\/math: it has status: disabled\n/);
  assert.match(bad.stderr, /not approved: acme\/nope: it is not listed\n/);
  assert.match(bad.stderr, /the gate of ldt-registry\.yaml refuses 2 of the 3 datasets named/);
  assert.doesNotMatch(bad.stderr, /not approved: acme\/chat/);
});

test('registry list: a table, --json, --category and --status filters', async () => {
  const file = join(tmpDir(), 'r.yaml');
  writeFileSync(file, registryText(true, [approved('acme/chat', { revision: chatOld }), { id: 'acme/math' }]));
  const t = await runInProcess(main, ['registry', 'list', '--registry', file]);
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(t.stdout.split('\n'), [
    'CATEGORY  DATASET    STATUS    APPROVER  APPROVED    REVISION      GATE    LICENSE',
    `chat      acme/chat  enabled   Data Gov  2026-12-01  ${chatOld.slice(0, 12)}  open    mit (registry)`,
    'chat      acme/math  disabled  -         -           -             closed  mit (registry)',
    '',
  ]);
  const j = await runInProcess(main, ['registry', 'list', '--registry', file, '--json', '--status', 'enabled']);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(parseNdjson(j.stdout), [
    {
      category: 'chat',
      id: 'acme/chat',
      license: 'mit (registry)',
      status: 'enabled',
      approver: 'Data Gov',
      approved: '2026-12-01',
      decision_record: null,
      revision: chatOld,
      intended_use: null,
      gate: 'open',
      line: 14,
      registry: file,
    },
  ]);
  const s = await runInProcess(main, ['registry', 'list', '--registry', SHIPPED, '--category', 'code', '--json']);
  assert.deepEqual(
    parseNdjson(s.stdout).map((x) => [x.id, x.status, x.gate]),
    [
      ['bigcode/the-stack-v2', 'disabled', 'closed'],
      ['ise-uiuc/Magicoder-OSS-Instruct-75K', 'disabled', 'closed'],
    ],
  );
  const bad = await runInProcess(main, ['registry', 'list', '--registry', SHIPPED, '--category', 'maths']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /has no category "maths"\n {2}hint: categories: general-sft, math, code/);
  const none = await hfFetch(['registry', 'list'], tmpDir());
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no dataset registry: none given, LDT_REGISTRY is not set, and there is no ldt-registry\.yaml in .* or any parent/);
  const help = await runInProcess(main, ['registry', '--help']);
  assert.equal(help.code, 0);
  for (const c of ['check', 'list', 'plan', 'enable']) assert.match(help.stdout, new RegExp(`^ {2}hf-fetch registry ${c} `, 'm'));
  const sub = await runInProcess(main, ['registry', 'plan', '--help']);
  assert.match(sub.stdout, /^hf-fetch registry plan \d+\.\d+\.\d+ — export the fetch plan of one category/);
  const unknown = await runInProcess(main, ['registry', 'approve']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "approve"; expected check, list, plan, enable/);
});

test('registry plan: the Makefile fails at the gate while disabled, and runs against the Hub once approved', async () => {
  const dir = project(registryText(false, [{ id: 'acme/chat', extra: '        split: train' }, { id: 'acme/math' }]));
  hub.log = [];
  const p = await spawnAsync(join(BIN, 'hf-fetch'), ['registry', 'plan', 'chat', '-o', 'plan.mk'], { cwd: dir });
  assert.equal(p.code, 0, p.stderr);
  const mk = readFileSync(join(dir, 'plan.mk'), 'utf8');
  assert.match(mk, /^# Plan for the category chat \(Chat\) of the dataset registry ldt-registry\.yaml\n# status: disabled\n/);
  assert.match(mk, /# {3}acme\/chat: the registry is disabled \(enabled: false\); it has status: disabled\n/);
  assert.match(mk, /\$\(HF_FETCH\) acme\/chat --split train --registry \$\(REGISTRY\) --stats \$\(OUT\)\/stats\/acme--chat\.0-hf-fetch\.json \\\n\t {2}\| to-chatml --stats/);
  // Deterministic, and the JSON form holds the same plan.
  const again = await hfFetch(['registry', 'plan', 'chat'], dir);
  assert.equal(again.stdout, mk);
  const j = await hfFetch(['registry', 'plan', 'chat', '--format', 'json'], dir);
  const plan = JSON.parse(j.stdout);
  assert.equal(plan.status, 'disabled');
  assert.deepEqual(
    plan.datasets.map((d: { dataset: string; output: string }) => [d.dataset, d.output]),
    [
      ['acme/chat', 'out/chat/acme--chat.ndjson'],
      ['acme/math', 'out/chat/acme--math.ndjson'],
    ],
  );
  // Running it while disabled: the gate names each dataset, nothing is fetched.
  const blocked = await spawnAsync('make', ['-f', 'plan.mk'], { cwd: dir });
  assert.notEqual(blocked.code, 0);
  assert.match(blocked.stderr, /not approved: acme\/chat: the registry is disabled \(enabled: false\); it has status: disabled/);
  assert.match(blocked.stderr, /not approved: acme\/math: the registry is disabled/);
  assert.equal(existsSync(join(dir, 'out', 'chat', 'acme--chat.ndjson')), false);
  assert.equal(hub.log.length, 0);
  // Approve both (one pinned), switch the registry on, export again, run.
  for (const [id, extra] of [
    ['acme/chat', ['--revision', chatSha]],
    ['acme/math', []],
  ] as const) {
    const e = await hfFetch(['registry', 'enable', id, '--approver', 'Data Gov', '--record', 'docs/decisions/0001.md', '--date', '2026-12-02', ...extra], dir);
    assert.equal(e.code, 0, e.stderr);
  }
  const regFile = join(dir, 'ldt-registry.yaml');
  writeFileSync(regFile, readFileSync(regFile, 'utf8').replace('enabled: false', 'enabled: true'));
  const p2 = await hfFetch(['registry', 'plan', 'chat', '-o', 'plan.mk'], dir);
  assert.equal(p2.code, 0, p2.stderr);
  const mk2 = readFileSync(join(dir, 'plan.mk'), 'utf8');
  assert.match(mk2, /^# Plan .*\n# status: enabled\n/);
  assert.match(mk2, new RegExp(`\\$\\(HF_FETCH\\) acme/chat --revision ${chatSha} --split train --registry`));
  const ran = await spawnAsync('make', ['-f', 'plan.mk'], { cwd: dir, env: hubEnv() });
  assert.equal(ran.code, 0, ran.stderr);
  const chat = parseNdjson(readFileSync(join(dir, 'out', 'chat', 'acme--chat.ndjson'), 'utf8'));
  assert.equal(chat.length, 30);
  assert.deepEqual(Object.keys(chat[0]), ['messages', 'meta']);
  assert.equal((chat[0].meta as { source: string }).source, `hf://datasets/acme/chat@${chatSha}/train.jsonl?config=default&split=train#0`);
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'chat', 'dataset', 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, 32);
  assert.deepEqual(
    manifest.tool_chain.map((t: { tool: string }) => t.tool),
    ['hf-fetch', 'to-chatml', 'dedup-exact', 'hf-fetch', 'to-chatml', 'dedup-exact'],
  );
  assert.ok(readdirSync(join(dir, 'out', 'chat', 'stats')).length === 6);
  const unknown = await hfFetch(['registry', 'plan', 'maths'], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /has no category "maths"\n {2}hint: categories: chat/);
});

test('registry enable: writes the approval in place, every comment and the key order kept', async () => {
  const dir = tmpDir();
  const file = join(dir, 'r.yaml');
  const before = readFileSync(SHIPPED, 'utf8');
  writeFileSync(file, before);
  const r = await runInProcess(main, [
    'registry',
    'enable',
    'openai/gsm8k',
    '--registry',
    file,
    '--approver',
    'Ada Lovelace',
    '--record',
    'https://wiki.example.org/decisions/42',
    '--date',
    '2026-12-03',
    '--revision',
    'e53f048856ff4f594e959d75785d2c2d37b678ee',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: the registry .* itself is still disabled/);
  const afterText = readFileSync(file, 'utf8');
  const want = before.replace(
    /( {6}- id: openai\/gsm8k\n(?: {8}.*\n)*? {8})status: disabled\n {8}approver: null\n {8}approved: null\n {8}decision_record: null\n/,
    '$1status: enabled\n        approver: Ada Lovelace\n        approved: 2026-12-03\n        decision_record: https://wiki.example.org/decisions/42\n        revision: e53f048856ff4f594e959d75785d2c2d37b678ee\n',
  );
  assert.notEqual(want, before);
  assert.equal(afterText, want);
  const reg = await loadRegistry(file);
  const e = reg.entries.find((x) => x.id === 'openai/gsm8k');
  assert.deepEqual(
    [e?.status, e?.approver, e?.approved, e?.decision_record, e?.revision],
    ['enabled', 'Ada Lovelace', '2026-12-03', 'https://wiki.example.org/decisions/42', 'e53f048856ff4f594e959d75785d2c2d37b678ee'],
  );
  // Fields that are absent are added after the nearest earlier one, at its indent; a trailing comment stays.
  const small = join(dir, 's.yaml');
  writeFileSync(
    small,
    'version: 2\nenabled: true\ncategories:\n  chat:\n    datasets:\n      # reviewed in Q4\n      - id: acme/chat\n        license: mit\n        status: disabled # pending\n        notes: x\n',
  );
  const s = await runInProcess(main, ['registry', 'enable', 'acme/chat', '--registry', small, '--approver', 'Bo', '--record', 'D-7', '--date', '2026-01-31']);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(
    readFileSync(small, 'utf8'),
    'version: 2\nenabled: true\ncategories:\n  chat:\n    datasets:\n      # reviewed in Q4\n      - id: acme/chat\n        license: mit\n        status: enabled # pending\n        approver: Bo\n        approved: 2026-01-31\n        decision_record: D-7\n        notes: x\n',
  );
  assert.equal((await parseRegistry(readFileSync(small, 'utf8'), small)).problems.length, 0);
  // Refusals leave the file as it was.
  const kept = readFileSync(small, 'utf8');
  const noRecord = await runInProcess(main, ['registry', 'enable', 'acme/chat', '--registry', small, '--approver', 'Bo']);
  assert.equal(noRecord.code, 2);
  assert.match(noRecord.stderr, /an approval needs --record/);
  const badDate = await runInProcess(main, ['registry', 'enable', 'acme/chat', '--registry', small, '--approver', 'Bo', '--record', 'x', '--date', '2026-02-30']);
  assert.equal(badDate.code, 2);
  assert.match(badDate.stderr, /--date must be a date YYYY-MM-DD; got "2026-02-30"/);
  const unknown = await runInProcess(main, ['registry', 'enable', 'acme/caht', '--registry', small, '--approver', 'Bo', '--record', 'x']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /acme\/caht is not in the dataset registry/);
  assert.equal(readFileSync(small, 'utf8'), kept);
});
