// Issue 14: ftfy's repairs without its (or our former) false repairs. Every broken input here is
// made by iconv-lite from a clean text of our own, so each case says which wrong decoding it is.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixText, main } from '@ldt/normalize-encoding';
import { parseNdjson, runInProcess, tmpDir } from '@ldt/testkit';
import iconv from 'iconv-lite';

/** UTF-8 bytes of `text` read through `page`; bytes the page leaves undefined become the C1 control of the same number (as sloppy decoders do). */
function misread(text: string, page: string, bytes: Buffer = Buffer.from(text, 'utf8')): string {
  const s = iconv.decode(bytes, page);
  let o = '';
  for (let i = 0; i < bytes.length; i++) o += s[i] === '\ufffd' ? String.fromCharCode(bytes[i]) : s[i];
  return o;
}

/** CESU-8: each half of a surrogate pair as its own 3-byte sequence. */
function cesu8(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdfff) parts.push(Buffer.from([0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]));
    else parts.push(Buffer.from(text[i], 'utf8'));
  }
  return Buffer.concat(parts);
}

test('false repairs of issue 14 (our own examples): correct text that happens to decode as UTF-8 is left alone', () => {
  // [text, the code page through which it would "decode"]: each is valid UTF-8 once encoded there,
  // which is what made the former engine rewrite it.
  const traps: [string, string][] = [
    ['area = √π·r², so √π ≈ 1.7725', 'macintosh'], // math: √π → ù
    ['┬─┐ │ ├┤q┼┐w', 'cp437'], // box drawing: ├┤ → ô, ┼┐ → ſ
    ['isso é´´ bom', 'windows-1252'], // acute accents as quotes: é´´ → 鴴
    ['x ¬´ y', 'macintosh'], // emoticon: ¬´ → «
    ['Ã¥r', 'windows-1252'], // ambiguous: å, or Ã then ¥
    ['ÀÉ', 'macintosh'], // all-caps Latin-1: → ˃
  ];
  for (const [text, page] of traps) {
    // The trap is real: some non-ASCII stretch of it is in `page` and its bytes there are valid
    // UTF-8 (of something else), which is what made the former engine rewrite it.
    const decodes = (text.match(/[^\x00-\x7f]+/g) ?? []).some((run) => {
      const bytes = iconv.encode(run, page);
      if (iconv.decode(bytes, page) !== run) return false;
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes) !== run;
      } catch {
        return false;
      }
    });
    assert.ok(decodes, `${text}: some stretch is valid UTF-8 through ${page}`);
    assert.deepEqual(fixText(text), { text, fixes: [] }, text);
  }
  // Mixed with real text and other symbols, still alone.
  for (const s of [
    'Γ(½) = √π, and ∫₀^∞ e^{−x²} dx = √π/2',
    '├── lib\n│   └── x.ts\n└── README.md',
    'a ¬´ b ´¬ c',
    'ÉCOLE NATIONALE — AÇÃO — ÜBER — ÀÉ',
    '±5 °C, 3×4, ½ ¼ ¾, µm, ©®™, § 3 ¶ 2',
    'Ãngulo? No: ángulo.',
  ])
    assert.deepEqual(fixText(s), { text: s, fixes: [] }, s);
});

test('repairs UTF-8 read as windows-1250/1251/1253/1254/1257 and ISO-8859-2, naming the page', () => {
  const cases: [string, string, string][] = [
    ['windows-1250', 'Příliš žluťoučký kůň', 'mojibake:windows-1250'],
    ['windows-1250', 'Où est la gare? Très bien, señor.', 'mojibake:windows-1250'],
    ['windows-1251', 'Привет, как дела?', 'mojibake:windows-1251'],
    ['windows-1253', 'Καλημέρα σας, φίλε', 'mojibake:windows-1253'],
    ['windows-1254', 'Привет, мир', 'mojibake:windows-1254'],
    ['windows-1254', 'ok 👍 done', 'mojibake:windows-1254'],
    ['windows-1257', 'Привет, мир', 'mojibake:windows-1257'],
    ['iso-8859-2', 'Zażółć gęślą jaźń', 'mojibake:iso-8859-2'],
  ];
  for (const [page, clean, fix] of cases) {
    const broken = misread(clean, page);
    assert.notEqual(broken, clean);
    assert.deepEqual(fixText(broken), { text: clean, fixes: [fix] }, `${page}: ${broken}`);
  }
});

