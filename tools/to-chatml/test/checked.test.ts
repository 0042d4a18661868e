// Issue 17: OpenAI rows written from their bytes without a parse (fastOpenaiChecked). A row takes
// that path only where the parse path (fastOpenaiBytes over JSON.parse, i.e. convertRow) writes
// exactly the same bytes; everything else is parsed and converted as before, in input order.
// FC_SEED / FC_RUNS / FC_TIME_MS: see fcParams in @ldt/testkit.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JsonChecker } from '@ldt/ndjson';
import { fcParams, repoRoot, runInProcess, sharedData, tmpDir } from '@ldt/testkit';
import { convertRow, fastOpenaiBytes, fastOpenaiChecked, main } from '@ldt/to-chatml';
import fc from 'fast-check';
import { DEFAULTS } from './helpers.js';

const checker = new JsonChecker();

/** What the parse path writes for `line`: the line convertRow gives (with `\n`), or undefined for a reject. */
function reference(line: string): string | undefined {
  const value = JSON.parse(line);
  const r = convertRow({ value, raw: line, file: 't', line: 1 }, DEFAULTS);
  return r.ok ? `${r.line}\n` : undefined;
}

/** fastOpenaiChecked on `line`: the bytes it appends, or undefined when it declines. */
function checked(line: string): string | undefined {
  const out: Buffer[] = [];
  const b = Buffer.from(line);
  const took = fastOpenaiChecked(b, out);
  if (!took) {
    assert.equal(out.length, 0, 'nothing appended when declining');
    return undefined;
  }
  return Buffer.concat(out).toString('utf8');
}

/** fastOpenaiBytes over the parsed line (the parse path's own fast path). */
function parsedFast(line: string): string | undefined {
  const out: Buffer[] = [];
  return fastOpenaiBytes(JSON.parse(line), Buffer.from(line), out) ? Buffer.concat(out).toString('utf8') : undefined;
}

// Raw JSON pieces, written as text so that escapes, white space and duplicate keys are kept as is.
const ws = fc.constantFrom('', '', '', ' ', '\t', '\r\n ', '  ');
const str = (s: string) => JSON.stringify(s);
const roleText = fc.constantFrom(str('user'), str('assistant'), str('system'), str('tool'), str('User'), '"us\\u0065r"', '"assistan\\u0074"', str(''), '1', 'null');
const contentText = fc.constantFrom(
  str('hi'),
  str('Hello, world.'),
  str(''),
  str(' '),
  str('\n'),
  '"\\n\\t \\r\\f"',
  '"\\u0020"',
  '"\\u00a0x"',
  str('\u00a0'),
  str('\u3000\u2003'),
  str('\u3000a'),
  '"\\b"',
  '"\\""',
  '"\\\\"',
  '"\\/"',
  str('日本語'),
  str('é'),
  '"\\ud83d\\ude00"',
  '12',
  'null',
  '["a"]',
  '{"t":"x"}',
);
const msgKey = fc.constantFrom('weight', 'name', 'tool_calls', 'reasoning', 'thinking', 'function_call', 'tool_call_id', 'ro\\u006ce', 'clé', 'content', 'role');
const msgValue = fc.constantFrom('1', '1.0', 'null', '"x"', '[]', '{}', '{"a":[1,{"b":"}"}]}', '"a\\"b"');

type Member = [string, string];
const joinObject = (members: Member[], w: string[]) =>
  `{${w[0]}${members.map(([k, v], i) => `${k}${w[(i + 1) % w.length]}:${w[(i + 2) % w.length]}${v}`).join(`${w[1]},${w[2]}`)}${w[3]}}`;

const message = fc
  .record({
    role: fc.option(roleText, { freq: 8 }),
    content: fc.option(contentText, { freq: 8 }),
    extras: fc.array(fc.tuple(msgKey, msgValue), { maxLength: 2 }),
    contentFirst: fc.boolean(),
    w: fc.array(ws, { minLength: 4, maxLength: 4 }),
  })
  .map(({ role, content, extras, contentFirst, w }) => {
    const m: Member[] = [];
    if (role !== null) m.push(['"role"', role]);
    if (content !== null) m.splice(contentFirst ? 0 : m.length, 0, ['"content"', content]);
    for (const [k, v] of extras) m.splice(v.length % (m.length + 1), 0, [`"${k}"`, v]);
    return joinObject(m, w);
  });

