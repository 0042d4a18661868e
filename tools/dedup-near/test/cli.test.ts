import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applySpec, clusterSpec, main, signSpec, spec } from '@ldt/dedup-near';
import { Prng } from '@ldt/hash';
import { assertDeprecatedSpellings, docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, runShell, tmpDir, writeNdjson } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec, signSpec, clusterSpec, applySpec]);

test('the bin: --version, --help, usage errors exit 2, | head -1 is quiet', () => {
  const v = runBin('dedup-near', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^dedup-near \d+\.\d+\.\d+\n$/);
  const h = runBin('dedup-near', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('dedup-near '));
  const u = runBin('dedup-near', ['--bands', '4']);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /--bands and --rows go together/);
  const over = runBin('dedup-near', ['--bands', '20', '--rows', '20']);
  assert.equal(over.code, 2);
  assert.match(over.stderr, /--bands x --rows must be at most --num-perm \(128\); got 20 x 20 = 400/);
  // Large enough that the writer meets the closed pipe (the pipe buffer is 64 KiB).
  const md = runBin('dedup-near', ['--mark', '--dups', '/tmp/x.ndjson']);
  assert.equal(md.code, 2);
  assert.match(md.stderr, /--mark and --dups do not go together/);
  const big = writeNdjson(tmpDir(), 'big.ndjson', Array.from({ length: 20 }, () => corpus(8)).flat());
  const p = runShell(`dedup-near --mark ${big} | head -1`);
  assert.equal(p.code, 0);
  assert.equal(p.stderr, '');
  assert.equal(parseNdjson(p.stdout).length, 1);
});

/** Text rows of random words with near-duplicates at known edit levels. */
function corpus(seed: number) {
  const rng = new Prng(seed);
  const word = () => `w${rng.nextInt(20000)}`;
  const rows: { id: number; text: string }[] = [];
  let id = 0;
  for (let d = 0; d < 40; d++) {
    const base = Array.from({ length: 200 }, word);
    rows.push({ id: id++, text: base.join(' ') });
    // 2 words changed of 200: ~10 of 196 5-grams differ, Jaccard ~0.9.
    const v = [...base];
    v[rng.nextInt(200)] = word();
    v[rng.nextInt(200)] = word();
    rows.push({ id: id++, text: v.join(' ') });
    // 40 words changed: Jaccard far below 0.8.
    const far = [...base];
    for (let i = 0; i < 40; i++) far[rng.nextInt(200)] = word();
    rows.push({ id: id++, text: far.join(' ') });
  }
  return rows;
}

test('drops verified near-duplicates, keeps dissimilar rows; every dropped row has similarity >= threshold', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', corpus(1));
  const dups = join(dir, 'dups.ndjson');
  const r = await runInProcess(main, ['--dups', dups, input]);
  assert.equal(r.code, 0, r.stderr);
  const kept = parseNdjson(r.stdout).map((x) => x.id as number);
  // Oracle: row 3k+1 (2 edits) is a near-duplicate of 3k; 3k+2 (40 edits) is not.
  assert.deepEqual(
    kept,
    Array.from({ length: 120 }, (_, i) => i).filter((i) => i % 3 !== 1),
  );
  const d = parseNdjson(readFileSync(dups, 'utf8'));
  assert.equal(d.length, 40);
  for (const row of d) {
    const meta = row.meta as Record<string, unknown>;
    assert.equal(meta.dup_reason, 'near_duplicate');
    assert.ok((meta.similarity as number) >= 0.8, String(meta.similarity));
    assert.match(meta.dup_of as string, /^[0-9a-f]{32}$/);
  }
  assert.match(r.stderr, /read 120, wrote 80, dropped 40 \(near_duplicate 40\)/);
});

test('--no-verify joins candidates without the exact check; --bands/--rows override the derived ones', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', corpus(2));
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--no-verify', '--bands', '32', '--rows', '2', '--stats', stats, input]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.notes.bands, 32);
  assert.equal(s.notes.rejected_pairs, 0);
  // With 2-row bands, the 40-edit variants (Jaccard ~0.3) become candidates too, and unverified they are dropped.
  assert.ok(s.dropped.near_duplicate > 40, JSON.stringify(s.dropped));
  const v = await runInProcess(main, ['--bands', '32', '--rows', '2', input]);
  assert.match(v.stderr, /dropped 40 \(near_duplicate 40\)/);
});

