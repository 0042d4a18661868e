import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { apportion, countTurns, detectKind, globToRegExp, main, validateConfig, withMeta } from '@ldt/curriculum-route';
import { Prng } from '@ldt/hash';
import { assertCounts, parseNdjson, repoRoot, runInProcess, tmpDir, writeNdjson } from '@ldt/testkit';

type R = Record<string, unknown>;

/** n rows of source `src`, each distinct, kind text. */
function rows(src: string, n: number, extra: R = {}): R[] {
  return Array.from({ length: n }, (_, i) => ({ text: `${src} row ${i} ${'x'.repeat(i % 7)}`, meta: { source: `${src}@rev1:train.jsonl#${i}` }, ...extra }));
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  const p = new Prng(seed);
  for (let i = a.length - 1; i > 0; i--) {
    const j = p.nextInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function writeConfig(dir: string, config: unknown): string {
  const p = join(dir, 'c.json');
  writeFileSync(p, JSON.stringify(config));
  return p;
}

function srcOf(r: R): string {
  return String((r.meta as R).source).split('@')[0];
}

function countBy<T>(xs: T[], f: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
  return out;
}

const threeSources = {
  phases: [
    {
      name: 'sft',
      target: { rows: 100 },
      sources: [
        { name: 'a', match: 'a@*', weight: 0.5 },
        { name: 'b', match: 'b@*', weight: 0.3 },
        { name: 'c', match: 'c@*', weight: 0.2 },
      ],
    },
  ],
};

test('apportion: integer parts proportional to the weights, summing to the total exactly', () => {
  assert.deepEqual(apportion(100, [0.5, 0.3, 0.2]), [50, 30, 20]);
  assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
  assert.deepEqual(apportion(7, [0.85, 0.15]), [6, 1]);
  const p = new Prng(3);
  for (let k = 0; k < 200; k++) {
    const w = Array.from({ length: 1 + p.nextInt(6) }, () => 0.01 + p.nextFloat());
    const total = p.nextInt(10000);
    const parts = apportion(total, w);
    assert.equal(
      parts.reduce((a, b) => a + b, 0),
      total,
    );
    const ws = w.reduce((a, b) => a + b, 0);
    for (const [i, x] of parts.entries()) assert.ok(Math.abs(x - (total * w[i]) / ws) < 1, `part ${i}`);
  }
});

test('rows target: achieved rows per source equal the weighted targets exactly (down- and upsampling)', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 80), ...rows('b', 12), ...rows('c', 50)]);
  const r = await runInProcess(main, ['--config', writeConfig(dir, threeSources), input]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout);
  assert.equal(out.length, 100);
  assert.deepEqual(countBy(out, srcOf), { a: 50, b: 30, c: 20 });
  for (const o of out) assert.equal((o.meta as R).phase, 'sft');
  // b (12 rows, 30 wanted): two whole epochs (24) plus 6 hash-selected rows, copies marked.
  const bCopies = countBy(
    out.filter((o) => srcOf(o) === 'b'),
    (o) => String((o.meta as R).source),
  );
  assert.deepEqual(Object.values(bCopies).sort(), [...Array(6).fill(2), ...Array(6).fill(3)].sort());
  assert.equal(out.filter((o) => (o.meta as R).repeat !== undefined).length, 30 - 12);
  assert.deepEqual([...new Set(out.map((o) => (o.meta as R).repeat ?? 0))].sort(), [0, 1, 2]);
  assert.match(r.stderr, /phase sft: target 100 rows, got 100 rows .*; a 50 rows \(50\.0%, want 50\.0%\), b 30 rows \(30\.0%, want 30\.0%\), c 20 rows \(20\.0%, want 20\.0%\)/);
  assert.match(r.stderr, /read 142, wrote 100, repeated 18, dropped 60 \(downsampled 60\)\n/);
  assertCounts('curriculum-route', r);
});