const messagesText = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.array(message, { minLength: 0, maxLength: 5 }), ws).map(([ms, w]) => `[${w}${ms.join(`${w},`)}${w}]`) },
  // The usual alternating conversation, so that many rows qualify.
  {
    weight: 20,
    arbitrary: fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 }), contentText, ws).map(([sys, turns, c, w]) => {
      const ms: string[] = [];
      if (sys) ms.push(`{"role":"system",${w}"content":"be brief"}`);
      for (let t = 0; t < turns; t++) ms.push(`{"role":"user","content":${t === 0 ? c : '"q"'}}`, `{${w}"content":"a ${t}","role":"assistant"}`);
      return `[${ms.join(',')}]`;
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('null', '"x"', '{}', '[1]', '[[]]') },
);
const topKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('id', 'text', 'source', 'extra', '', 'x y') },
  { weight: 1, arbitrary: fc.constantFrom('meta', 'tools', 'label', 'chosen', 'rejected', '1', '0x', 'clé', 'mess\\u0061ges', 'messages') },
);
const topValue = fc.constantFrom('1', '"a"', 'null', '12345678901234567890', '1.50', '{"k":[1,2]}', '"\\u00e9"', '[]', 'true');

const row = fc
  .record({
    messages: fc.option(messagesText, { freq: 12 }),
    others: fc.array(fc.tuple(topKey, topValue), { maxLength: 2 }),
    at: fc.nat(),
    w: fc.array(ws, { minLength: 4, maxLength: 4 }),
  })
  .map(({ messages, others, at, w }) => {
    const m: Member[] = others.map(([k, v]) => [`"${k}"`, v]);
    if (messages !== null) m.splice(at % (m.length + 1), 0, ['"messages"', messages]);
    return joinObject(m, w);
  });

test('fastOpenaiChecked writes a row only where the parse path writes the same bytes, on generated rows', () => {
  let took = 0;
  let runs = 0;
  fc.assert(
    fc.property(row, (line) => {
      runs++;
      // Every generated line is one JSON object, and the checker passes it.
      JSON.parse(line);
      assert.ok(checker.checkBytes(Buffer.from(line)) & 1, line);
      const got = checked(line);
      if (got === undefined) return;
      took++;
      assert.equal(got, parsedFast(line), `the parse path's fast path: ${line}`);
      assert.equal(got, reference(line), `convertRow: ${line}`);
    }),
    fcParams('to-chatml checked fast path', 3000),
  );
  // Not vacuous: a good share of the generated rows take the checked path.
  assert.ok(took > runs / 10, `${took} of ${runs} rows took the checked path`);
});

test('fastOpenaiChecked: each way a row is kept off the path, and each way it is taken', () => {
  const ok = '[{"role":"user","content":"q"},{"role":"assistant","content":"r"}]';
  const cases: [string, boolean][] = [
    [`{"messages":${ok}}`, true],
    [`{"id":7,"messages":${ok},"text":"t","source":{"a":1}}`, true],
    [` { "messages" :\t${ok.replaceAll(',', ' , ')} } `, true],
    [`{"messages":[{"role":"system","content":"s"},{"content":"q","role":"user","name":"n"},{"role":"assistant","content":"日本"}]}`, true],
    [`{"messages":[{"role":"user","content":"\\"q\\""},{"role":"assistant","content":"\\n\\/"}]}`, true],
    [`{"messages":[{"role":"user","content":"\\b"},{"role":"assistant","content":" x "}]}`, true],
    // White space is told exactly, non-ASCII and \u escapes included (JavaScript's \s).
    [`{"messages":[{"role":"user","content":"\\u0041"},{"role":"assistant","content":"r"}]}`, true],
    [`{"messages":[{"role":"user","content":"\\u00a0\\u3000\\ufeff\\u000b"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":"\u00a0\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff\u1680 "},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":"\u00a0é"},{"role":"assistant","content":"r"}]}`, true],
    [`{"messages":[{"role":"user","content":"\u200b"},{"role":"assistant","content":"r"}]}`, true],
    [`{"messages":[{"role":"user","content":"\u0085"},{"role":"assistant","content":"r"}]}`, true],
    [`{"messages":[{"role":"user","content":"😀"},{"role":"assistant","content":"日本"}]}`, true],
    [`{"messages":[{"role":"user","content":"\\ud83d"},{"role":"assistant","content":"r"}]}`, true],
    // Refused by fastKeys itself.
    [`{"messages":[]}`, false],
    [`{"messages":[{"role":"user","content":"q"}]}`, false],
    [`{"messages":[{"role":"user","content":"q"},{"role":"user","content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"tool","content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":" \\n\\t"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":""},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":1},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":["q",{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"","tool_calls":[]}]}`, false],
    [`{"messages":[{"role":"user","content":"q","reasoning":"x"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":${ok},"meta":{}}`, false],
    [`{"messages":${ok},"tools":[]}`, false],
    [`{"messages":${ok},"chosen":1}`, false],
    [`{"text":"t"}`, false],
    [`{"messages":{"role":"user"}}`, false],
    // Refused here because only the parse could tell; the parse path then decides.
    [`{"messages":[{"role":"us\\u0065r","content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"ro\\u006ce":"user","content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","role":"user","content":"q"},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":[{"role":"user","content":"q","content":" "},{"role":"assistant","content":"r"}]}`, false],
    [`{"messages":${ok},"id":1,"id":2}`, false],
    [`{"1":0,"messages":${ok}}`, false],
    [`{"clé":0,"messages":${ok}}`, false],
    [`{"mess\\u0061ges":${ok}}`, false],
  ];
  for (const [line, want] of cases) {
    const got = checked(line);
    assert.equal(got !== undefined, want, line);
    if (got !== undefined) assert.equal(got, reference(line), line);
    // Where the parse path would write the row with its own fast path, the two agree byte for byte.
    const ref = parsedFast(line);
    if (got !== undefined) assert.equal(got, ref, line);
  }
});

