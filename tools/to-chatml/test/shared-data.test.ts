// Every input file under ../shared/data/{chat_sharegpt,chat_messages,alpaca,preference,gsm8k,eval}
// converts, every output row validates against configs/chatml.schema.json, rows in = rows out +
// rows rejected, a second run changes nothing, and the first rows of each file match a committed
// golden sample (test/shared-golden/, rewritten with UPDATE_GOLDEN=1). The only rejects are rows
// whose defects an independent check below finds in the data itself. When ../shared/data is
// absent these tests skip, saying so.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseNdjson, runInProcess, sharedData, tmpDir } from '@ldt/testkit';
import { main } from '@ldt/to-chatml';
import { assertValid } from './helpers.js';

const SKIP = sharedData('README.md') ? false : 'skipped: ../shared/data is absent (CI always has it)';
const golden = fileURLToPath(new URL('../../test/shared-golden/', import.meta.url));
const GOLDEN_ROWS = 3;
const dir = tmpDir();

/** Data files of the folders the issue names (parquet is hf-fetch's job: it turns parquet into NDJSON). */
function dataFiles(): string[] {
  const root = sharedData('') as string;
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(json|jsonl)(\.gz)?$/.test(name)) out.push(relative(root, p));
    }
  };
  for (const f of ['chat_sharegpt', 'chat_messages', 'alpaca', 'preference', 'gsm8k', 'eval']) walk(join(root, f));
  return out;
}

function readText(p: string): string {
  const b = readFileSync(p);
  return (p.endsWith('.gz') ? gunzipSync(b) : b).toString('utf8');
}

