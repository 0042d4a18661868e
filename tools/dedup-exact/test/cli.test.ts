import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main, spec } from '@ldt/dedup-exact';
import { assertCounts, assertDeprecatedSpellings, docTests, goldenCases, parseNdjson, repoRoot, runBin, runInProcess, tmpDir } from '@ldt/testkit';

const pkgDir = fileURLToPath(new URL('../../', import.meta.url));

for (const c of goldenCases(join(pkgDir, 'test', 'cases'))) test(`golden: ${c.name}`, () => c.run(main));

docTests(pkgDir, [spec]);

test('the bin: --version, --help, usage error exit codes', () => {
  const v = runBin('dedup-exact', ['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^dedup-exact \d+\.\d+\.\d+\n$/);
  const h = runBin('dedup-exact', ['--help']);
  assert.equal(h.code, 0);
  assert.ok(h.stdout.startsWith('dedup-exact '));
  const u = runBin('dedup-exact', ['--bogus']);
  assert.equal(u.code, 2);
  assert.equal(u.stdout, '');
  assert.equal(u.stderr, "dedup-exact: unknown option '--bogus'\nTry 'dedup-exact --help' for more information.\n");
});

test('the bin: a bad line names file and line, exit 1', () => {
  const dir = tmpDir();
  const p = join(dir, 'bad.ndjson');
  writeFileSync(p, '{"text":"a"}\n{"text":\n');
  const r = runBin('dedup-exact', [p]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^dedup-exact: ${p.replaceAll('/', '\\/')}:2: invalid JSON`));
});

test('the bin: --stats, --dups and --save-index into a device or /dev/stderr write through it and never replace it', (t) => {
  const dir = tmpDir();
  const input = '{"text":"a"}\n{"text":"a"}\n';
  // --stats /dev/stderr: the stats JSON arrives on stderr (a pipe here), after nothing is renamed over it.
  const r = runBin('dedup-exact', ['-q', '--stats', '/dev/stderr'], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stderr).tool, 'dedup-exact');
  // A null device of our own (as root, `--stats /dev/null` used to turn /dev/null into a regular file).
  const dev = join(dir, 'null');
  if (spawnSync('mknod', ['-m', '666', dev, 'c', '1', '3']).status !== 0) return t.skip('mknod needs root');
  const dev2 = join(dir, 'null2');
  const dev3 = join(dir, 'null3');
  spawnSync('mknod', ['-m', '666', dev2, 'c', '1', '3']);
  spawnSync('mknod', ['-m', '666', dev3, 'c', '1', '3']);
  const d = runBin('dedup-exact', ['-q', '--stats', dev, '--dups', dev2, '--save-index', dev3], { input });
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout.split('\n').length, 2, 'one row kept');
  for (const p of [dev, dev2, dev3]) assert.ok(statSync(p).isCharacterDevice(), `${p} is still a device`);
  assert.deepEqual(readdirSync(dir).sort(), ['null', 'null2', 'null3'], 'no temporary or lock left');
});

test('index: save, load, update in place; keys round-trip exactly', async () => {
  const dir = tmpDir();
  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  const idx = join(dir, 'seen.idx');
  writeFileSync(a, '{"text":"1"}\n{"text":"2"}\n{"text":"2"}\n');
  writeFileSync(b, '{"text":"2"}\n{"text":"3"}\n{"text":"3"}\n');
  const r1 = await runInProcess(main, ['--save-index', idx, a]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(readFileSync(idx).length, 16 + JSON.stringify({ tool: 'dedup-exact', hash: 'xxh3-128', key_mode: 'json', normalize: 'none', keys: 2 }).length + 2 * 16 + 8);
  const r2 = await runInProcess(main, ['--index', idx, '--save-index', idx, b]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(
    parseNdjson(r2.stdout).map((r) => r.text),
    ['3'],
  );
  assert.match(r2.stderr, /dropped 2 \(duplicate 1, in_index 1\)/);
  const r3 = await runInProcess(main, ['--index', idx, a, b]);
  assert.equal(r3.stdout, '');
  assert.match(r3.stderr, /read 6, wrote 0, dropped 6 \(in_index 6\)/);
});

test('index: a truncated or altered file is an error, a mismatched --normalize a usage error', async () => {
  const dir = tmpDir();
  const a = join(dir, 'a.ndjson');
  const idx = join(dir, 'seen.idx');
  writeFileSync(a, '{"text":"1"}\n{"text":"2"}\n');
  assert.equal((await runInProcess(main, ['--quiet', '--save-index', idx, a])).code, 0);
  const good = readFileSync(idx);
  writeFileSync(idx, good.subarray(0, good.length - 5));
  let r = await runInProcess(main, ['--index', idx, a]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /not a valid dedup-exact index \(size/);
  const altered = Buffer.from(good);
  altered[altered.length - 20] ^= 0xff;
  writeFileSync(idx, altered);
  r = await runInProcess(main, ['--index', idx, a]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /checksum mismatch/);
  writeFileSync(idx, good);
  r = await runInProcess(main, ['--index', idx, '--normalize', 'lower', a]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /was built with --normalize none; this run uses --normalize lower/);
  r = await runInProcess(main, ['--index', idx, '--fields', 'line', a]);
  assert.equal(r.code, 2);
  assert.ok(!existsSync(join(dir, 'nothing')));
});

test('side files are not left behind when a run fails', async () => {
  const dir = tmpDir();
  const dups = join(dir, 'dups.ndjson');
  const r = await runInProcess(main, ['--dups', dups], { stdin: '{"text":"a"}\n{"text":"a"}\n[1]\n' });
  assert.equal(r.code, 1);
  assert.ok(!existsSync(dups));
});

test('--stats writes the summary as JSON', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const r = await runInProcess(main, ['--quiet', '--stats', stats], { stdin: '{"text":"a"}\n{"text":"a"}\n\n' });
  assert.equal(r.stderr, '');
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.tool, 'dedup-exact');
  assert.deepEqual(s.argv, ['--quiet', '--stats', stats]);
  assert.equal(s.read, 2);
  assert.equal(s.written, 1);
  assert.deepEqual(s.dropped, { duplicate: 1 });
  assert.equal(s.blank_lines, 1);
  assert.equal(s.notes.distinct_keys, 1);
});

test('same input and flags give byte-identical output, dups and index', async () => {
  const root = repoRoot();
  const outs: string[] = [];
  const dir = tmpDir();
  for (let i = 0; i < 2; i++) {
    const r = await runInProcess(main, ['--dups', join(dir, 'd'), '--save-index', join(dir, 'i'), join(root, 'examples', 'chat.ndjson')]);
    outs.push(r.stdout + r.stderr + readFileSync(join(dir, 'd'), 'utf8') + readFileSync(join(dir, 'i')).toString('hex'));
  }
  assert.equal(outs[0], outs[1]);
});

test('examples/chat.ndjson: 125 rows, 100 distinct conversations', async () => {
  const r = await runInProcess(main, [join(repoRoot(), 'examples', 'chat.ndjson')]);
  assert.equal(r.code, 0);
  const out = parseNdjson(r.stdout);
  assert.equal(out.length, 100);
  const input = parseNdjson(readFileSync(join(repoRoot(), 'examples', 'chat.ndjson'), 'utf8'));
  // Oracle: first occurrence of each distinct messages array (keys sorted).
  const seen = new Set<string>();
  const expected = input.filter((row) => {
    const k = JSON.stringify((row.messages as { role: string; content: string }[]).map((m) => [m.content, m.role]));
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  assert.deepEqual(
    out.map((r) => r.id),
    expected.map((r) => r.id),
  );
});

test('--threads changes nothing in the output, dups, rejects or summary (many chunks, bad lines)', async () => {
  const dir = tmpDir();
  const p = join(dir, 'big.ndjson');
  const lines: (string | Buffer)[] = [];
  for (let i = 0; i < 12_000; i++) {
    if (i % 997 === 5) lines.push('{"text": broken');
    else if (i % 1499 === 7) lines.push(Buffer.concat([Buffer.from('{"text":"bad '), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]));
    else if (i % 2003 === 9) lines.push('');
    else lines.push(JSON.stringify({ text: `row ${i % 7000} ${'x'.repeat(200)}`, i }));
  }
  writeFileSync(p, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))));
  const results: string[] = [];
  for (const threads of ['1', '3']) {
    const r = await runInProcess(main, ['--threads', threads, '--rejects', join(dir, `rej${threads}`), '--dups', join(dir, `dups${threads}`), p]);
    assert.equal(r.code, 0, r.stderr);
    results.push([r.stdout, r.stderr, readFileSync(join(dir, `rej${threads}`), 'utf8'), readFileSync(join(dir, `dups${threads}`), 'utf8')].join('\n=====\n'));
  }
  assert.ok(readFileSync(p).length > 2 * 1024 * 1024, 'the input spans several read chunks');
  assert.equal(results[1], results[0]);
  let badJson = 0;
  let badUtf8 = 0;
  for (let i = 0; i < 12_000; i++) {
    if (i % 997 === 5) badJson++;
    else if (i % 1499 === 7) badUtf8++;
  }
  assert.ok(results[0].includes(`rejected ${badJson + badUtf8} (bad_json ${badJson}, invalid_utf8 ${badUtf8})`), results[0].slice(-400));
});

test('--threads: a fatal bad line stops at the same place for any thread count', async () => {
  const dir = tmpDir();
  const p = join(dir, 'fatal.ndjson');
  const rows = Array.from({ length: 12_000 }, (_, i) => (i === 9_000 ? '[1]' : JSON.stringify({ text: `r${i} ${'y'.repeat(200)}` })));
  writeFileSync(p, `${rows.join('\n')}\n`);
  const outs: string[] = [];
  for (const threads of ['1', '2']) {
    const r = await runInProcess(main, ['--threads', threads, p]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /fatal.ndjson:9001: expected a JSON object, got an array/);
    outs.push(r.stdout);
  }
  assert.equal(outs[1], outs[0]);
});

test('--key with several paths: each row uses the paths it has; a row with none is a counted reject', async () => {
  const rows = ['{"a":"x"}', '{"b":"x"}', '{"a":"x"}', '{"a":"x","b":"y"}', '{"c":"x"}', '{"b":"x","meta":{"k":1}}'].join('\n');
  const dir = tmpDir();
  const rejects = join(dir, 'rejects.ndjson');
  const r = await runInProcess(main, ['--fields', 'a,b', '--rejects', rejects, '--stats', join(dir, 's.json'), '-'], { stdin: `${rows}\n` });
  assert.equal(r.code, 0, r.stderr);
  // {"a":"x"} and {"b":"x"} differ (the key names the path); the repeats of each are dropped.
  assert.deepEqual(
    parseNdjson(r.stdout).map(({ meta: _m, ...rest }) => rest),
    [{ a: 'x' }, { b: 'x' }, { a: 'x', b: 'y' }],
  );
  assert.equal(readFileSync(rejects, 'utf8'), '{"c":"x"}\n');
  const stats = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.equal(stats.read, 6);
  assert.deepEqual([stats.written, stats.dropped_total, stats.rejected_total, stats.rejected.missing_key], [3, 2, 1, 1]);
  // Without --rejects the row with none of the paths is an error naming file:line.
  const e = await runInProcess(main, ['--fields', 'a,b', '-'], { stdin: `${rows}\n` });
  assert.equal(e.code, 1);
  assert.match(e.stderr, /dedup-exact: <stdin>:5: row has no field of "a", "b"/);
});

test('issue 15: --key and --against-key still work (deprecated), same output as --fields and --against-fields', async () => {
  const ex = (f: string) => join(repoRoot(), 'examples', f);
  await assertDeprecatedSpellings(
    main,
    'dedup-exact',
    ['--key', 'extra_info.question', '--against', ex('gsm8k-test-sample.ndjson'), '--against-key', 'question', ex('gsm8k-nested-mix.ndjson')],
    ['--fields', 'extra_info.question', '--against', ex('gsm8k-test-sample.ndjson'), '--against-fields', 'question', ex('gsm8k-nested-mix.ndjson')],
  );
});

test('issue 15: the summary and --stats keep read = written - repeated + dropped + rejected', async () => {
  const dir = tmpDir();
  const stats = join(dir, 's.json');
  const ex = (f: string) => join(repoRoot(), 'examples', f);
  const r = await runInProcess(
    main,
    [
      '--rejects',
      join(dir, 'r'),
      '--stats',
      stats,
      '--against',
      ex('gsm8k-test-sample.ndjson'),
      '--against-fields',
      'question',
      '--fields',
      'extra_info.question',
      ex('gsm8k-nested-mix.ndjson'),
    ],
    {},
  );
  assert.equal(r.code, 0, r.stderr);
  assertCounts('dedup-exact', { stderr: r.stderr, stats: JSON.parse(readFileSync(stats, 'utf8')) });
});

test('sharded form: keys per shard, repeated keys per hash partition, drops per shard = one process, byte for byte', async () => {
  const dir = tmpDir();
  // chat.ndjson has 25 duplicates, some of them across the shard boundaries below.
  const lines = readFileSync(join(repoRoot(), 'examples', 'chat.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const cuts = [0, 40, 41, 90, lines.length];
  const shards = cuts.slice(1).map((end, k) => {
    const f = join(dir, `shard-${k}.ndjson`);
    writeFileSync(f, `${lines.slice(cuts[k], end).join('\n')}\n`);
    return f;
  });
  const whole = await runInProcess(main, ['--dups', join(dir, 'whole.dups'), ...shards]);
  assert.equal(whole.code, 0, whole.stderr);
  for (const [k, f] of shards.entries()) assert.equal((await runInProcess(main, ['--keys-out', join(dir, `shard-${k}.keys`), f])).code, 0);
  const keys = shards.map((_, k) => join(dir, `shard-${k}.keys`));
  // Three partitions, each independent (any order, any machine).
  for (const p of [2, 0, 1]) {
    const r = await runInProcess(main, ['--partition', `${p}/3`, '--drops-dir', join(dir, 'drops'), ...keys]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  }
  let out = '';
  let dups = '';
  let dropped = 0;
  for (const [k, f] of shards.entries()) {
    const drops = [0, 1, 2].flatMap((p) => ['--drops', join(dir, 'drops', `shard-${k}.p${p}.drops`)]);
    const r = await runInProcess(main, [...drops, '--dups', join(dir, `${k}.dups`), f]);
    assert.equal(r.code, 0, r.stderr);
    out += r.stdout;
    dups += readFileSync(join(dir, `${k}.dups`), 'utf8');
    dropped += Number(/dropped (\d+)/.exec(r.stderr)?.[1]);
  }
  assert.equal(out, whole.stdout);
  assert.equal(dups, readFileSync(join(dir, 'whole.dups'), 'utf8'));
  assert.equal(dropped, 25);
  // Another shard's drops, or a partition missing, are errors.
  const wrong = await runInProcess(main, [...[0, 1, 2].flatMap((p) => ['--drops', join(dir, 'drops', `shard-0.p${p}.drops`)]), shards[2]]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /shard-0\.p0\.drops:1: these 49 rows are not the shard the \.drops files were made for/);
  const missing = await runInProcess(main, ['--drops', join(dir, 'drops', 'shard-0.p0.drops'), shards[0]]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing partition 1, 2 of 3/);
  const key = await runInProcess(main, ['--fields', 'id', '--partition', '0/3', '--drops-dir', join(dir, 'd2'), ...keys]);
  assert.equal(key.code, 1);
  assert.match(key.stderr, /made with another --fields or --normalize/);
});

test('a line with white space before its object is written whole, in its place, between byte-copied rows (1 and 2 threads)', async () => {
  const dir = tmpDir();
  const f = join(dir, 'ws.ndjson');
  const lines = ['{"text":"a"}', '   {"text":"lead"}', '{"text":"b","meta":{"x":1}}', '{"text":"b","meta":{"x":1}}', '\t{"text":"c"}', '{"text":"d"}'];
  writeFileSync(f, `${lines.join('\n')}\n`);
  for (const threads of ['1', '2']) {
    const r = await runInProcess(main, ['--threads', threads, f]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.trimEnd().split('\n');
    assert.deepEqual(
      out.map((l) => l.replace(/,?"content_hash":"[0-9a-f]{32}"/, '')),
      ['{"text":"a","meta":{}}', '   {"text":"lead","meta":{}}', '{"text":"b","meta":{"x":1}}', '\t{"text":"c","meta":{}}', '{"text":"d","meta":{}}'],
      `--threads ${threads}`,
    );
  }
});
