import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRegistry, main, registrySchema } from '@ldt/hf-fetch';
import { parseNdjson, repoRoot, runInProcess, tmpDir } from '@ldt/testkit';
import { approved, BIN, fixtures, GSM8K_DIR, hfFetch, project, registryText, SHIPPED, spawnAsync, useRegistryHub } from './registry-fixture.js';

const fx = useRegistryHub();

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
  fx.hub.log = [];
  const r = await runInProcess(main, ['openai/gsm8k', '--registry', SHIPPED], { env: { HF_ENDPOINT: fx.hub.hubUrl } });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /dataset openai\/gsm8k is not approved in the dataset registry .*registry\.yaml \(categories\.math\.datasets\[0\], line \d+\): the registry is disabled \(enabled: false\); it has status: disabled/,
  );
  assert.equal(fx.hub.log.length, 0);
});

test('discovery: ldt-registry.yaml in the working directory gates a Hub dataset', async () => {
  const dir = project(registryText(true, [{ id: 'acme/chat' }]));
  fx.hub.log = [];
  const r = await hfFetch(fx.hub, ['acme/chat'], dir);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^hf-fetch: dataset acme\/chat is not approved in the dataset registry ldt-registry\.yaml \(categories\.chat\.datasets\[0\], line 14\): it has status: disabled; refusing to fetch it\n/,
  );
  assert.match(r.stderr, /hint: review its licence \(mit \(registry\)\) and intended use, then approve it: hf-fetch registry enable acme\/chat --approver NAME --record REF/);
  const unlisted = await hfFetch(fx.hub, ['acme/other'], dir);
  assert.equal(unlisted.code, 2);
  assert.match(unlisted.stderr, /dataset acme\/other is not in the dataset registry ldt-registry\.yaml; refusing to fetch it/);
  assert.equal(fx.hub.log.length, 0, 'a refused dataset is not contacted');
});

test('discovery: found from a subfolder (any parent); the approved dataset is fetched with the registry licence', async () => {
  const dir = project(registryText(true, [approved('acme/chat')]));
  const r = await hfFetch(fx.hub, ['acme/chat', '--limit', '2', '--stats', 'stats.json'], join(dir, 'sub', 'deeper'));
  assert.equal(r.code, 0, r.stderr);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.length, 2);
  assert.deepEqual(rows[0].meta, { source: `hf://datasets/acme/chat@${fx.chatSha}/train.jsonl?config=default&split=train#0`, license: 'mit (registry)' });
  const stats = JSON.parse(readFileSync(join(dir, 'sub', 'deeper', 'stats.json'), 'utf8'));
  assert.deepEqual(stats.notes.registry, { source: 'discovered', file: '../../ldt-registry.yaml', enabled: true });
  // Refused from the subfolder too.
  const refused = await hfFetch(fx.hub, ['acme/other'], join(dir, 'sub'));
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /dataset acme\/other is not in the dataset registry \.\.\/ldt-registry\.yaml/);
});

test('discovery: LDT_REGISTRY points elsewhere, --registry wins over both', async () => {
  const dir = project(registryText(true, [{ id: 'acme/chat' }]));
  const elsewhere = join(tmpDir(), 'approved.yaml');
  writeFileSync(elsewhere, registryText(true, [approved('acme/chat', { license: 'from-env' })]));
  const flagged = join(tmpDir(), 'flag.yaml');
  writeFileSync(flagged, registryText(true, [approved('acme/chat', { license: 'from-flag' })]));
  const e = await hfFetch(fx.hub, ['acme/chat', '--limit', '1'], dir, { LDT_REGISTRY: elsewhere });
  assert.equal(e.code, 0, e.stderr);
  assert.equal((parseNdjson(e.stdout)[0].meta as { license: string }).license, 'from-env');
  const f = await hfFetch(fx.hub, ['acme/chat', '--limit', '1', '--registry', flagged], dir, { LDT_REGISTRY: elsewhere });
  assert.equal(f.code, 0, f.stderr);
  assert.equal((parseNdjson(f.stdout)[0].meta as { license: string }).license, 'from-flag');
  const missing = await hfFetch(fx.hub, ['acme/chat'], dir, { LDT_REGISTRY: join(dir, 'nope.yaml') });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read the registry .*nope\.yaml: no such file/);
});