test('repairs CESU-8 (surrogate pairs as two 3-byte sequences) read as windows-1252 or latin-1', () => {
  const clean = 'nice 👍 job 🎉';
  for (const page of ['windows-1252', 'latin1']) {
    const broken = misread(clean, page, cesu8(clean));
    assert.match(broken, /í/);
    assert.deepEqual(fixText(broken), { text: clean, fixes: ['mojibake:windows-1252'] }, broken);
  }
});

test('repairs text broken twice, and partial mojibake inside correct text', () => {
  const twice = misread(misread('crème brûlée', 'windows-1252'), 'windows-1252');
  assert.equal(fixText(twice).text, 'crème brûlée');
  const partial = `Le menu: ${misread('crème brûlée — 5 €', 'windows-1252')}, déjà vu.`;
  assert.equal(fixText(partial).text, 'Le menu: crème brûlée — 5 €, déjà vu.');
  const greek = `Ελληνικά: ${misread('Καλημέρα', 'windows-1253')} ok`;
  assert.deepEqual(fixText(greek), { text: 'Ελληνικά: Καλημέρα ok', fixes: ['mojibake:windows-1253'] });
  const polish = `Polski: ${misread('Zażółć gęślą jaźń', 'windows-1250')}, tak.`;
  assert.deepEqual(fixText(polish), { text: 'Polski: Zażółć gęślą jaźń, tak.', fixes: ['mojibake:windows-1250'] });
  // Each line is judged on its own.
  assert.equal(fixText(`${misread('été', 'macintosh')}\nClean: √π ≈ 1.77`).text, 'été\nClean: √π ≈ 1.77');
});

test('lossy mojibake: a sequence that lost a byte (to U+FFFD, or to ?) becomes one U+FFFD, the rest is repaired', () => {
  const clean = 'He said “hi” and left — Á bientôt';
  // Strict windows-1252 turns the undefined byte 0x9D (of ”) and 0x81 (of Á) into U+FFFD.
  const lossy = iconv.decode(Buffer.from(clean, 'utf8'), 'windows-1252');
  assert.equal((lossy.match(/\ufffd/g) ?? []).length, 2);
  const want = 'He said “hi\ufffd and left — \ufffd bientôt';
  assert.equal(fixText(lossy).text, want);
  assert.equal(fixText(lossy.replaceAll('\ufffd', '?')).text, want);
});

test('a line holding both C1 controls and windows-1252 punctuation is not windows-1252 mojibake: ISO-8859-2 is tried', () => {
  // ISO-8859-2 reads bytes 0x80–0x9F as C1 controls and 0xA9 as `Š`, which windows-1252 has at
  // 0x8A: read as one page mixing both, `╩` (E2 95 A9) would come back as `╊` (E2 95 8A).
  for (const clean of ['╚════╩════╝', 'עברית: שלום עולם']) {
    const broken = misread(clean, 'iso-8859-2');
    assert.match(broken, /[\u0080-\u009f]/);
    assert.match(broken, /Š/);
    assert.deepEqual(fixText(broken), { text: clean, fixes: ['mojibake:iso-8859-2'] }, broken);
  }
});

test('partial mojibake with lost bytes: the sequences around a `?` or U+FFFD are repaired, the lost one is not guessed', () => {
  // `я` is D1 8F; strict windows-1252 has no 0x8F, so it became U+FFFD, then `?`.
  const lost = iconv.decode(Buffer.from('мягких', 'utf8'), 'windows-1252');
  assert.equal(lost, 'Ð¼Ñ\ufffdÐ³ÐºÐ¸Ñ…');
  assert.equal(fixText(`мягких ${lost.replace('\ufffd', '?')}`).text, 'мягких мÑ?гких');
  // A U+FFFD that an earlier round produced does not swallow the letter before it.
  const twoLost = iconv.decode(Buffer.from('отнасят', 'utf8'), 'windows-1252');
  assert.equal(fixText(`x ${twoLost} Ã©`).text, 'x отна\ufffd\ufffdт é');
});