test('to-chatml over a file: the checked path and the parse path give the lines, rejects and counts of the parse path alone', async () => {
  const dir = tmpDir('ldt-to-chatml-checked-');
  const lines = [
    '{"id":1,"messages":[{"role":"user","content":"q1"},{"role":"assistant","content":"a1"}]}',
    '{"instruction":"do","input":"","output":"done"}',
    '{"messages":[{"role":"us\\u0065r","content":"q2"},{"role":"assistant","content":"a2"}]}',
    '',
    '{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a3"}]}\r',
    '{"messages":[{"role":"user","content":"q4"}',
    '{"conversations":[{"from":"human","value":"q5"},{"from":"gpt","value":"a5"}]}',
    '{"messages":[{"role":"user","content":"q6"},{"role":"assistant","content":"a6"}],"meta":{"source":"s"}}',
    '[{"role":"user","content":"q7"},{"role":"assistant","content":"a7"}]',
    '{"messages":[{"role":"user","content":"q8 \\u00e9"},{"role":"assistant","content":"a8"}],"text":"t"}',
  ];
  const input = join(dir, 'in.jsonl');
  writeFileSync(input, `${lines.join('\n')}\n`);
  const rejects = join(dir, 'rejects.ndjson');
  const stats = join(dir, 'stats.json');
  const r = await runInProcess(main, ['--rejects', rejects, '--stats', stats, input]);
  assert.equal(r.code, 0, r.stderr);
  // The parse path alone: each line parsed and converted on its own (line 6 is not JSON).
  const want = lines
    .map((l) => l.replace(/\r$/, ''))
    .filter((l, i) => l !== '' && i !== 5)
    .map((l) => {
      const value = JSON.parse(l);
      const c = convertRow({ value, raw: l, file: input, line: 0 }, DEFAULTS);
      assert.ok(c.ok, l);
      return `${c.line}\n`;
    })
    .join('');
  assert.equal(r.stdout, want);
  assert.equal(readFileSync(rejects, 'utf8'), `${lines[5]}\n`);
  const s = JSON.parse(readFileSync(stats, 'utf8'));
  assert.equal(s.read, 9);
  assert.equal(s.written, 8);
  assert.equal(s.blank_lines, 1);
  assert.deepEqual(s.rejected, { bad_json: 1 });
  assert.deepEqual(s.notes.formats, { alpaca: 1, openai: 5, openai_array: 1, sharegpt: 1 });
});

test('fastOpenaiChecked on every line of the examples and the shared chat data: taken only where the parse path writes the same bytes', (t) => {
  const root = repoRoot();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ndjson|jsonl)$/.test(e.name)) files.push(p);
    }
  };
  walk(join(root, 'examples'));
  const shared = ['chat_messages/openai_cookbook_toy_chat_fine_tuning.jsonl', 'chat_messages/xtuner_sft_text_messages.jsonl', 'gsm8k/xtuner_gsm8k_train_example_data.jsonl'].map(
    (f) => sharedData(f),
  );
  if (shared.some((f) => f === undefined)) t.diagnostic('../shared/data is absent: only the examples are read');
  for (const f of shared) if (f) files.push(f);
  let lines = 0;
  let took = 0;
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const l = line.replace(/\r$/, '');
      let value: unknown;
      try {
        value = JSON.parse(l);
      } catch {
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value) || !(checker.checkBytes(Buffer.from(l)) & 1)) continue;
      lines++;
      const got = checked(l);
      if (got === undefined) continue;
      took++;
      assert.equal(got, parsedFast(l), `${f}: ${l}`);
      assert.equal(got, reference(l), `${f}: ${l}`);
    }
  }
  assert.ok(lines > 1000, `${lines} object lines read`);
  assert.ok(took > 50, `${took} of ${lines} lines took the checked path`);
});