test('determinism: reordered input selects the same rows; the same input gives byte-identical output; stdin = file', async () => {
  const dir = tmpDir();
  const all = [...rows('a', 80), ...rows('b', 12), ...rows('c', 50)];
  const cfg = writeConfig(dir, threeSources);
  const f1 = writeNdjson(dir, 'in1.ndjson', all);
  const f2 = writeNdjson(dir, 'in2.ndjson', shuffled(all, 42));
  const r1 = await runInProcess(main, ['--config', cfg, f1]);
  const r1b = await runInProcess(main, ['--config', cfg, f1]);
  const r2 = await runInProcess(main, ['--config', cfg, f2]);
  const r3 = await runInProcess(main, ['--config', cfg], { stdin: readFileSync(f1) });
  assert.equal(r1.stdout, r1b.stdout);
  assert.equal(r1.stdout, r3.stdout);
  assert.notEqual(r1.stdout, r2.stdout, 'input order is kept');
  assert.deepEqual(r1.stdout.split('\n').sort(), r2.stdout.split('\n').sort());
  const other = await runInProcess(main, ['--config', cfg, '--seed', '2', f1]);
  assert.notDeepEqual(other.stdout.split('\n').sort(), r1.stdout.split('\n').sort(), 'another seed selects other rows');
  assert.deepEqual(countBy(parseNdjson(other.stdout), srcOf), { a: 50, b: 30, c: 20 });
});

test('tokens target: each source within one row of its token share', async () => {
  const dir = tmpDir();
  const cfg = writeConfig(dir, {
    phases: [
      {
        name: 'cpt',
        target: { tokens: 3000 },
        sources: [
          { name: 'a', match: 'a@*', weight: 2 },
          { name: 'b', match: 'b@*', weight: 1 },
        ],
      },
    ],
  });
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 200), ...rows('b', 100)]);
  const r = await runInProcess(main, ['--config', cfg, '--stats', join(dir, 's.json'), input]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout);
  const tok = (o: R) => Math.ceil(Buffer.byteLength(String(o.text)) / 4);
  const maxRow = Math.max(...out.map(tok));
  for (const [src, want] of [
    ['a', 2000],
    ['b', 1000],
  ] as const) {
    const got = out.filter((o) => srcOf(o) === src).reduce((a, o) => a + tok(o), 0);
    assert.ok(got <= want && want - got < maxRow, `${src}: ${got} tokens for a target of ${want}`);
  }
  const stats = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
  assert.equal(stats.notes.phases[0].unit, 'tokens');
  assert.deepEqual(
    stats.notes.phases[0].sources.map((s: R) => s.target),
    [2000, 1000],
  );
});

test('--max-epochs caps repetition and warns for each source that cannot fill its share', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 80), ...rows('b', 5), ...rows('c', 50)]);
  const r = await runInProcess(main, ['--config', writeConfig(dir, threeSources), '--max-epochs', '2', input]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout);
  assert.deepEqual(countBy(out, srcOf), { a: 50, b: 10, c: 20 });
  assert.match(r.stderr, /warning: phase sft: source b cannot fill its share without exceeding --max-epochs 2: needs 30 rows, has 5; took 2 epochs \(10\)/);
  assert.match(r.stderr, /b 10 rows \(12\.5%, want 30\.0%, SHORT\)/);
});

test('phases in order, match rules: kind, family, source globs, turns, length; a row goes to the first phase that matches', async () => {
  const dir = tmpDir();
  const chat = (n: number, turns: number, family?: string) => ({
    messages: Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${n}-${i}` })),
    meta: { source: `chat@r:f#${n}`, ...(family ? { family } : {}) },
  });
  const input = writeNdjson(dir, 'in.ndjson', [
    { text: 'short', meta: { source: 'web@r:f#0' } },
    { text: 'a long enough document', meta: { source: 'web@r:f#1' } },
    chat(0, 2),
    chat(1, 6),
    chat(2, 2, 'persona'),
    { chosen: 'c', rejected: 'r', meta: { source: 'pref@r:f#0' } },
    { prompt: 'p', completion: 'c', label: true, meta: { source: 'kto@r:f#0' } },
  ]);
  const cfg = writeConfig(dir, {
    phases: [
      { name: 'cpt', match: { kind: 'text', length: { min: 10 } } },
      { name: 'sft-persona', match: { kind: 'chat', family: ['persona'] } },
      { name: 'sft-long', match: { kind: 'chat', turns: { min: 5 } } },
      { name: 'sft', match: { kind: 'chat', source: 'chat@*' } },
      { name: 'pref', match: { kind: ['preference', 'kto'] } },
    ],
  });
  const r = await runInProcess(main, ['--config', cfg, '--unmatched', 'drop', input]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout).map((o) => (o.meta as R).phase),
    ['cpt', 'sft', 'sft-long', 'sft-persona', 'pref', 'pref'],
  );
  assert.match(r.stderr, /dropped 1 \(unmatched 1\)/);
});

