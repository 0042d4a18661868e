import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FIX_OPTIONS, fixRowLine, main, spec } from '@ldt/normalize-encoding';
import { docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, tmpDir } from '@ldt/testkit';
import iconv from 'iconv-lite';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec]);

test('the bin: --version, --help, usage error exit codes, | head -1 is quiet', () => {
  const v = runBin('normalize-encoding', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^normalize-encoding \d+\.\d+\.\d+\n$/);
  const h = runBin('normalize-encoding', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('normalize-encoding '));
  const u = runBin('normalize-encoding', ['--input-encoding', 'klingon']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /^normalize-encoding: unknown --input-encoding "klingon"\n {2}hint: .*\nTry 'normalize-encoding --help' for more information.\n$/);
  const dir = tmpDir();
  const big = join(dir, 'big.ndjson');
  writeFileSync(big, '{"text":"cafÃ©"}\n'.repeat(200000));
  const p = runShell(`normalize-encoding ${big} | head -1`);
  assert.equal(p.code, 0);
  assert.equal(p.stdout, '{"text":"café"}\n');
  assert.equal(p.stderr, '');
});

test('examples: every mojibake row of the example file is repaired, the rest kept byte for byte', async () => {
  const file = join(repoRoot(), 'examples', 'normalize-encoding-mojibake.ndjson');
  const r = await runInProcess(main, ['--explain', file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').slice(0, -1);
  const input = readFileSync(file, 'utf8').split('\n').slice(0, -1);
  assert.equal(lines.length, input.length);
  const out = parseNdjson(r.stdout);
  for (const row of out) assert.ok(!/Â²|â€|Ã[©¤¼¶]|[\u0080-\u009f]/.test(row.text as string), row.id as string);
  // The correct row is written as read; the 20-digit integer survives.
  const rus = input.findIndex((l) => l.includes('(correct)'));
  assert.equal(lines[rus], input[rus]);
  assert.ok(lines.at(-1)?.includes('"n": 12345678901234567890'));
  assert.match(r.stderr, /^normalize-encoding: read 9, wrote 9, dropped 0; changed 8 rows \(/);
});

test('--input-encoding: named, auto (reported), and bad bytes counted; without it invalid UTF-8 is an error with the line', async () => {
  const dir = tmpDir();
  const rows = [{ text: 'Ça coûte 5 € — déjà “vu”' }, { text: 'naïve' }];
  const text = rows.map((x) => `${JSON.stringify(x)}\n`).join('');
  const p = join(dir, 'w.ndjson');
  writeFileSync(p, iconv.encode(text, 'windows-1252'));
  let r = await runInProcess(main, [p]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^normalize-encoding: ${p.replaceAll('/', '\\/')}:1: invalid UTF-8`));
  r = await runInProcess(main, ['--input-encoding', 'windows-1252', p]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, text);
  const stats = join(dir, 's.json');
  r = await runInProcess(main, ['--input-encoding', 'auto', '--stats', stats, p]);
  assert.equal(r.stdout, text);
  assert.match(r.stderr, /detected windows-1252 \(chardet \d+%\)/);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.input_encodings[p].encoding, 'windows-1252');
  assert.equal(s.notes.replacement_characters, 0);
  // UTF-16 with a BOM, from stdin.
  r = await runInProcess(main, ['--input-encoding', 'auto'], { stdin: Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]) });
  assert.equal(r.stdout, text);
  assert.match(r.stderr, /<stdin>: detected utf-16le \(bom\)/);
  // shift_jis bytes that are not valid: U+FFFD, counted and warned about.
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0x82, 0xa0, 0x85, 0xff]), Buffer.from('"}\n')]));
  r = await runInProcess(main, ['--input-encoding', 'shift_jis', bad]);
  assert.equal(r.code, 0);
  assert.match(r.stderr, /normalize-encoding: warning: \d+ U\+FFFD characters in the decoded input/);
  // A bad JSON line after transcoding names the file and line.
  const broken = join(dir, 'broken.ndjson');
  writeFileSync(broken, iconv.encode('{"text":"é"}\n{"text":\n', 'latin1'));
  r = await runInProcess(main, ['--input-encoding', 'latin1', broken]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^normalize-encoding: ${broken.replaceAll('/', '\\/')}:2: invalid JSON`));
});

test('same input and flags give byte-identical output, whatever the read size', async () => {
  const file = join(repoRoot(), 'examples', 'normalize-encoding-mojibake.ndjson');
  const a = await runInProcess(main, ['--explain', file]);
  const b = await runInProcess(main, ['--explain'], { stdin: readFileSync(file) });
  assert.equal(a.stdout, b.stdout);
  const c = await runInProcess(main, ['--explain', file]);
  assert.equal(a.stdout + a.stderr, c.stdout + c.stderr);
});

test('rows no fix can change are written as read, without a parse; every line comes out as fixRowLine gives it, bad lines as JSON.parse says', async () => {
  const dir = tmpDir();
  // Rows the WebAssembly check passes (printable ASCII) and rows it sends to the parse: non-ASCII,
  // \u \r \b \f escapes, DEL, &, tabs and CR between tokens, invalid JSON that looks plain.
  const kinds = [
    '{"text":"plain ascii row","meta":{"source":"x"}}',
    ' {"messages":[{"role":"user","content":"a \\"quoted\\" word\\n and a new line"}]} ',
    '{"text":"caf\\u00e9 escaped"}',
    '{"text":"café â€™ mojibake"}',
    '{"text":"cr\\r\\nbreaks \\b \\f"}',
    '{"text":"del escaped \\u007f"}',
    '{"text":"raw del \x7f here"}',
    '{"text":"fish &amp; chips"}',
    '{"a":\t1,\r"b" : [ true , false , null , -1.5e3 ]}',
    '{"a":01}',
    '{"a":"unterminated}',
    '{"a":1}{"b":2}',
    '[1,2]',
    '{"text":"big 12345678901234567890","n":12345678901234567890}',
    '',
    '   ',
  ];
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 2_500_000; i++) {
    const k = kinds[(i * 7) % kinds.length];
    size += k.length + 8;
    lines.push(i % 5 === 0 ? `${k.slice(0, -1)}${k.endsWith('}') ? `,"i":${i}}` : k.slice(-1)}` : k);
  }
  const text = `${lines.map((l, i) => (i % 11 === 3 ? `${l}\r` : l)).join('\n')}\n`;
  const input = join(dir, 'mixed.ndjson');
  writeFileSync(input, text);
  for (const flags of [[], ['--html-entities']]) {
    const fix = { ...DEFAULT_FIX_OPTIONS, htmlEntities: flags.length > 0 };
    const want: string[] = [];
    const rejected: string[] = [];
    for (const l of lines) {
      if (l.trim() === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        rejected.push(l);
        continue;
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) rejected.push(l);
      else want.push(fixRowLine(l, v as Record<string, never>, { fix, fields: undefined, explain: false }).line);
    }
    assert.ok(want.length > 10_000 && rejected.length > 1000, `${want.length} rows, ${rejected.length} rejects`);
    const rej = join(dir, `rej${flags.length}.ndjson`);
    const r = await runInProcess(main, [...flags, '--rejects', rej, input]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${want.join('\n')}\n`, flags.join(' '));
    assert.equal(readFileSync(rej, 'utf8'), `${rejected.join('\n')}\n`);
    assert.match(r.stderr, new RegExp(`read ${want.length + rejected.length}, wrote ${want.length}, dropped 0`));
    const s = await runInProcess(main, [...flags, '--rejects', rej], { stdin: text });
    assert.equal(s.stdout, r.stdout);
    // The last line without its line end: the same rows.
    const t = await runInProcess(main, [...flags, '--rejects', rej], { stdin: text.replace(/\r?\n$/, '') });
    assert.equal(t.stdout, r.stdout);
  }
  // Without --rejects the first bad line is the error, with its line number; as with a parse of
  // every row, no row of the chunk that holds it is written.
  const bad = await runInProcess(main, [], { stdin: '{"a":"ok"}\n{"a":01}\n{"b":"never"}\n' });
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /<stdin>:2: /);
});
