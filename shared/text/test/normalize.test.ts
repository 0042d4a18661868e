import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNormalizeMode, normalizeText } from '@ldt/text';

test('none is the identity', () => {
  for (const s of ['  A  b ', 'x\u00a0y', '']) assert.equal(normalizeText(s, 'none'), s);
});

test('whitespace trims and folds every Unicode space run to one space', () => {
  assert.equal(normalizeText('  Hello \t\n  World  ', 'whitespace'), 'Hello World');
  assert.equal(normalizeText('a\u00a0\u2028b\u3000c', 'whitespace'), 'a b c');
  assert.equal(normalizeText('already clean', 'whitespace'), 'already clean');
  assert.equal(normalizeText('Case Kept', 'whitespace'), 'Case Kept');
});

test('lower folds whitespace and case, keeps punctuation', () => {
  assert.equal(normalizeText(' Hello,  WORLD! ', 'lower'), 'hello, world!');
  assert.equal(normalizeText('ÉCOLE İstanbul', 'lower'), 'école i̇stanbul');
});

test('aggressive applies NFKC, removes punctuation, keeps digits and symbols', () => {
  assert.equal(normalizeText('Hello, World!!', 'aggressive'), 'hello world');
  assert.equal(normalizeText('ﬁne — “quoted”', 'aggressive'), 'fine quoted');
  assert.equal(normalizeText('2+2=4', 'aggressive'), '2+2=4');
  assert.notEqual(normalizeText('2+2=4', 'aggressive'), normalizeText('3+3=6', 'aggressive'));
  assert.equal(normalizeText('ＡＢＣ１', 'aggressive'), 'abc1');
});

test('aggressive keeps combining marks in Devanagari and Thai', () => {
  assert.equal(normalizeText('नमस्ते', 'aggressive'), 'नमस्ते');
  assert.equal(normalizeText('สวัสดี', 'aggressive'), 'สวัสดี');
});

test('isNormalizeMode', () => {
  assert.ok(isNormalizeMode('lower'));
  assert.ok(!isNormalizeMode('LOWER'));
});

test('whitespace mode equals replace(/\\s+/gu, " ").trim() on every code unit and on random strings', async () => {
  const { isSpace } = await import('../src/normalize.js');
  for (let c = 0; c <= 0xffff; c++) assert.equal(isSpace(c), /\s/.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
  const reference = (s: string) => s.replace(/\s+/gu, ' ').trim();
  const alphabet = [' ', ' ', '\n', '\t', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u180e', '\u200b', 'a', 'b', 'é', '\ud83d', '\ude00', '.', 'x'];
  let seed = 17;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < 20000; i++) {
    let s = '';
    const len = next() % 24;
    for (let k = 0; k < len; k++) s += alphabet[next() % alphabet.length];
    assert.equal(normalizeText(s, 'whitespace'), reference(s), JSON.stringify(s));
    assert.equal(normalizeText(s, 'lower'), reference(s).toLowerCase(), JSON.stringify(s));
  }
  const clean = 'no change here';
  assert.equal(normalizeText(clean, 'whitespace'), clean);
});
