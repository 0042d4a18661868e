// dedup-near --mark writes rows without meta on bytes (meta appended to the line's bytes, assembled
// per chunk; issue 17) and every other row through the full parse (emitRow). This checks the byte
// path against the full parse every other path of ldt takes, on random rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '@ldt/dedup-near';
import { Prng } from '@ldt/hash';
import { serializeWithMeta } from '@ldt/ndjson';
import { type JsonObject, setMeta } from '@ldt/schema';
import { runInProcess } from '@ldt/testkit';

test('--mark on bytes writes what the full parse writes: random near-duplicate rows with and without meta, escapes, big numbers, non-ASCII, CRLF', async () => {
  const rng = new Prng(5);
  const rand = (n: number) => rng.nextInt(n);
  const words = ['river', 'stone', 'é😀', '\\"q\\"', '\\\\', '\\u00e9', '€', 'a\\nb', '\\"meta\\"', 'meta', 'cloud', 'lamp', 'seven', 'quiet', 'orange'];
  const doc = () => Array.from({ length: 12 + rand(10) }, () => words[rand(words.length)]).join(' ');
  const metas = ['', '', '', ',"meta":{"source":"x"}', ', "meta" : { "n": 12345678901234567890 }', ',"meta":{"cluster":"old","x":1.0}', ',"meta":{}'];
  const bases = Array.from({ length: 40 }, doc);
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    // Most rows are a base document, some with one word changed (near duplicates), some new.
    let text = rand(5) === 0 ? doc() : bases[rand(bases.length)];
    if (rand(3) === 0) {
      const w = text.split(' ');
      w[rand(w.length)] = words[rand(words.length)];
      text = w.join(' ');
    }
    const big = rand(2) ? '12345678901234567890' : '1.50';
    const sp = rand(4) === 0 ? ' ' : '';
    const shape = rand(3);
    const body =
      shape === 0 ? `"text":"${text}"` : shape === 1 ? `"messages":[{"role":"user","content":"${text}"},{"role":"assistant","content":"ok"}]` : `${sp}"text" : "${text}"${sp}`;
    lines.push(`{"i":${i},${body},"big":${big}${metas[rand(metas.length)]}${sp}}${rand(4) === 0 ? ' ' : ''}${rand(3) === 0 ? '\r' : ''}`);
  }
  const stdin = `${lines.join('\n')}\n`;
  const r = await runInProcess(main, ['--mark', '--quiet'], { stdin });
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout.split('\n');
  assert.equal(got.pop(), '');
  assert.equal(got.length, lines.length);
  let dups = 0;
  let plain = 0;
  for (const [i, line] of got.entries()) {
    const raw = lines[i].replace(/\r$/, '');
    const meta = (JSON.parse(line) as { meta: JsonObject }).meta;
    assert.match(String(meta.cluster), /^[0-9a-f]{32}$/);
    assert.ok(Number.isInteger(meta.cluster_size) && (meta.cluster_size as number) >= 1);
    // The full parse: parse the input row, set the meta keys in the order dedup-near sets them.
    const value = JSON.parse(raw) as JsonObject;
    const hadMeta = value.meta !== undefined;
    if (!hadMeta) plain++;
    for (const k of ['cluster', 'cluster_size', 'dup_of', 'dup_reason', 'similarity']) if (meta[k] !== undefined) setMeta(value, k, meta[k]);
    if (meta.dup_reason !== undefined) {
      dups++;
      assert.equal(meta.dup_reason, 'near_duplicate');
      assert.equal(meta.dup_of, meta.cluster);
      // Similarity to the kept row (clusters are transitive: it may be below the threshold).
      assert.ok(typeof meta.similarity === 'number' && meta.similarity > 0 && meta.similarity <= 1);
      assert.equal(Math.round(meta.similarity * 1e4) / 1e4, meta.similarity, 'similarity has 4 decimals');
    }
    assert.equal(line, serializeWithMeta(raw, value, hadMeta), `line ${i + 1}`);
  }
  assert.ok(dups > 100 && plain > 100, `${dups} duplicates, ${plain} rows without meta`);
  // The same bytes with worker threads.
  const t = await runInProcess(main, ['--mark', '--quiet', '--threads', '2', '-'], { stdin });
  assert.equal(t.stdout, r.stdout);
});