/** Rows of a data file, counted independently of the tool (JSON document or JSONL). */
function sourceRows(p: string): unknown[] {
  const t = readText(p);
  if (p.endsWith('.json')) {
    const v = JSON.parse(t);
    return Array.isArray(v) ? v : [v];
  }
  return t
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Independent oracle for HH-RLHF transcripts: turns with blank text, and two same-speaker turns in a row. */
function hhDefects(s: string): { empty: boolean; same: boolean } {
  const parts = s.split(/(?:^|\n\n)(Human|Assistant): ?/);
  const speakers = parts.filter((_, i) => i % 2 === 1);
  const texts = parts.filter((_, i) => i % 2 === 0 && i > 0);
  return { empty: texts.some((t) => t.trim() === ''), same: speakers.some((r, i) => i > 0 && speakers[i - 1] === r) };
}

test('every shared data file converts: schema-valid rows, rows in = out + rejected, explained rejects only', { skip: SKIP }, async () => {
  const files = dataFiles();
  assert.ok(files.length >= 20, `found ${files.length} files`);
  mkdirSync(golden, { recursive: true });
  for (const rel of files) {
    const p = sharedData(rel) as string;
    const rej = join(dir, 'rej.ndjson');
    const reasons = join(dir, 'reasons.ndjson');
    const stats = join(dir, 'stats.json');
    const args = ['--quiet', '--rejects', rej, '--reject-reasons', reasons, '--stats', stats];
    if (rel.startsWith('preference/hh-rlhf')) args.push('--merge-consecutive');
    const r = await runInProcess(main, [...args, p]);
    assert.equal(r.code, 0, `${rel}: ${r.stderr}`);
    const out = parseNdjson(r.stdout);
    const s = JSON.parse(readFileSync(stats, 'utf8'));
    const src = sourceRows(p);
    assert.equal(s.read, src.length, `${rel}: rows read`);
    assert.equal(out.length + s.rejected_total, src.length, `${rel}: rows in = rows out + rejected`);
    for (const row of out) assertValid(row);

    // Rejects: each one must be a defect the oracle finds in the source row.
    const why = parseNdjson(readFileSync(reasons, 'utf8'));
    if (rel.startsWith('preference/hh-rlhf')) {
      const expected = src.flatMap((row, i) => {
        const { chosen, rejected } = row as { chosen: string; rejected: string };
        return hhDefects(chosen).empty || hhDefects(rejected).empty ? [i + 1] : [];
      });
      assert.deepEqual(
        why.map((w) => w.line),
        expected,
        'HH-RLHF: exactly the rows with an empty turn are rejected',
      );
      assert.ok(
        why.every((w) => w.reason === 'empty_content'),
        JSON.stringify(why),
      );
      assert.equal(expected.length, 4);
    } else if (rel === 'eval/mt_bench_reference_answer_gpt-4.jsonl') {
      assert.equal(why.length, src.length, 'answers without their questions: every row');
      assert.ok(why.every((w) => w.reason === 'answers_without_questions'));
    } else assert.deepEqual(why, [], `${rel}: unexpected rejects`);

    // Golden sample: the first rows of each file.
    const g = join(golden, `${rel.replaceAll('/', '__')}.ndjson`);
    const sample = `${r.stdout.split('\n').slice(0, GOLDEN_ROWS).join('\n')}\n`;
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(g)) {
      if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${g} is missing: run with UPDATE_GOLDEN=1 and review it`);
      writeFileSync(g, sample);
    } else assert.equal(sample, readFileSync(g, 'utf8'), `${rel}: golden sample`);

    // Idempotent: converting the output again changes nothing.
    const again = await runInProcess(main, ['--quiet', ...(rel.startsWith('preference/hh-rlhf') ? ['--merge-consecutive'] : [])], { stdin: r.stdout });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, r.stdout, `${rel}: to-chatml | to-chatml = to-chatml`);
  }
});

test('HH-RLHF without --merge-consecutive: the same-speaker rows are rejected too, with that reason', { skip: SKIP }, async () => {
  const p = sharedData('preference/hh-rlhf_harmless-base_test.jsonl.gz') as string;
  const reasons = join(dir, 'hh-reasons.ndjson');
  const r = await runInProcess(main, ['--quiet', '--rejects', join(dir, 'hh-rej'), '--reject-reasons', reasons, p]);
  assert.equal(r.code, 0, r.stderr);
  const src = sourceRows(p) as { chosen: string; rejected: string }[];
  const expected = src.flatMap((row, i) => {
    const c = hhDefects(row.chosen);
    const x = hhDefects(row.rejected);
    return c.empty || c.same || x.empty || x.same ? [i + 1] : [];
  });
  const why = parseNdjson(readFileSync(reasons, 'utf8'));
  assert.deepEqual(
    why.map((w) => w.line),
    expected,
  );
  assert.equal(why.length, 13);
});

test('HH-RLHF: prompt + chosen / prompt + rejected give back each transcript exactly', { skip: SKIP }, async () => {
  const p = sharedData('preference/hh-rlhf_harmless-base_test.jsonl.gz') as string;
  const r = await runInProcess(main, ['--quiet', '--rejects', join(dir, 'r2'), p]);
  const src = sourceRows(p) as { chosen: string; rejected: string }[];
  const byText = new Map(src.map((row) => [`${row.chosen}\u0000${row.rejected}`, row]));
  const render = (msgs: { role: string; content: string }[]) => msgs.map((m) => `\n\n${m.role === 'user' ? 'Human' : 'Assistant'}: ${m.content}`).join('');
  let matched = 0;
  for (const row of parseNdjson(r.stdout) as { prompt: never[]; chosen: never[]; rejected: never[] }[]) {
    const key = `${render([...row.prompt, ...row.chosen])}\u0000${render([...row.prompt, ...row.rejected])}`;
    // The source writes "Human: text" with one space; a turn whose text starts without it would not round-trip.
    if (byText.has(key)) matched++;
  }
  assert.equal(matched, 2299, `round-trip for ${matched} of 2299 rows`);
});

test('glaive tool calls: every function_call becomes a tool call whose arguments parse, answered by a tool message', { skip: SKIP }, async () => {
  const p = sharedData('chat_sharegpt/llamafactory_glaive_toolcall_en_demo.json') as string;
  const r = await runInProcess(main, ['--quiet', p]);
  const src = sourceRows(p) as { conversations: { from: string }[]; tools: string }[];
  const out = parseNdjson(r.stdout) as { messages: { role: string; tool_calls?: { id: string; function: { arguments: string } }[]; tool_call_id?: string }[]; tools?: unknown[] }[];
  assert.equal(out.length, 300);
  for (let i = 0; i < src.length; i++) {
    const calls = src[i].conversations.filter((m) => m.from === 'function_call').length;
    const results = src[i].conversations.filter((m) => m.from === 'observation').length;
    const got = out[i].messages.flatMap((m) => m.tool_calls ?? []);
    assert.equal(got.length, calls, `row ${i}`);
    assert.equal(out[i].messages.filter((m) => m.role === 'tool').length, results);
    for (const c of got) JSON.parse(c.function.arguments);
    const ids = new Set(got.map((c) => c.id));
    for (const m of out[i].messages) if (m.role === 'tool') assert.ok(ids.has(m.tool_call_id as string));
    assert.deepEqual(out[i].tools?.length ?? 0, (JSON.parse(src[i].tools || '[]') as unknown[]).length);
  }
});

test('MT-Bench answers convert once joined with their questions', { skip: SKIP }, async () => {
  const q = sourceRows(sharedData('eval/mt_bench_question.jsonl') as string) as { question_id: number }[];
  const a = sourceRows(sharedData('eval/mt_bench_reference_answer_gpt-4.jsonl') as string) as { question_id: number }[];
  const byId = new Map(q.map((x) => [x.question_id, x]));
  const joined = a.map((x) => JSON.stringify({ ...byId.get(x.question_id), ...x })).join('\n');
  const r = await runInProcess(main, [], { stdin: `${joined}\n` });
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout) as { messages: { role: string }[] }[];
  assert.equal(out.length, 30);
  for (const row of out) {
    assertValid(row);
    assert.deepEqual(
      row.messages.map((m) => m.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
  }
});
