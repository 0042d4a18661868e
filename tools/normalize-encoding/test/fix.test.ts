import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CP437, fixRowLine, fixText, ISO_8859_2, MACROMAN, WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1253, WINDOWS_1254, WINDOWS_1257 } from '@ldt/normalize-encoding';
import { parsePaths } from '@ldt/schema';
import iconv from 'iconv-lite';

const DEFAULTS = { mojibake: true, form: 'NFC', stripInvisible: false, htmlEntities: false, uncurlQuotes: false, foldLigatures: false, foldWidth: false } as const;

test('code page tables match iconv-lite', () => {
  const high = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));
  const strip = (s: string, t: string) => [...s].map((c, i) => (c === '\ufffd' ? t[i] : c)).join('');
  assert.equal(WINDOWS_1252, strip(iconv.decode(high, 'windows-1252'), WINDOWS_1252));
  assert.equal(WINDOWS_1251, strip(iconv.decode(high, 'windows-1251'), WINDOWS_1251));
  assert.equal(MACROMAN, strip(iconv.decode(high, 'macintosh'), MACROMAN).replace('\u2126', '\u03a9'));
  assert.equal(CP437, iconv.decode(high, 'cp437'));
  assert.equal(WINDOWS_1250, strip(iconv.decode(high, 'windows-1250'), WINDOWS_1250));
  assert.equal(WINDOWS_1253, strip(iconv.decode(high, 'windows-1253'), WINDOWS_1253));
  assert.equal(WINDOWS_1254, strip(iconv.decode(high, 'windows-1254'), WINDOWS_1254));
  assert.equal(WINDOWS_1257, strip(iconv.decode(high, 'windows-1257'), WINDOWS_1257));
  assert.equal(ISO_8859_2, iconv.decode(high, 'iso-8859-2'));
  // The bytes the sloppy tables fill in are exactly the ones the page leaves undefined, as the C1 control of that number.
  for (const t of [WINDOWS_1250, WINDOWS_1253, WINDOWS_1254, WINDOWS_1257])
    for (let i = 0; i < 128; i++) if (/[\u0080-\u009f]/.test(t[i]) || (t[i].charCodeAt(0) === 0x80 + i && i >= 0x20)) assert.equal(t.charCodeAt(i), 0x80 + i);
});

test('repairs the common mojibake of each code page', () => {
  const cases: [string, string, string][] = [
    ['xÂ²', 'x²', 'mojibake:windows-1252'],
    ['cafÃ©', 'café', 'mojibake:windows-1252'],
    ['doesnâ€™t', 'doesn’t', 'mojibake:windows-1252'],
    ['ÃƒÂ©tÃƒÂ©', 'été', 'mojibake:windows-1252'],
    ['Ð¿Ñ€Ð¸Ð²ÐµÑ‚', 'привет', 'mojibake:windows-1252'],
    ['ä¸­æ–‡', '中文', 'mojibake:windows-1252'],
    ['ðŸ˜€ ok', '😀 ok', 'mojibake:windows-1252'],
    ['bÅ‚Ä…d', 'błąd', 'mojibake:windows-1252'],
    ['aÈ™a', 'așa', 'mojibake:windows-1252'],
    ['РџСЂРёРІРµС‚', 'Привет', 'mojibake:windows-1251'],
    ['√©t√©', 'été', 'mojibake:macroman'],
    ['caf├⌐', 'café', 'mojibake:cp437'],
  ];
  for (const [input, want, fix] of cases) {
    const r = fixText(input);
    assert.equal(r.text, want, input);
    assert.deepEqual(r.fixes, [fix], input);
  }
});

test('C1 controls are read as windows-1252 (latin-1 misreading, udhr kea)', () => {
  assert.deepEqual(fixText('l\u0092homme \u0093x\u0094'), { text: 'l’homme “x”', fixes: ['c1-controls'] });
});

test('partial mojibake: only the broken part changes', () => {
  assert.equal(fixText('été, and then Ã©tÃ©').text, 'été, and then été');
  assert.equal(fixText('Ã  Paris Ã©tÃ©').text, 'à Paris été');
});

test('correct text that looks like mojibake is left alone', () => {
  for (const s of [
    '«ÉTÉ»',
    'été…»',
    '—él dijo',
    'Рёв',
    'Её',
    'Fuß“ ok',
    'náššuvnnaid',
    'l’école',
    '«école»',
    '├── src',
    '√2 ≈ 1.41',
    'Ωmega ≠ ç',
    'YN GYDRADD Â’I GILYDD',
    'ГОДНАСЦІ, ЯКАЯ ЎСІМІ',
    'СУЂЕЊЕ',
    'Ça coûte 5 € — déjà',
  ]) {
    assert.deepEqual(fixText(s), { text: s, fixes: [] }, s);
  }
});