test('--no-registry: the gate is off, and every row, --stats and the manifest tool chain say so', async () => {
  const dir = project(registryText(false, [{ id: 'acme/chat' }]));
  const r = await hfFetch(fx.hub, ['acme/chat', '--limit', '3', '--no-registry', '--stats', 'fetch.json'], dir);
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
  const ex = await hfFetch(fx.hub, [GSM8K_DIR, '--split', 'test', '--limit', '1'], dir);
  assert.equal(ex.code, 0, ex.stderr);
  assert.equal((parseNdjson(ex.stdout)[0].meta as { license: string }).license, 'mit', 'the card licence: the registry does not list it');
  const free = await hfFetch(fx.hub, ['data/free.jsonl'], dir);
  assert.equal(free.code, 0, free.stderr);
  const listed = await hfFetch(fx.hub, ['listed.jsonl'], join(dir, 'data'));
  assert.equal(listed.code, 2);
  assert.match(
    listed.stderr,
    /listed\.jsonl is not approved in the dataset registry \.\.\/ldt-registry\.yaml .*: the registry is disabled \(enabled: false\); it has status: disabled/,
  );
  // The repository's own demo, tests and examples: no registry at or above the repository root.
  assert.equal(existsSync(join(repoRoot(), 'ldt-registry.yaml')), false);
});

test('refusals: registry disabled, dataset disabled, enabled without approver or date (naming them), a pinned revision', async () => {
  fx.hub.log = [];
  const off = project(registryText(false, [approved('acme/chat')]));
  const a = await hfFetch(fx.hub, ['acme/chat'], off);
  assert.equal(a.code, 2);
  assert.match(
    a.stderr,
    /acme\/chat is not approved .*: the registry is disabled \(enabled: false\); refusing to fetch it\n {2}hint: follow usage\.activation_steps in ldt-registry\.yaml, then set enabled: true there\n/,
  );
  const noApprover = project(registryText(true, [{ id: 'acme/chat', status: 'enabled', approver: null, approved: null }]));
  const b = await hfFetch(fx.hub, ['acme/chat'], noApprover);
  assert.equal(b.code, 2);
  assert.match(
    b.stderr,
    /the dataset registry ldt-registry\.yaml is not valid \(1 problem\):\n {2}ldt-registry\.yaml:14: categories\.chat\.datasets\[0\]: acme\/chat has status: enabled but no approver and no approved; an approval needs both/,
  );
  const noDate = project(registryText(true, [{ id: 'acme/chat', status: 'enabled', approver: 'Data Gov' }]));
  const c = await hfFetch(fx.hub, ['acme/chat'], noDate);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /acme\/chat has status: enabled but no approved; an approval needs both/);
  assert.equal(fx.hub.log.length, 0, 'no request for a refused dataset');
  // A pinned revision is what is read; another one is refused.
  const pinned = project(registryText(true, [approved('acme/chat', { revision: fx.chatOld })]));
  const d = await hfFetch(fx.hub, ['acme/chat'], pinned);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(parseNdjson(d.stdout), [
    { question: 'old?', answer: '0', meta: { source: `hf://datasets/acme/chat@${fx.chatOld}/train.jsonl?config=default&split=train#0`, license: 'mit (registry)' } },
  ]);
  const e = await hfFetch(fx.hub, ['acme/chat', '--revision', 'main'], pinned);
  assert.equal(e.code, 2);
  assert.match(e.stderr, new RegExp(`pins acme/chat at ${fx.chatOld}; refusing --revision main`));
  const f = await hfFetch(fx.hub, ['acme/chat', '--parquet-export'], pinned);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /--parquet-export reads another revision/);
});