test('--unmatched: reject (error with file:line, or to --rejects), drop, or a phase', async () => {
  const dir = tmpDir();
  const cfg = writeConfig(dir, {
    phases: [
      { name: 'a', sources: [{ match: 'a@*', weight: 1 }] },
      { name: 'rest', match: { kind: 'chat' } },
    ],
  });
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 2), ...rows('z', 1), ...rows('a', 1)]);
  let r = await runInProcess(main, ['--config', cfg, input]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.split('\n')[0], `curriculum-route: ${input}:3: no phase matches this row (meta.source "z@rev1:train.jsonl#0", kind text)`);
  const rej = join(dir, 'rej.ndjson');
  r = await runInProcess(main, ['--config', cfg, '--rejects', rej, input]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(rej, 'utf8'), `${JSON.stringify(rows('z', 1)[0])}\n`);
  assert.match(r.stderr, /read 4, wrote 3, dropped 0, rejected 1 \(unmatched 1\)/);
  r = await runInProcess(main, ['--config', cfg, '--unmatched', 'rest', input]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout).map((o) => (o.meta as R).phase),
    ['a', 'a', 'rest', 'a'],
  );
  assert.match(r.stderr, /unmatched rows taken as they are: 1/);
  r = await runInProcess(main, ['--config', cfg, '--unmatched', 'nope', input]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--unmatched must be reject, drop or a phase of the config \(a, rest\); got "nope"/);
});

