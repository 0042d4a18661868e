import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, canonicalText, HashSet128, Prng, referenceCanonicalJson, xxh64, xxh128, xxh128String } from '@ldt/hash';

test('xxh128 matches the XXH3-128 reference value (seed 0)', () => {
  // Reference: `xxhsum -H2` / python xxhash.xxh3_128_hexdigest(b"abc").
  assert.equal(xxh128(Buffer.from('abc')).toString('hex'), '06b05ab6733a618578af5f94892f3950');
  assert.equal(xxh128String('abc').toString('hex'), '06b05ab6733a618578af5f94892f3950');
  assert.equal(xxh128(Buffer.alloc(0)).toString('hex'), '99aa06d3014798d86001c324468d497f');
  assert.equal(xxh64(Buffer.from('abc')).toString('hex'), '78af5f94892f3950');
});

test('xxh128String handles strings longer than the scratch buffer and non-ASCII', () => {
  const long = 'é'.repeat(100_000);
  assert.equal(xxh128String(long).toString('hex'), xxh128(Buffer.from(long)).toString('hex'));
});

test('canonical text sorts keys, normalises string leaves, leaves strings unquoted', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'X  y'] }, 'lower'), '{"a":[true,null,"x y"],"b":1}');
  assert.equal(canonicalJson({ b: 1, a: 2 }, 'none'), canonicalJson({ a: 2, b: 1 }, 'none'));
  assert.equal(canonicalText('  Hi  there ', 'whitespace'), 'Hi there');
  assert.equal(canonicalText({ k: '\u2028' }, 'none'), '{"k":"\u2028"}');
});

test('HashSet128 adds, finds and counts distinct keys through many resizes', () => {
  const set = new HashSet128();
  const N = 200_000;
  for (let i = 0; i < N; i++) assert.equal(set.add(xxh128String(`row ${i}`)), true);
  assert.equal(set.size, N);
  for (let i = 0; i < N; i += 997) assert.equal(set.add(xxh128String(`row ${i}`)), false);
  for (let i = 0; i < N; i += 991) assert.ok(set.has(xxh128String(`row ${i}`)));
  assert.ok(!set.has(xxh128String('never added')));
  assert.equal(set.size, N);
  const perKey = set.byteLength / N;
  assert.ok(perKey >= 20 && perKey <= 24.5, `bytes per key ${perKey}`);
});

test('HashSet128.chunks lists every key once and reloads into an equal set', () => {
  const a = new HashSet128();
  for (let i = 0; i < 10_000; i++) a.add(xxh128String(String(i)));
  const b = new HashSet128();
  let n = 0;
  for (const chunk of a.chunks(1000)) {
    for (let o = 0; o < chunk.length; o += 16) {
      assert.ok(b.add(chunk, o));
      n++;
    }
  }
  assert.equal(n, 10_000);
  for (let i = 0; i < 10_000; i++) assert.ok(b.has(xxh128String(String(i))));
});

test('Prng is deterministic per seed and nextInt stays in range', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const sa = Array.from({ length: 5 }, () => a.nextU32());
  assert.deepEqual(
    sa,
    Array.from({ length: 5 }, () => b.nextU32()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 5 }, () => c.nextU32()),
  );
  const counts = new Array(6).fill(0);
  for (let i = 0; i < 60_000; i++) counts[a.nextInt(6)]++;
  for (const n of counts) assert.ok(n > 9_000 && n < 11_000, `counts ${counts}`);
  const f = a.nextFloat();
  assert.ok(f >= 0 && f < 1);
});

