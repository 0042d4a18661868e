import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PHONE_REGIONS, DEFAULT_TYPES, type DetectOptions, detect, luhn, PII_TYPES, Pseudonymizer, redactRowLine, validSsn } from '@ldt/redact-pii';
import { contractViolations, type JsonObject } from '@ldt/schema';

const opts: DetectOptions = { types: new Set(DEFAULT_TYPES), phoneRegions: DEFAULT_PHONE_REGIONS, privateIps: false };
const types = (text: string, o: DetectOptions = opts) => detect(text, o).map((s) => `${s.type}:${s.text}`);

test('each type is found in a sentence, with its exact span', () => {
  assert.deepEqual(types('mail jane.roe@gmail.com.'), ['EMAIL:jane.roe@gmail.com']);
  assert.deepEqual(types('ring +33 6 12 34 56 78 or (415) 555-2671'), ['PHONE:+33 6 12 34 56 78', 'PHONE:(415) 555-2671']);
  assert.deepEqual(types('Tel.: 030 901820'), ['PHONE:030 901820']);
  assert.deepEqual(types('from 81.2.69.160 and 2a03:2880:f12f:83:face:b00c::25de'), ['IP_ADDRESS:81.2.69.160', 'IP_ADDRESS:2a03:2880:f12f:83:face:b00c::25de']);
  assert.deepEqual(types('card 4539-1488-0343-6467 ok'), ['CREDIT_CARD:4539-1488-0343-6467']);
  assert.deepEqual(types('IBAN DE44 5001 0517 5407 3249 31 BIC INGDDEFFXXX'), ['IBAN:DE44 5001 0517 5407 3249 31']);
  assert.deepEqual(types('SSN 536-22-1834'), ['US_SSN:536-22-1834']);
  assert.deepEqual(types('redis://cache:kP9xQ2mZ7w@10.0.0.5:6379'), ['URL_CREDENTIALS:cache:kP9xQ2mZ7w']);
  assert.deepEqual(types('export GITHUB_TOKEN=ghp_8fK2LmQ9xZ3vB7nR1tY5wE4uI6oP0aS2dF3g'), ['SECRET:ghp_8fK2LmQ9xZ3vB7nR1tY5wE4uI6oP0aS2dF3g']);
  assert.deepEqual(types('send it to 742 Evergreen Terrace, please'), ['STREET_ADDRESS:742 Evergreen Terrace']);
});

test('hard negatives: checksums, versions, ids, dates, code and documentation values are not findings', () => {
  for (const text of [
    'card 4539 1488 0343 6468 (Luhn fails)',
    'IBAN DE45 5001 0517 5407 3249 31 (check digits fail)',
    'SSN 666-22-1834 and 536-00-1834 and 900-12-3456',
    'upgrade to version 1.2.3.4; pip install torch==2.1.0.1',
    'ISBN 978-3-16-148410-0, order #112-4839201-7734562, Part no. 0105-1597-19',
    'commit 9fceb02d0ae598e95dc970b74767f19372d61af8 id 123e4567-e89b-12d3-a456-426614174000',
    'born 15.03.1984, meeting 2024-03-15 14:30:00, epoch 1700000000',
    'for (int i = 0; i < 1000000; i++) x += 0x7fffffff; std::cout << a::b;',
    'support@example.com, 192.0.2.1, 2001:db8::1, 127.0.0.1, ::1, 10.1.2.3, (212) 555-0123',
    'test card 4242 4242 4242 4242, AKIAIOSFODNN7EXAMPLE, api_key = "YOUR_API_KEY_HERE"',
    'icon@2x.png, postgres://user:password@localhost/db, MAC 00:1A:2B:3C:4D:5E',
  ])
    assert.deepEqual(types(text), [], text);
});

test('--private-ips and --allow change what counts', () => {
  assert.deepEqual(types('host 10.1.2.3', { ...opts, privateIps: true }), ['IP_ADDRESS:10.1.2.3']);
  const allow = { values: new Set(['help@acme.io']), patterns: [/^.*@noreply\.acme\.io$/] };
  assert.deepEqual(types('help@acme.io HELP@ACME.IO x@noreply.acme.io y@acme.io', { ...opts, allow }), ['EMAIL:y@acme.io']);
});

test('validators: Luhn and SSA rules', () => {
  assert.equal(luhn('4539148803436467'), true);
  assert.equal(luhn('4539148803436468'), false);
  assert.equal(validSsn('536', '22', '1834'), true);
  for (const [a, g, s] of [
    ['000', '12', '3456'],
    ['666', '12', '3456'],
    ['912', '12', '3456'],
    ['123', '00', '4567'],
    ['123', '45', '0000'],
    ['078', '05', '1120'],
  ])
    assert.equal(validSsn(a, g, s), false);
});