test('--keep longest and shortest pick the cluster row by text length', async () => {
  const base = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const rows = [
    { id: 'mid', text: `${base} extra1` },
    { id: 'short', text: base },
    { id: 'long', text: `${base} extra1 extra2 extra3` },
  ];
  const stdin = rows.map((x) => JSON.stringify(x)).join('\n');
  const ids = async (keep: string) => parseNdjson((await runInProcess(main, ['--keep', keep], { stdin })).stdout).map((x) => x.id);
  assert.deepEqual(await ids('first'), ['mid']);
  assert.deepEqual(await ids('longest'), ['long']);
  assert.deepEqual(await ids('shortest'), ['short']);
});

test('--mark keeps every row with meta.cluster and meta.cluster_size; clusters are transitive', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', corpus(3));
  const r = await runInProcess(main, ['--mark', input]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout);
  assert.equal(out.length, 120);
  for (let k = 0; k < 40; k++) {
    const [a, b, c] = [out[3 * k], out[3 * k + 1], out[3 * k + 2]].map((x) => x.meta as Record<string, unknown>);
    assert.equal(a.cluster, b.cluster);
    assert.equal(a.cluster_size, 2);
    assert.notEqual(c.cluster, a.cluster);
    assert.equal(c.cluster_size, 1);
    assert.equal(b.dup_reason, 'near_duplicate');
    assert.equal(a.dup_reason, undefined);
  }
  assert.match(r.stderr, /wrote 120, dropped 0; marked 40 \(near_duplicate 40\)/);
});

test('same output from a file and from stdin, twice, and with another --tmp-dir', async () => {
  const dir = tmpDir();
  const rows = corpus(4);
  const input = writeNdjson(dir, 'in.ndjson', rows);
  const a = await runInProcess(main, ['--mark', input]);
  const b = await runInProcess(main, ['--mark', '--tmp-dir', dir], { stdin: readFileSync(input) });
  const c = await runInProcess(main, ['--mark', input]);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stdout, c.stdout);
  assert.ok(a.stdout.length > 0);
});

test('--seed changes the permutations, not the verified result on clear cases', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', corpus(5));
  const a = await runInProcess(main, ['--seed', '1', input]);
  const b = await runInProcess(main, ['--seed', '2', input]);
  assert.equal(a.stdout, b.stdout);
});

test('decontamination: --against names the reference file:line; --against-fields for another shape', async () => {
  const dir = tmpDir();
  const rows = corpus(6);
  const ref = writeNdjson(dir, 'ref.ndjson', [{ q: 'unrelated short question here' }, { q: rows[3].text }]);
  const input = writeNdjson(dir, 'in.ndjson', rows.slice(3, 9));
  const dups = join(dir, 'dups.ndjson');
  const r = await runInProcess(main, ['--against', ref, '--against-fields', 'q', '--dups', dups, input]);
  assert.equal(r.code, 0, r.stderr);
  // rows[3] equals the reference; rows[4] (2 edits) near-duplicates it; both are contaminated.
  assert.deepEqual(
    parseNdjson(r.stdout).map((x) => x.id),
    [5, 6, 8],
  );
  const d = parseNdjson(readFileSync(dups, 'utf8'));
  assert.deepEqual(
    d.map((x) => [x.id, (x.meta as Record<string, unknown>).dup_of, (x.meta as Record<string, unknown>).dup_reason]),
    [
      [3, `${ref}:2`, 'in_reference'],
      [4, `${ref}:2`, 'in_reference'],
      [7, (d[2].meta as Record<string, unknown>).dup_of, 'near_duplicate'],
    ],
  );
  assert.equal((d[0].meta as Record<string, unknown>).similarity, 1);
});

