import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { main } from '@ldt/redact-pii';
import { parseNdjson, runInProcess, sharedData } from '@ldt/testkit';

// Absent shared data skips, except in CI, where it must be there.
const skip = (p: string | undefined) => (p || process.env.CI === 'true' ? false : 'shared data not found (../shared/data)');

const gsm8k = sharedData('gsm8k/train.jsonl');
test('gsm8k train (7,473 math problems, full of numbers): no finding, every line written as read plus meta.pii_status', { skip: skip(gsm8k) }, async () => {
  const r = await runInProcess(main, [gsm8k as string]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /read 7473, wrote 7473, dropped 0; scanned 7473, with PII 0\n$/);
  const input = readFileSync(gsm8k as string, 'utf8')
    .split('\n')
    .filter(Boolean);
  const out = r.stdout.split('\n').slice(0, -1);
  assert.equal(out.length, input.length);
  for (let i = 0; i < input.length; i++) assert.equal(out[i], `${input[i].replace(/}\s*$/, '')},"meta":{"pii_status":"clean"}}`);
});

const c4 = sharedData('pretrain_text/llamafactory_c4_demo.jsonl');
test('c4 web text: the published contact details are found (reviewed: 13 of 300 rows)', { skip: skip(c4) }, async () => {
  const r = await runInProcess(main, [c4 as string]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /scanned 300, with PII 13 \(spans: EMAIL 7, PHONE 25, STREET_ADDRESS 3\)/);
  for (const gone of ['woof@rescuedtails.com', '951-704-3374', '910.538.0115', '4221 Myra Street']) assert.ok(!r.stdout.includes(gone), gone);
  const rows = parseNdjson(r.stdout);
  assert.equal(rows.filter((x) => (x.meta as { pii_status: string }).pii_status === 'redacted').length, 13);
});