test('hygiene: surrogates, escapes, line breaks, controls, NFC', () => {
  assert.deepEqual(fixText('a\ud83db'), { text: 'a\ufffdb', fixes: ['surrogates'] });
  assert.deepEqual(fixText('\x1b[31mred\x1b[0m'), { text: 'red', fixes: ['terminal-escapes'] });
  assert.deepEqual(fixText('a\r\nb\rc'), { text: 'a\nb\nc', fixes: ['line-breaks'] });
  assert.deepEqual(fixText('a\x00b\x07\tc\n'), { text: 'ab\tc\n', fixes: ['control-chars'] });
  assert.deepEqual(fixText('e\u0301'), { text: 'é', fixes: ['nfc'] });
  assert.deepEqual(fixText('e\u0301', { form: 'none' }), { text: 'e\u0301', fixes: [] });
  assert.deepEqual(fixText('😀 ok'), { text: '😀 ok', fixes: [] });
});

test('typography is kept unless a flag asks', () => {
  const s = '“ﬁne” Ａ１\u200b&amp;\ufeff';
  assert.deepEqual(fixText(s), { text: s, fixes: [] });
  const r = fixText(s, { uncurlQuotes: true, foldLigatures: true, foldWidth: true, stripInvisible: true, htmlEntities: true });
  assert.equal(r.text, '"fine" A1&');
  assert.deepEqual(r.fixes, ['html-entities', 'invisible', 'quotes', 'ligatures', 'width']);
  assert.deepEqual(fixText('ﬁ', { form: 'NFKC' }), { text: 'fi', fixes: ['nfkc'] });
  assert.equal(fixText('\u200d\u200c').text, '\u200d\u200c');
});

test('fixRowLine: keeps bytes outside changed strings, skips keys and meta, honours fields', () => {
  const raw = '{"a": "cafÃ©", "n": 12345678901234567890, "Ã©": 1.0, "meta": {"x": "Ã©"}, "m": [{"c": "xÂ²"}, {"c": "ok", "d": "xÂ²"}]}';
  const value = JSON.parse(raw);
  let r = fixRowLine(raw, value, { fix: DEFAULTS, fields: undefined, explain: false });
  assert.equal(r.line, '{"a": "café", "n": 12345678901234567890, "Ã©": 1.0, "meta": {"x": "Ã©"}, "m": [{"c": "x²"}, {"c": "ok", "d": "x²"}]}');
  assert.deepEqual(r.fixes, ['mojibake:windows-1252']);
  r = fixRowLine(raw, JSON.parse(raw), { fix: DEFAULTS, fields: parsePaths('m.*.c'), explain: true });
  assert.equal(r.line, '{"a": "cafÃ©", "n": 12345678901234567890, "Ã©": 1.0, "meta": {"x":"Ã©","fixes":["mojibake:windows-1252"]}, "m": [{"c": "x²"}, {"c": "ok", "d": "xÂ²"}]}');
  r = fixRowLine('{"a":"ok"}', { a: 'ok' }, { fix: DEFAULTS, fields: undefined, explain: true });
  assert.deepEqual(r, { line: '{"a":"ok"}', fixes: [] });
  r = fixRowLine('{"a":"\\ud83d x","b":["\\u00c3\\u00a9"]}', JSON.parse('{"a":"\\ud83d x","b":["\\u00c3\\u00a9"]}'), { fix: DEFAULTS, fields: undefined, explain: false });
  assert.equal(r.line, '{"a":"\ufffd x","b":["é"]}');
});

test('fixRowLine: value tokens with nothing to fix are passed over, the ones after them are still fixed', () => {
  // ASCII values before and between non-ASCII keys and values; escapes that matter (`\\u`, `\\r`) and
  // ones that do not (`\\n`, `\\"`, an escaped backslash before a `u`); `&` only with --html-entities.
  const raw = '{"Ã©": "plain \\"q\\" \\\\u", "k": ["a\\nb", "cafÃ©"], "r": "x\\ry", "e": "\\u00c3\\u00a9", "h": "&amp;", "z": "Ã©t"}';
  const value = JSON.parse(raw);
  const r = fixRowLine(raw, value, { fix: DEFAULTS, fields: undefined, explain: false });
  assert.equal(r.line, '{"Ã©": "plain \\"q\\" \\\\u", "k": ["a\\nb", "café"], "r": "x\\ny", "e": "é", "h": "&amp;", "z": "ét"}');
  const h = fixRowLine(raw, JSON.parse(raw), { fix: { ...DEFAULTS, htmlEntities: true }, fields: undefined, explain: false });
  assert.equal(h.line, '{"Ã©": "plain \\"q\\" \\\\u", "k": ["a\\nb", "café"], "r": "x\\ny", "e": "é", "h": "&", "z": "ét"}');
});

test('fixText never throws and is idempotent on random mixes of the characters mojibake is made of (seed 7)', () => {
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const alphabet = `${WINDOWS_1252}${WINDOWS_1251}${MACROMAN}${CP437} aeé\u00a0\r\n\t\x1b[m\u0000\ud83d\ude00\u0301`;
  for (let n = 0; n < 3000; n++) {
    let s = '';
    const len = 1 + Math.floor(rand() * 24);
    for (let k = 0; k < len; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const once = fixText(s);
    assert.equal(typeof once.text, 'string');
    const twice = fixText(once.text);
    // Mojibake repair may peel one more layer; hygiene must be stable.
    assert.deepEqual(fixText(twice.text, { mojibake: false }).fixes, [], JSON.stringify(s));
  }
});