test('--overlap-ngram flags a row that quotes a reference inside a longer text', async () => {
  const dir = tmpDir();
  const rng = new Prng(9);
  const words = (n: number) => Array.from({ length: n }, () => `v${rng.nextInt(50000)}`).join(' ');
  const evalItem = words(20);
  const ref = writeNdjson(dir, 'ref.ndjson', [{ text: evalItem }]);
  const quoting = { id: 'quotes', text: `${words(300)} ${evalItem} ${words(300)}` };
  const clean = { id: 'clean', text: words(300) };
  const input = writeNdjson(dir, 'in.ndjson', [quoting, clean]);
  const r1 = await runInProcess(main, ['--against', ref, input]);
  assert.deepEqual(
    parseNdjson(r1.stdout).map((x) => x.id),
    ['quotes', 'clean'],
    'MinHash alone does not flag a short quote in a long row',
  );
  const r2 = await runInProcess(main, ['--against', ref, '--overlap-ngram', '13', input]);
  assert.deepEqual(
    parseNdjson(r2.stdout).map((x) => x.id),
    ['clean'],
  );
  assert.match(r2.stderr, /dropped 1 \(ngram_overlap 1\)/);
});

test('index: save, load, update in place; parameters must match; damage is detected', async () => {
  const dir = tmpDir();
  const rows = corpus(7);
  const a = writeNdjson(dir, 'a.ndjson', rows.slice(0, 60));
  const b = writeNdjson(dir, 'b.ndjson', rows.slice(60));
  const idx = join(dir, 'near.idx');
  const r1 = await runInProcess(main, ['--save-index', idx, a]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stderr, /saved 40 rows/);
  const r2 = await runInProcess(main, ['--index', idx, a]);
  assert.equal(r2.stdout, '');
  assert.match(r2.stderr, /read 60, wrote 0, dropped 60 \(in_index 60\)/);
  // A near-duplicate (not identical) of an indexed row is in_index too.
  const variant = writeNdjson(dir, 'v.ndjson', [rows[1], rows[2]]);
  const r3 = await runInProcess(main, ['--index', idx, variant]);
  assert.match(r3.stderr, /read 2, wrote 0, dropped 2 \(in_index 2\)/);
  const r4 = await runInProcess(main, ['--index', idx, '--save-index', idx, b]);
  assert.equal(r4.code, 0, r4.stderr);
  assert.match(r4.stderr, /saved 80 rows/);
  const r5 = await runInProcess(main, ['--index', idx, a, b]);
  assert.match(r5.stderr, /read 120, wrote 0, dropped 120 \(in_index 120\)/);
  const m = await runInProcess(main, ['--index', idx, '--num-perm', '64', a]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /was built with num_perm 128; this run uses 64/);
  const good = readFileSync(idx);
  const altered = Buffer.from(good);
  altered[altered.length - 30] ^= 0xff;
  writeFileSync(idx, altered);
  const x = await runInProcess(main, ['--index', idx, a]);
  assert.equal(x.code, 1);
  assert.match(x.stderr, /not a valid dedup-near index \(checksum mismatch/);
  writeFileSync(idx, good.subarray(0, 20));
  assert.equal((await runInProcess(main, ['--index', idx, a])).code, 1);
});

test('a missing field is an error naming file:line, or with --rejects a counted missing_field reject', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', [{ q: 'a b c' }, { other: 1 }, { q: 'a b c' }]);
  const r = await runInProcess(main, ['--fields', 'q', input]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], `dedup-near: ${input}:2: row has no field "q"`);
  const rej = join(dir, 'rej.ndjson');
  const r2 = await runInProcess(main, ['--fields', 'q', '--rejects', rej, input]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /read 3, wrote 1, dropped 1 \(near_duplicate 1\), rejected 1 \(missing_field 1\)/);
  assert.equal(readFileSync(rej, 'utf8'), '{"other":1}\n');
  const plain = await runInProcess(main, [writeNdjson(dir, 'o.ndjson', [{ q: 'x' }])]);
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /row has no text to compare/);
  assert.match(plain.stderr, /hint: give the fields with --fields/);
});