test('issue 14 repair classes: a single Greek letter inside a word, modifier letters, language names in their own scripts', () => {
  // One mid-word Greek letter in an otherwise correct line (`Î¼` for `μ`).
  assert.deepEqual(fixText(`a 5${misread('μ', 'windows-1252')}m wide cell, déjà vu`), { text: 'a 5μm wide cell, déjà vu', fixes: ['mojibake:windows-1252'] });
  // IPA with modifier letters (`ˈ`, Common script) glued to Latin ones, in part of a line.
  assert.equal(fixText(`Phonetics: ${misread('/ˈfəʊnɛtɪks/', 'windows-1252')} ʃ ʒ`).text, 'Phonetics: /ˈfəʊnɛtɪks/ ʃ ʒ');
  const names = 'English, Français, Русский, 中文, 日本語, العربية, Ελληνικά';
  assert.equal(fixText(`Languages: ${misread(names, 'windows-1252')}`).text, `Languages: ${names}`);
  assert.equal(fixText(`Languages: English, ${misread('Русский, 中文, 日本語', 'windows-1252')}, Ελληνικά`).text, 'Languages: English, Русский, 中文, 日本語, Ελληνικά');
  // MacRoman, once and twice: `·ûò·ûì` (Khmer) holds `ûª` and `üÜ`, a small accented letter then a
  // rare sign or a capital.
  const khmer = 'មនុស្សទាំងអស់ កើតមកមានសេរីភាព';
  assert.deepEqual(fixText(misread(khmer, 'macintosh')), { text: khmer, fixes: ['mojibake:macroman'] });
  assert.deepEqual(fixText(misread(misread(khmer, 'macintosh'), 'macintosh')), { text: khmer, fixes: ['mojibake:macroman'] });
  // Correct text with the same letters is left alone.
  for (const s of ['Müller│Türkü│ ÀÉ', 'Grüße für Müsli — 5 € · üben', 'μm, πr², Ω·m', 'ˈfəʊnɛtɪks ʃ ʒ']) assert.deepEqual(fixText(s), { text: s, fixes: [] }, s);
});

test('a space that stood for byte 0xA0 (NBSP collapsed) is restored', () => {
  assert.equal(fixText('voilÃ le travail').text, 'voilà le travail');
  assert.equal(fixText('costs 5Â euros, Ã©tÃ©').text, 'costs 5\u00a0euros, été');
});

test('--explain names the code page of each repair (issue 14)', async () => {
  const dir = tmpDir('ne-explain-');
  const file = join(dir, 'in.ndjson');
  const rows = [{ text: misread('Příliš žluťoučký kůň', 'windows-1250') }, { text: misread(misread('Καλημέρα', 'windows-1253'), 'windows-1253') }, { text: 'Γ(½) = √π' }];
  writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const r = await runInProcess(main, ['--explain', file]);
  assert.equal(r.code, 0, r.stderr);
  const out = parseNdjson(r.stdout) as { text: string; meta?: { fixes: string[] } }[];
  assert.deepEqual(out[0], { text: 'Příliš žluťoučký kůň', meta: { fixes: ['mojibake:windows-1250'] } });
  assert.deepEqual(out[1], { text: 'Καλημέρα', meta: { fixes: ['mojibake:windows-1253'] } });
  assert.deepEqual(out[2], { text: 'Γ(½) = √π' });
});

test('partial mojibake is read run by run within one code page, the page chosen for the whole line', () => {
  // A windows-1250 garble glued to correct Serbian `ј`, which windows-1251 has as a continuation
  // byte: runs found over all pages at once could not start there.
  const serbian = `свој${misread('ствени изглед', 'windows-1250')}`;
  assert.deepEqual(fixText(serbian), { text: 'својствени изглед', fixes: ['mojibake:windows-1250'] });
  // MacRoman Thai inside correct Thai: `∏ß‡` must not be cut into a windows-1250 sequence `ß‡`.
  const thai = `ไทย: ${misread('สวัสดี', 'macintosh')}ครับ`;
  assert.deepEqual(fixText(thai), { text: 'ไทย: สวัสดีครับ', fixes: ['mojibake:macroman'] });
  // Devanagari through windows-1250: MacRoman (`¤•` is a 2-byte sequence there) must not take it.
  assert.equal(fixText(`अधि${misread('कारदृशा च समानाः', 'windows-1250')} सन्ति`).text, 'अधिकारदृशा च समानाः सन्ति');
});