test('--out-dir: one file per phase, every phase gets a file', async () => {
  const dir = tmpDir();
  const cfg = writeConfig(dir, {
    phases: [
      { name: 'one', match: { kind: 'text' } },
      { name: 'two', match: { kind: 'chat' } },
    ],
  });
  const input = writeNdjson(dir, 'in.ndjson', rows('a', 3));
  const out = join(dir, 'out');
  const r = await runInProcess(main, ['--config', cfg, '-o', out, input]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(parseNdjson(readFileSync(join(out, 'one.jsonl'), 'utf8')).length, 3);
  assert.equal(readFileSync(join(out, 'two.jsonl'), 'utf8'), '');
});

test('config errors name the path', () => {
  const bad = (c: unknown) => {
    try {
      validateConfig(c, 'c.yaml');
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  assert.match(bad({ phases: [{ name: 'a' }, { name: 'b', sources: [{ match: '*', weight: -1 }] }] }), /phases\[1\]\.sources\[0\]\.weight: must be > 0; got -1/);
  assert.match(bad({ phases: [{ name: 'a', target: { rows: 0 } }] }), /phases\[0\]\.target\.rows: must be an integer > 0; got number 0/);
  assert.match(
    bad({ phases: [{ name: 'a', match: { kind: ['text', 'code'] } }] }),
    /phases\[0\]\.match\.kind\[1\]: must be one of text, chat, preference, kto, prompt_only, other; got "code"/,
  );
  assert.match(bad({ phases: [{ name: 'a', match: { turns: { min: 5, max: 2 } } }] }), /phases\[0\]\.match\.turns: min 5 is greater than max 2/);
  assert.match(bad({ phases: [{ name: 'a' }, { name: 'a' }] }), /phases\[1\]\.name: duplicate phase name "a"/);
  assert.match(bad({ phases: [{ name: 'a', sorces: [] }] }), /phases\[0\]\.sorces: unknown key/);
  assert.match(bad({ phases: [] }), /phases: must be a non-empty list/);
  assert.match(bad({ phases: [{ name: 'a b' }] }), /phases\[0\]\.name: must be a name of letters/);
  assert.match(bad({ phases: [{ name: 'a', sources: [{ weight: 1 }] }] }), /phases\[0\]\.sources\[0\]\.match: is required/);
  // All problems at once, under the file name.
  const m = bad({ seed: -1, phases: [{ name: 'a', target: { rows: 1, tokens: 2 } }] });
  assert.match(m, /^c\.yaml: invalid config:\n {2}seed: must be an integer/);
  assert.match(m, /phases\[0\]\.target: must be \{rows: N\} or \{tokens: N\}/);
});

test('config files: YAML and JSON are read; errors name the file, the YAML line, the config path', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', rows('a', 2));
  const y = join(dir, 'c.yaml');
  writeFileSync(y, 'phases:\n  - name: a\n    sources:\n      - match: "a@*"\n        weight: 0\n');
  let r = await runInProcess(main, ['--config', y, input]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^curriculum-route: .*c\.yaml: invalid config:\n {2}phases\[0\]\.sources\[0\]\.weight: must be > 0; got 0\n/);
  writeFileSync(y, 'phases:\n  - name: a\n   bad: [\n');
  r = await runInProcess(main, ['--config', y, input]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /c\.yaml:\d+: invalid YAML/);
  r = await runInProcess(main, ['--config', join(dir, 'none.yaml'), input]);
  assert.match(r.stderr, /cannot read --config .*none\.yaml: no such file/);
  r = await runInProcess(main, [input]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs --config FILE/);
  const ex = await runInProcess(main, ['--config', join(repoRoot(), 'configs', 'curriculum.example.yaml'), join(repoRoot(), 'examples', 'curriculum-mix.ndjson')]);
  assert.equal(ex.code, 0, ex.stderr);
});

test('bytes outside meta are kept; meta.phase and meta.repeat are set; a non-object meta is an error', async () => {
  assert.equal(withMeta('{"n":12345678901234567890,"x":1.0}', { phase: 'p' }), '{"n":12345678901234567890,"x":1.0,"meta":{"phase":"p"}}');
  assert.equal(withMeta('{"meta":{"source":"s","repeat":3},"x":1.0}', { phase: 'p', repeat: 1 }), '{"meta":{"source":"s","phase":"p","repeat":1},"x":1.0}');
  assert.equal(withMeta('{"meta":{"repeat":3},"x":"\\"meta\\""}', { phase: 'p' }), '{"meta":{"phase":"p"},"x":"\\"meta\\""}');
  assert.equal(withMeta('{"x":{"meta":1}}', { phase: 'p' }), '{"x":{"meta":1},"meta":{"phase":"p"}}');
  const dir = tmpDir();
  const cfg = writeConfig(dir, { phases: [{ name: 'a' }] });
  const r = await runInProcess(main, ['--config', cfg], { stdin: '{"text":"a"}\n{"text":"b","meta":"x"}\n' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /<stdin>:2: field "meta" must be an object, got a string/);
});

test('kinds, turns and globs', () => {
  assert.equal(detectKind({ messages: [] }), 'chat');
  assert.equal(detectKind({ chosen: 'a', rejected: 'b' }), 'preference');
  assert.equal(detectKind({ prompt: 'a', completion: 'b', label: false }), 'kto');
  assert.equal(detectKind({ text: 'a' }), 'text');
  assert.equal(detectKind({ q: 'a' }), 'other');
  assert.equal(countTurns({ messages: [{ role: 'system', content: '' }, { role: 'user' }, { role: 'assistant' }] }), 2);
  assert.ok(globToRegExp('org/*@*').test('org/name@abc:x#1'));
  assert.ok(!globToRegExp('org/?').test('org/ab'));
  assert.ok(globToRegExp('a.b+(c)').test('a.b+(c)'));
  assert.ok(!globToRegExp('a.b').test('axb'));
});

test('a failed run leaves no phase file behind', async () => {
  const dir = tmpDir();
  const cfg = writeConfig(dir, { phases: [{ name: 'a' }] });
  const out = join(dir, 'o');
  const r = await runInProcess(main, ['--config', cfg, '-o', out], { stdin: '{"text":"a"}\n[1]\n' });
  assert.equal(r.code, 1);
  assert.ok(!existsSync(join(out, 'a.jsonl')));
});

test('pass 2 on bytes: CRLF, trailing blanks, an empty row, rows with and without meta, repeats', async () => {
  const dir = tmpDir();
  const cfg = writeConfig(dir, { phases: [{ name: 'p', target: { rows: 8 } }] });
  const input = join(dir, 'in.ndjson');
  writeFileSync(input, '{}\r\n{"a":1.0}  \n\n{"b":"é","meta":{"x":1}}\n{"c":[1,2]}');
  const r = await runInProcess(main, ['--config', cfg, input]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    [
      // Issue 15: the repeated copies come one epoch later, in the same order, not next to their original.
      '{"meta":{"phase":"p"}}',
      '{"a":1.0,"meta":{"phase":"p"}}',
      '{"b":"é","meta":{"x":1,"phase":"p"}}',
      '{"c":[1,2],"meta":{"phase":"p"}}',
      '{"meta":{"phase":"p","repeat":1}}',
      '{"a":1.0,"meta":{"phase":"p","repeat":1}}',
      '{"b":"é","meta":{"x":1,"phase":"p","repeat":1}}',
      '{"c":[1,2],"meta":{"phase":"p","repeat":1}}',
      '',
    ].join('\n'),
  );
});

test('issue 15: no repeated copy is next to its original; the same input gives the same order', async () => {
  const dir = tmpDir();
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 7), ...rows('b', 40)]);
  const cfg = writeConfig(dir, threeSources);
  const r = await runInProcess(main, ['--config', cfg, input]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const base = (l: string) => JSON.stringify({ ...JSON.parse(l), meta: { ...JSON.parse(l).meta, repeat: undefined } });
  for (let k = 1; k < lines.length; k++) assert.notEqual(base(lines[k]), base(lines[k - 1]), `line ${k + 1} repeats line ${k}`);
  assert.equal((await runInProcess(main, ['--config', cfg, input])).stdout, r.stdout);
  assertCounts('curriculum-route', r);
});

test("issue 15: --rebalance gives a short source's shortfall to the others by weight (exact phase total); --strict fails when a target cannot be met", async () => {
  const dir = tmpDir();
  // Weights 50/30/20 of 100 rows; b has 3 rows, at most 4 epochs = 12 < 30.
  const input = writeNdjson(dir, 'in.ndjson', [...rows('a', 80), ...rows('b', 3), ...rows('c', 50)]);
  const cfg = writeConfig(dir, threeSources);
  const plain = await runInProcess(main, ['--config', cfg, input]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(countBy(parseNdjson(plain.stdout), srcOf), { a: 50, b: 12, c: 20 });
  assert.match(plain.stderr, /got 82 rows .* b 12 rows \(14\.6%, want 30\.0%, SHORT\)/);
  const reb = await runInProcess(main, ['--config', cfg, '--rebalance', input]);
  assert.equal(reb.code, 0, reb.stderr);
  // The 18 missing rows go to a and c as 50:20 (largest remainder): 13 and 5.
  assert.deepEqual(countBy(parseNdjson(reb.stdout), srcOf), { a: 63, b: 12, c: 25 });
  assert.match(reb.stderr, /phase sft: target 100 rows, got 100 rows/);
  assertCounts('curriculum-route', reb);
  const strict = await runInProcess(main, ['--config', cfg, '--strict', input]);
  assert.equal(strict.code, 1);
  assert.equal(strict.stdout, '');
  assert.match(strict.stderr, /^curriculum-route: --strict: phase sft gets 82 of its 100 rows \(short: b\)\n {2}hint: .*--rebalance/);
  const ok = await runInProcess(main, ['--config', cfg, '--strict', '--rebalance', input]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, reb.stdout);
  // Not enough rows in the whole phase: --strict --rebalance fails too.
  const tiny = writeNdjson(dir, 'tiny.ndjson', [...rows('a', 2), ...rows('b', 2), ...rows('c', 2)]);
  const t = await runInProcess(main, ['--config', cfg, '--strict', '--rebalance', tiny]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /--strict: phase sft gets 24 of its 100 rows/);
});