test('rows whose normalised text is empty are one cluster (similarity 1)', async () => {
  const r = await runInProcess(main, [], { stdin: '{"text":"!!!"}\n{"text":"..."}\n{"text":"a real row"}\n' });
  assert.deepEqual(
    parseNdjson(r.stdout).map((x) => x.text),
    ['!!!', 'a real row'],
  );
});

test('bytes outside meta are written as read; side files are not left behind on failure', async () => {
  const dir = tmpDir();
  const line = '{"text":"same words in this row here now","n":12345678901234567890,"f":1.0}';
  const r = await runInProcess(main, ['--mark'], { stdin: `${line}\n${line}\n` });
  assert.ok(r.stdout.startsWith('{"text":"same words in this row here now","n":12345678901234567890,"f":1.0,"meta":{"cluster":"'), r.stdout);
  const dups = join(dir, 'dups.ndjson');
  const f = await runInProcess(main, ['--dups', dups], { stdin: `${line}\n${line}\n[1]\n` });
  assert.equal(f.code, 1);
  assert.ok(!existsSync(dups));
});

test('--threads: the same output with 1 and 3 worker threads over several read chunks, and in the staged sign', async () => {
  const dir = tmpDir();
  const rows = Array.from({ length: 20 }, (_, k) => corpus(100 + k)).flat();
  const input = writeNdjson(dir, 'in.ndjson', rows);
  assert.ok(readFileSync(input).length > 2 * (1 << 20), 'more than two 1 MiB read chunks');
  const one = await runInProcess(main, ['--mark', '--threads', '1', input]);
  const three = await runInProcess(main, ['--mark', '--threads', '3', input]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(three.code, 0, three.stderr);
  assert.equal(three.stdout, one.stdout);
  assert.equal(three.stderr, one.stderr);
  // 800 injected 2-edit variants (Jaccard ~0.9): LSH finds one with probability ~0.999 each.
  const marked = Number(/marked (\d+) \(near_duplicate \d+\)/.exec(one.stderr)?.[1]);
  assert.ok(marked >= 795 && marked <= 800, one.stderr);
  const s1 = await runInProcess(main, ['sign', '--threads', '1', input]);
  const s3 = await runInProcess(main, ['sign', '--threads', '3', input]);
  assert.equal(s3.stdout, s1.stdout);
  // Dropping (not marking), with bad lines, rows without the field and CRLF lines spread over the
  // chunks: the same output, dups, rejects (in line order) and stats.
  const lines = readFileSync(input, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const mixed = lines.map((l, i) => (i % 997 === 5 ? 'not json' : i % 1499 === 7 ? '{"other":1}' : i % 613 === 3 ? `${l}\r` : l));
  const input2 = join(dir, 'mixed.ndjson');
  writeFileSync(input2, `${mixed.join('\n')}\n`);
  const runWith = async (jobs: string) => {
    const rej = join(dir, `rej${jobs}.ndjson`);
    const dups = join(dir, `dups${jobs}.ndjson`);
    const st = join(dir, `st${jobs}.json`);
    const r = await runInProcess(main, ['--threads', jobs, '--rejects', rej, '--dups', dups, '--stats', st, input2]);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(readFileSync(st, 'utf8'));
    delete stats.argv;
    delete stats.elapsed_ms;
    delete stats.seconds;
    return { out: r.stdout, rej: readFileSync(rej, 'utf8'), dups: readFileSync(dups, 'utf8'), stats: JSON.stringify(stats) };
  };
  const a = await runWith('1');
  const b = await runWith('3');
  assert.equal(b.out, a.out);
  assert.equal(b.dups, a.dups);
  assert.equal(b.rej, a.rej);
  assert.equal(b.stats, a.stats);
  const rejLines = a.rej.split('\n').filter((l) => l !== '');
  assert.equal(rejLines.length, mixed.filter((l) => l === 'not json' || l === '{"other":1}').length);
  assert.deepEqual(
    rejLines,
    mixed.filter((l) => l === 'not json' || l === '{"other":1}'),
    'rejects in line order',
  );
  assert.ok(!a.out.includes('\r'), 'CRLF rows are written with LF');
});

test('kept rows are written as read: blank lines skipped, CR dropped, last line without a newline; meta must be an object', async () => {
  const dir = tmpDir();
  const a = '{"text":"alpha beta gamma delta epsilon zeta eta theta"}';
  const b = ' {"text":"one two three four five six seven eight"}';
  const c = '{"text":"alpha beta gamma delta epsilon zeta eta theta!"}';
  const d = '{"text":"nine ten eleven twelve thirteen fourteen fifteen","n":1.50}';
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, `${a}\r\n\n   \n${b}\n${c}\n${d}`);
  const r = await runInProcess(main, [input]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `${a}\n${b}\n${d}\n`);
  assert.match(r.stderr, /read 4, wrote 3, dropped 1 \(near_duplicate 1\)/);
  // Standard input is spooled to a private temporary folder: an error on line 2 (while the spool is
  // still new) reports that line, and the folder is removed (a fresh-clone CI run once failed here
  // with "ENOTEMPTY ... rmdir /tmp/ldt-dedup-near-XXXXXX": the spool was created on the thread pool).
  for (let i = 0; i < 10; i++) {
    const tmp = join(dir, `tmp${i}`);
    mkdirSync(tmp);
    const m = await runInProcess(main, ['--tmp-dir', tmp], { stdin: `${a}\n{"text":"x y z","meta":"not an object"}\n` });
    assert.equal(m.code, 1);
    assert.equal(m.stderr.trim().split('\n').length, 2, m.stderr);
    assert.match(m.stderr, /<stdin>:2: field "meta" must be an object, got a string/);
    assert.equal(m.stdout, '');
    assert.deepEqual(readdirSync(tmp), []);
  }
});

test('--mark and --dups write meta into the bytes of rows (with meta or without) exactly as serializeWithMeta does', async () => {
  const { serializeWithMeta } = await import('@ldt/ndjson');
  const base = 'alpha beta gamma delta epsilon zeta eta theta iota kappa';
  const lines = [
    `{"text":"${base}","n":1.0}`,
    `{"text":"${base}!" , "big":12345678901234567890 }  `,
    `{"text":"${base}?","meta":{"source":"x"}}`,
    `{ "text" : "other words here for a row that stays alone ok" }\r`,
    '{"text":"unicode café “quoted” words here and there now"}',
    '{"text":"","meta":{}}',
    // Rows with meta, spliced on their bytes (pass 2 does not parse them): the meta is written as
    // JSON.stringify writes the parsed meta; the bytes around it as read.
    `{"text":"${base}.", "big":12345678901234567890, "meta" : { "a" : 1.0 , "cluster":"old", "b":[1, 2], "s":"\\u00e9\\"" } }`,
    `{"text":"café ${base}","meta":{"z":1e400}}`,
    `{"te\\u0078t":"${base} ok","meta":{"escaped":"key"}}`,
    `{"text":"${base} ok","meta":{"a":1},"meta":{"twice":true}}`,
  ];
  const r = await runInProcess(main, ['--mark'], { stdin: `${lines.join('\n')}\n` });
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(got.length, lines.length);
  for (const [i, line] of got.entries()) {
    const raw = lines[i].replace(/\r$/, '');
    const value = JSON.parse(raw);
    const hadMeta = value.meta !== undefined;
    const meta = JSON.parse(line).meta;
    const added = Object.keys(meta).filter((k) => k !== 'cluster' && !(k in (value.meta ?? {})));
    assert.deepEqual(added, meta.dup_reason ? ['cluster_size', 'dup_of', 'dup_reason', 'similarity'] : ['cluster_size'], `line ${i + 1}`);
    assert.match(meta.cluster, /^[0-9a-f]{32}$/);
    value.meta = { ...(value.meta ?? {}), ...meta };
    assert.equal(line, serializeWithMeta(raw, value, hadMeta), `line ${i + 1}`);
  }
  assert.equal(JSON.parse(got[1]).meta.dup_reason, 'near_duplicate');
  assert.equal(JSON.parse(got[6]).meta.dup_reason, 'near_duplicate');
  // Dropping, with --dups: the same meta edit without --mark's keys.
  const dir = tmpDir();
  const dups = join(dir, 'dups.ndjson');
  const d = await runInProcess(main, ['--dups', dups], { stdin: `${lines.join('\n')}\n` });
  assert.equal(d.code, 0, d.stderr);
  const dropped = readFileSync(dups, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.ok(dropped.length >= 5, readFileSync(dups, 'utf8'));
  const expected = (raw: string, m: Record<string, unknown>) => {
    const value = JSON.parse(raw);
    const hadMeta = value.meta !== undefined;
    value.meta = { ...(value.meta ?? {}), dup_of: m.dup_of, dup_reason: m.dup_reason, similarity: m.similarity };
    return serializeWithMeta(raw, value, hadMeta);
  };
  for (const line of dropped) {
    const m = JSON.parse(line).meta;
    assert.ok(
      lines.some((l) => expected(l.replace(/\r$/, ''), m) === line),
      line,
    );
  }
});

test('a mixed to-chatml output goes through with the default fields; --fields lists are per row', async () => {
  const rows = [
    {
      prompt: [{ role: 'user', content: 'is the sky blue today in the city' }],
      completion: [{ role: 'assistant', content: 'yes it is very blue today' }],
      label: true,
      meta: { format: 'kto' },
    },
    {
      messages: [
        { role: 'user', content: 'what is two plus two equal to' },
        { role: 'assistant', content: 'two plus two is four' },
      ],
      meta: { format: 'alpaca' },
    },
    { prompt: [{ role: 'user', content: 'solve the equation for x quickly' }], meta: { format: 'prompt_only' } },
    { text: 'a plain pretraining document about rivers and lakes', meta: { format: 'text' } },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n');
  const r = await runInProcess(main, ['-'], { stdin: `${rows}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout).length, 4);
  const dir = tmpDir();
  const rej = join(dir, 'rej.ndjson');
  const f = await runInProcess(main, ['--fields', 'text,messages,prompt', '--rejects', rej, '-'], { stdin: `${rows}\n{"other":"x"}\n` });
  assert.equal(f.code, 0, f.stderr);
  assert.equal(parseNdjson(f.stdout).length, 4);
  assert.equal(readFileSync(rej, 'utf8'), '{"other":"x"}\n');
  assert.match(f.stderr, /rejected 1 \(missing_field 1\)/);
});

test('issue 15: --jobs still works (deprecated), the same output as --threads; a mistyped subcommand gets "did you mean"', async () => {
  const input = join(repoRoot(), 'examples', 'dedup-near-toolformer.ndjson');
  await assertDeprecatedSpellings(main, 'dedup-near', ['--fields', 'instruction,input', '--jobs', '2', input], ['--fields', 'instruction,input', '--threads', '2', input]);
  await assertDeprecatedSpellings(
    main,
    'dedup-near sign',
    ['sign', '--fields', 'instruction,input', '--jobs', '2', input],
    ['sign', '--fields', 'instruction,input', '--threads', '2', input],
  );
  const r = await runInProcess(main, ['sing', input]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "dedup-near: unknown command 'sing'; did you mean 'sign'?\nTry 'dedup-near --help' for more information.\n");
  const c = await runInProcess(main, ['cluster', '--treshold', '0.5']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /^dedup-near cluster: unknown option '--treshold'; did you mean '--threshold'\?/);
});

test('issue 15: on a terminal the progress line names the stage: loading, signing, clustering, writing (then erased)', async () => {
  const input = join(repoRoot(), 'examples', 'dedup-near-toolformer.ndjson');
  const r = await runInProcess(main, ['--fields', 'instruction,input', input], { tty: true });
  assert.equal(r.code, 0, r.stderr);
  const stages = [...r.stderr.matchAll(/\rdedup-near: ([a-z ]+), /g)].map((m) => m[1]);
  assert.deepEqual(
    stages.filter((s, i) => s !== stages[i - 1]),
    ['loading', 'signing', 'clustering', 'writing'],
  );
  assert.match(r.stderr, /\r\x1b\[Kdedup-near: read 300, wrote \d+, dropped \d+/);
  const s = await runInProcess(main, ['sign', '--fields', 'instruction,input', input], { tty: true });
  assert.match(s.stderr, /\rdedup-near sign: signing, /);
});