test('pages that read a run alike are told apart by rare letters and capitals glued after small letters', () => {
  // `Ć®` is `î` in windows-1257 and `Ʈ` (Latin Extended-B) in windows-1250, which comes first.
  const romanian = `Ele ${misread('sînt înzestrate cu rațiune și conștiință', 'windows-1257')} și trebuie`;
  assert.deepEqual(fixText(romanian), { text: 'Ele sînt înzestrate cu rațiune și conștiință și trebuie', fixes: ['mojibake:windows-1257'] });
  // `Ăś` is `ö` in ISO-8859-2 and `Ü` in windows-1250: `fÜrnuft` has a capital after a small letter.
  const swedish = `De ${misread('äro utrustade med förnuft', 'iso-8859-2')} och samvete`;
  assert.deepEqual(fixText(swedish), { text: 'De äro utrustade med förnuft och samvete', fixes: ['mojibake:iso-8859-2'] });
  // `ÄĄ` is Maltese `ġ` in ISO-8859-2 and Esperanto-only `ĥ` in windows-1250 (whole-line reading).
  assert.deepEqual(fixText(`Sa ${misread('mogħnija bir-raġuni', 'iso-8859-2')} u`), { text: 'Sa mogħnija bir-raġuni u', fixes: ['mojibake:iso-8859-2'] });
});

test("leftovers of the line's misreading are repaired once its page is known", () => {
  // `Ć ` (`à` with its byte 0xA0 collapsed to a space) is plausible on its own; beside `VernĆ¹nft` it is the same misreading.
  assert.deepEqual(fixText(`Sie ${misread('hàn àlli Vernùnft', 'windows-1257')} ùn`), { text: 'Sie hàn àlli Vernùnft ùn', fixes: ['mojibake:windows-1257'] });
  // A single MacRoman 2-byte sequence (`Ÿà` for `و`) beside longer runs of the same garble.
  assert.deepEqual(fixText(`لحاظ ${misread('و حقوق با هم', 'macintosh')} برابرند`), { text: 'لحاظ و حقوق با هم برابرند', fixes: ['mojibake:macroman'] });
  // A leftover may be a sign of a 3-byte sequence (`β‡’` for `⇒`), or punctuation of another script (`Ű”` for `۔`).
  assert.deepEqual(fixText(`∀ε>0: |x${misread('−a|<δ ⇒', 'windows-1253')} |f(x)|<ε`), { text: '∀ε>0: |x−a|<δ ⇒ |f(x)|<ε', fixes: ['mojibake:windows-1253'] });
  assert.equal(fixText(`حقوق ${misread('سره برابر دي۔ ټول د عقل', 'windows-1250')} او`).text, 'حقوق سره برابر دي۔ ټول د عقل او');
});

test('false repairs the run reading must not make: MacRoman symbol leads beside letters, emoticons beside real mojibake', () => {
  // Ewe `ƒã` is `ċ` read as MacRoman: one 2-byte sequence of a page whose leads are symbols is no evidence.
  for (const s of ['Esi eme va kɔ ƒãa be, ablɔɖevinyenye', 'kɔ ƒãa, ƒõ ƒẽ ŋutiƒaƒa']) assert.deepEqual(fixText(s), { text: s, fixes: [] }, s);
  // An emoticon (`¬´`, `«` in MacRoman) in a line that does hold MacRoman mojibake is not a leftover:
  // a leftover must decode to letters, marks or common punctuation, and `«` is not among them.
  const line = `:( ¬´ ): (ツ) and ${misread('¯\\_(ツ)_/¯', 'macintosh')}`;
  const out = fixText(line).text;
  assert.ok(out.startsWith(':( ¬´ ): (ツ) and ¯\\_('), out);
});