test('canonicalJson equals the reference definition on random nested values (seed 11)', () => {
  const prng = new Prng(11);
  const words = ['a', 'B', 'ä', ' x  y ', '10', '9', '😀', 'content', 'role', ''];
  const gen = (d: number): unknown => {
    const t = prng.nextInt(d > 2 ? 4 : 7);
    if (t === 0) return words[prng.nextInt(words.length)];
    if (t === 1) return prng.nextInt(1000) - 500;
    if (t === 2) return prng.nextInt(2) === 1 ? null : true;
    if (t === 3) return `${words[prng.nextInt(words.length)]}  ${words[prng.nextInt(words.length)]}`;
    if (t === 4) return Array.from({ length: prng.nextInt(4) }, () => gen(d + 1));
    const o: Record<string, unknown> = {};
    for (let i = prng.nextInt(5); i > 0; i--) o[words[prng.nextInt(words.length)]] = gen(d + 1);
    return o;
  };
  for (let i = 0; i < 3000; i++) {
    const v = gen(0);
    for (const mode of ['none', 'lower', 'aggressive'] as const) assert.equal(canonicalJson(v, mode), referenceCanonicalJson(v, mode));
  }
  assert.equal(canonicalJson({ 10: 'a', 9: 'b', x: 1 }, 'none'), '{"10":"a","9":"b","x":1}');
});

test('canonicalKey is order-independent for object keys and injective on tricky values', async () => {
  const { canonicalKey } = await import('@ldt/hash');
  assert.equal(canonicalKey({ role: 'user', content: 'x' }, 'none'), canonicalKey({ content: 'x', role: 'user' }, 'none'));
  assert.equal(canonicalKey([{ b: 1, a: 'é' }, null, true], 'none'), '[{s1:as1:és1:bn1;}zt]');
  const distinct = [['ab', 'c'], ['a', 'bc'], ['a:b'], 'a', ['a'], { a: 'b' }, { ab: '' }, [1], ['1'], [null], [], {}, ['s1:a'], [true], ['t']];
  const keys = distinct.map((v) => canonicalKey(v, 'none'));
  assert.equal(new Set(keys).size, distinct.length);
  assert.equal(canonicalKey({ t: '  A  B ' }, 'lower'), '{s1:ts3:a b}');
});

test('canonicalKeyBytes is the UTF-8 of canonicalKey on random values (lone surrogates, big numbers, unsorted and long keys, every mode)', async () => {
  const { canonicalKey, canonicalKeyBytes } = await import('@ldt/hash');
  const rng = new Prng(20261207);
  const units = ['a', 'Z', ' ', '  ', '\t', '\n', 'é', 'É', '中', '😀', '\ud83d', '\ude00', '\u0000', '"', '\\', ':', 's1:', '0', 'İ', 'ß'];
  const str = (max: number): string => {
    let s = '';
    const n = rng.nextInt(max + 1);
    for (let i = 0; i < n; i++) s += units[rng.nextInt(units.length)];
    return s;
  };
  const nums = [0, -0, 1, -1.5, 1e21, 1e-7, 12345678901234567e3, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2];
  const value = (depth: number): unknown => {
    switch (rng.nextInt(depth > 3 ? 5 : 7)) {
      case 0:
        return str(rng.nextInt(4) === 0 ? 400 : 12);
      case 1:
        return nums[rng.nextInt(nums.length)];
      case 2:
        return rng.nextInt(2) === 0;
      case 3:
        return null;
      case 4:
        return str(30);
      case 5:
        return Array.from({ length: rng.nextInt(5) }, () => value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let k = rng.nextInt(5); k > 0; k--) o[rng.nextInt(5) === 0 ? String(rng.nextInt(20)) : str(6)] = value(depth + 1);
        return o;
      }
    }
  };
  const modes = ['none', 'whitespace', 'lower', 'aggressive'] as const;
  for (let i = 0; i < 3000; i++) {
    const v = i === 0 ? { content: 'x'.repeat(100_000), role: 'user' } : value(0);
    const mode = modes[i % modes.length];
    assert.deepEqual(canonicalKeyBytes(v, mode), Buffer.from(canonicalKey(v, mode), 'utf8'), `value ${i}: ${JSON.stringify(v).slice(0, 200)}`);
  }
  // A chat message list, as dedup-exact hashes it.
  const msgs = [
    { role: 'user', content: 'héllo \ud83d' },
    { content: 'wörld', role: 'assistant' },
  ];
  assert.equal(canonicalKeyBytes(msgs, 'none').toString('utf8'), '[{s7:contents7:héllo �s4:roles4:user}{s7:contents5:wörlds4:roles9:assistant}]');
});
