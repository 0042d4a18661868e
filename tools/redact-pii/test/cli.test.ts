import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, spec } from '@ldt/redact-pii';
import { docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, tmpDir } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));
const example = join(repoRoot(), 'examples', 'redact-pii.ndjson');

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec]);

test('the bin: --version, --help, usage error exit codes, | head -1 is quiet', () => {
  const v = runBin('redact-pii', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^redact-pii \d+\.\d+\.\d+\n$/);
  const h = runBin('redact-pii', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('redact-pii '));
  const u = runBin('redact-pii', ['--pseudonymize']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /^redact-pii: --pseudonymize needs --key-file FILE\n {2}hint: /);
  const dir = tmpDir();
  const big = join(dir, 'big.ndjson');
  writeFileSync(big, '{"text":"mail jane.roe@gmail.com"}\n'.repeat(100000));
  const p = runShell(`redact-pii ${big} | head -1`);
  assert.equal(p.code, 0);
  assert.equal(p.stdout, '{"text":"mail <EMAIL>","meta":{"pii_status":"redacted"}}\n');
  assert.equal(p.stderr, '');
});

test('clean rows are written as read with only meta.pii_status spliced in; big integers survive', async () => {
  const r = await runInProcess(main, ['--quiet', example]);
  assert.equal(r.code, 0, r.stderr);
  const input = readFileSync(example, 'utf8').split('\n').slice(0, -1);
  const out = r.stdout.split('\n').slice(0, -1);
  assert.equal(out.length, input.length);
  // Row 2 (a version question) and row 7 (documentation values) are clean.
  assert.equal(out[1], input[1].replace(/}$/, ',"meta":{"pii_status":"clean"}}'));
  assert.equal(out[6], input[6].replace(/}$/, ',"meta":{"pii_status":"clean"}}'));
  assert.ok(out[2].includes('"n":12345678901234567890'));
  for (const row of parseNdjson(r.stdout)) assert.ok(['clean', 'redacted'].includes((row.meta as { pii_status: string }).pii_status));
});

test('--stats: rows scanned, rows with PII, spans per type and per field', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--stats', stats, example]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.rows_scanned, 8);
  assert.equal(s.notes.rows_with_pii, 6);
  assert.equal(s.notes.spans.EMAIL, 1);
  assert.equal(s.notes.spans.URL_CREDENTIALS, 1);
  assert.equal(s.notes.spans_by_field['messages.*.tool_calls.*.function.arguments'], 1);
  assert.equal(s.notes.spans_by_field.text, 5);
  assert.match(r.stderr, /; scanned 8, with PII 6 \(spans: URL_CREDENTIALS 1, SECRET 1, EMAIL 1,/);
});

test('--pseudonymize: same key, same output (also across inputs); another key, other fakes; nothing of the original left', async () => {
  const dir = tmpDir();
  const k1 = join(dir, 'k1');
  const k2 = join(dir, 'k2');
  writeFileSync(k1, 'a'.repeat(32));
  writeFileSync(k2, 'b'.repeat(32));
  const a = await runInProcess(main, ['-q', '--pseudonymize', '--key-file', k1, example]);
  const b = await runInProcess(main, ['-q', '--pseudonymize', '--key-file', k1], { stdin: readFileSync(example) });
  const c = await runInProcess(main, ['-q', '--pseudonymize', '--key-file', k2, example]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, c.stdout);
  for (const secret of ['jonas.weber84@gmail.com', '4539 1488 0343 6467', '81.2.69.160', '536-22-1834', 'Tz8#qL2vWx9p', 'ghp_8fK2']) assert.ok(!a.stdout.includes(secret), secret);
  // The same value gets the same fake in two rows.
  const twice = '{"text":"jonas.weber84@gmail.com"}\n{"text":"again: jonas.weber84@gmail.com"}\n';
  const t = parseNdjson((await runInProcess(main, ['-q', '--pseudonymize', '--key-file', k1], { stdin: twice })).stdout);
  const fake = (t[0].text as string).trim();
  assert.match(fake, /^user\.[0-9a-f]{10}@example\.com$/);
  assert.equal(t[1].text, `again: ${fake}`);
  // A second pass over pseudonymised output finds nothing: the fakes use reserved ranges.
  const again = await runInProcess(main, ['--types', 'EMAIL,IP_ADDRESS,US_SSN'], { stdin: a.stdout });
  assert.match(again.stderr, /with PII 0/);
});

test('same input and flags give byte-identical output', async () => {
  const x = await runInProcess(main, ['--mode', 'mark', example]);
  const y = await runInProcess(main, ['--mode', 'mark'], { stdin: readFileSync(example) });
  assert.equal(x.stdout, y.stdout);
});

test('--threads: byte-identical output, rejects, drops and errors in line order for any thread count', async () => {
  const dir = tmpDir();
  const lines: string[] = [];
  for (let i = 0; i < 14000; i++) {
    if (i % 5000 === 17) lines.push('not json');
    else if (i % 50 === 0) lines.push(JSON.stringify({ text: `row ${i}: mail user${i}@gmail.com or +44 20 7946 ${String(1000 + (i % 8999)).padStart(4, '0')}` }));
    else lines.push(JSON.stringify({ messages: [{ role: 'user', content: `question ${i} about the weather and some apples, written plainly` }], n: 7 }));
  }
  const file = join(dir, 'in.ndjson');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const run = async (threads: string, extra: string[]) => {
    const rej = join(dir, `rej-${threads}.ndjson`);
    const drop = join(dir, `drop-${threads}.ndjson`);
    const r = await runInProcess(main, ['--threads', threads, '--rejects', rej, ...extra.map((a) => a.replace('{drop}', drop)), file]);
    assert.equal(r.code, 0, r.stderr);
    return { ...r, rej: readFileSync(rej, 'utf8'), drop: extra.length > 0 ? readFileSync(drop, 'utf8') : '' };
  };
  for (const extra of [[], ['--mode', 'drop', '--dropped', '{drop}']]) {
    const one = await run('1', extra);
    const three = await run('3', extra);
    assert.equal(one.stdout, three.stdout);
    assert.equal(one.stderr, three.stderr);
    assert.equal(one.rej, three.rej);
    assert.equal(one.drop, three.drop);
    assert.equal(one.rej, 'not json\nnot json\nnot json\n');
    assert.match(one.stderr, /read 14000, /);
  }
  // Without --rejects, the first bad line is the error, after the rows before it were written.
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, `${lines.join('\n').replace('not json', '{"text":"x","meta":[1]}')}\n`);
  for (const t of ['1', '3']) {
    const r = await runInProcess(main, ['--threads', t, bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^redact-pii: ${bad.replaceAll('/', '\\/')}:18: field "meta" must be an object, got an array\\n`));
    assert.equal(r.stdout.split('\n').length - 1, 17);
  }
});
