import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRegistry, main, parseRegistry } from '@ldt/hf-fetch';
import { parseNdjson, runInProcess, tmpDir } from '@ldt/testkit';
import { approved, BIN, hfFetch, hubEnv, project, registryText, SHIPPED, spawnAsync, useRegistryHub } from './registry-fixture.js';

const fx = useRegistryHub();

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
  const ok = await hfFetch(fx.hub, ['registry', 'check', '--gate', 'acme/chat'], dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /the gate lets through all 1 named/);
  const bad = await hfFetch(fx.hub, ['registry', 'check', '--gate', 'acme/chat,acme/math,acme/nope'], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not approved: acme\/math: it has status: disabled\n/);
  assert.match(bad.stderr, /not approved: acme\/nope: it is not listed\n/);
  assert.match(bad.stderr, /the gate of ldt-registry\.yaml refuses 2 of the 3 datasets named/);
  assert.doesNotMatch(bad.stderr, /not approved: acme\/chat/);
});

test('registry list: a table, --json, --category and --status filters', async () => {
  const file = join(tmpDir(), 'r.yaml');
  writeFileSync(file, registryText(true, [approved('acme/chat', { revision: fx.chatOld }), { id: 'acme/math' }]));
  const t = await runInProcess(main, ['registry', 'list', '--registry', file]);
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(t.stdout.split('\n'), [
    'CATEGORY  DATASET    STATUS    APPROVER  APPROVED    REVISION      GATE    LICENSE',
    `chat      acme/chat  enabled   Data Gov  2026-12-01  ${fx.chatOld.slice(0, 12)}  open    mit (registry)`,
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
      revision: fx.chatOld,
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
  const none = await hfFetch(fx.hub, ['registry', 'list'], tmpDir());
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
  fx.hub.log = [];
  const p = await spawnAsync(join(BIN, 'hf-fetch'), ['registry', 'plan', 'chat', '-o', 'plan.mk'], { cwd: dir });
  assert.equal(p.code, 0, p.stderr);
  const mk = readFileSync(join(dir, 'plan.mk'), 'utf8');
  assert.match(mk, /^# Plan for the category chat \(Chat\) of the dataset registry ldt-registry\.yaml\n# status: disabled\n/);
  assert.match(mk, /# {3}acme\/chat: the registry is disabled \(enabled: false\); it has status: disabled\n/);
  assert.match(mk, /\$\(HF_FETCH\) acme\/chat --split train --registry \$\(REGISTRY\) --stats \$\(OUT\)\/stats\/acme--chat\.0-hf-fetch\.json \\\n\t {2}\| to-chatml --stats/);
  // Deterministic, and the JSON form holds the same plan.
  const again = await hfFetch(fx.hub, ['registry', 'plan', 'chat'], dir);
  assert.equal(again.stdout, mk);
  const j = await hfFetch(fx.hub, ['registry', 'plan', 'chat', '--format', 'json'], dir);
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
  assert.equal(fx.hub.log.length, 0);
  // Approve both (one pinned), switch the registry on, export again, run.
  for (const [id, extra] of [
    ['acme/chat', ['--revision', fx.chatSha]],
    ['acme/math', []],
  ] as const) {
    const e = await hfFetch(fx.hub, ['registry', 'enable', id, '--approver', 'Data Gov', '--record', 'docs/decisions/0001.md', '--date', '2026-12-02', ...extra], dir);
    assert.equal(e.code, 0, e.stderr);
  }
  const regFile = join(dir, 'ldt-registry.yaml');
  writeFileSync(regFile, readFileSync(regFile, 'utf8').replace('enabled: false', 'enabled: true'));
  const p2 = await hfFetch(fx.hub, ['registry', 'plan', 'chat', '-o', 'plan.mk'], dir);
  assert.equal(p2.code, 0, p2.stderr);
  const mk2 = readFileSync(join(dir, 'plan.mk'), 'utf8');
  assert.match(mk2, /^# Plan .*\n# status: enabled\n/);
  assert.match(mk2, new RegExp(`\\$\\(HF_FETCH\\) acme/chat --revision ${fx.chatSha} --split train --registry`));
  const ran = await spawnAsync('make', ['-f', 'plan.mk'], { cwd: dir, env: hubEnv(fx.hub) });
  assert.equal(ran.code, 0, ran.stderr);
  const chat = parseNdjson(readFileSync(join(dir, 'out', 'chat', 'acme--chat.ndjson'), 'utf8'));
  assert.equal(chat.length, 30);
  assert.deepEqual(Object.keys(chat[0]), ['messages', 'meta']);
  assert.equal((chat[0].meta as { source: string }).source, `hf://datasets/acme/chat@${fx.chatSha}/train.jsonl?config=default&split=train#0`);
  const manifest = JSON.parse(readFileSync(join(dir, 'out', 'chat', 'dataset', 'manifest.json'), 'utf8'));
  assert.equal(manifest.totals.rows, 32);
  assert.deepEqual(
    manifest.tool_chain.map((t: { tool: string }) => t.tool),
    ['hf-fetch', 'to-chatml', 'dedup-exact', 'hf-fetch', 'to-chatml', 'dedup-exact'],
  );
  assert.ok(readdirSync(join(dir, 'out', 'chat', 'stats')).length === 6);
  const unknown = await hfFetch(fx.hub, ['registry', 'plan', 'maths'], dir);
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