test('pseudonyms are keyed, consistent and keep the type', () => {
  const p = new Pseudonymizer(Buffer.from('k'.repeat(32)));
  const q = new Pseudonymizer(Buffer.from('q'.repeat(32)));
  assert.equal(p.fake('EMAIL', 'a@b.io'), p.fake('EMAIL', 'a@b.io'));
  assert.notEqual(p.fake('EMAIL', 'a@b.io'), q.fake('EMAIL', 'a@b.io'));
  assert.notEqual(p.fake('EMAIL', 'a@b.io'), p.fake('EMAIL', 'c@b.io'));
  const card = p.fake('CREDIT_CARD', '4539 1488 0343 6467');
  assert.match(card, /^45\d\d \d{4} \d{4} \d{4}$/);
  assert.ok(luhn(card.replace(/ /g, '')));
  assert.match(p.fake('US_SSN', '536-22-1834'), /^9\d\d-\d\d-\d{4}$/);
  assert.match(p.fake('PHONE', '+44 20 7946 0958'), /^\+44 \d\d \d{4} \d{4}$/);
  assert.match(p.fake('IP_ADDRESS', '81.2.69.160'), /^10\.\d+\.\d+\.\d+$/);
  const iban = p.fake('IBAN', 'DE44 5001 0517 5407 3249 31');
  assert.deepEqual(types(`IBAN ${iban}`).length, 1, iban);
});

test('rows: mark mode gives code-point offsets; redact keeps other fields as read; the contract holds', () => {
  const raw = '{"text":"😀 a@b.io","x":1.0,"meta":{"source":"s"}}';
  const value = JSON.parse(raw) as JsonObject;
  const m = redactRowLine(raw, structuredClone(value), { detect: opts, mode: 'mark', placeholder: '<{type}>' });
  assert.equal(m.line, '{"text":"😀 a@b.io","x":1.0,"meta":{"source":"s","pii_status":"found","pii":[{"path":"text","start":2,"end":8,"type":"EMAIL"}]}}');
  const r = redactRowLine(raw, structuredClone(value), { detect: opts, mode: 'redact', placeholder: '<{type}>' });
  assert.equal(r.line, '{"text":"😀 <EMAIL>","x":1.0,"meta":{"source":"s","pii_status":"redacted"}}');
  assert.deepEqual(contractViolations(value, JSON.parse(m.line as string), ['pii_status', 'pii']), []);
  const d = redactRowLine(raw, structuredClone(value), { detect: opts, mode: 'drop', placeholder: '<{type}>' });
  assert.equal(d.line, undefined);
  assert.deepEqual(d.found, [{ field: 'text', type: 'EMAIL' }]);
});

test('text fields: chat content parts, reasoning, tool-call arguments (string or object), preference fields; keys and meta never', () => {
  const row = {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'a@b.io' }] },
      { role: 'assistant', content: 'ok', reasoning_content: 'c@d.io', tool_calls: [{ function: { name: 'f', arguments: { to: 'e@f.io' } } }] },
    ],
    chosen: 'g@h.io',
    'k@l.io': 'key is not scanned',
    meta: { m: 'i@j.io' },
  } as JsonObject;
  const raw = JSON.stringify(row);
  const r = redactRowLine(raw, structuredClone(row), { detect: opts, mode: 'redact', placeholder: '<{type}>' });
  const out = JSON.parse(r.line as string);
  assert.equal(out.messages[0].content[0].text, '<EMAIL>');
  assert.equal(out.messages[1].reasoning_content, '<EMAIL>');
  assert.equal(out.messages[1].tool_calls[0].function.arguments.to, '<EMAIL>');
  assert.equal(out.chosen, '<EMAIL>');
  assert.equal(out['k@l.io'], 'key is not scanned');
  assert.equal(out.meta.m, 'i@j.io');
  // A row with none of the record model's fields: every string outside meta.
  const other = { question: 'mail a@b.io', meta: { x: 'c@d.io' } } as JsonObject;
  const o = JSON.parse(redactRowLine(JSON.stringify(other), other, { detect: opts, mode: 'redact', placeholder: '<{type}>' }).line as string);
  assert.deepEqual(o, { question: 'mail <EMAIL>', meta: { x: 'c@d.io', pii_status: 'redacted' } });
  assert.equal(PII_TYPES.length, 10);
});
