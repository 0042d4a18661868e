// normalize-encoding side by side with ftfy 6.3.1 (the reference every peer wraps), on the same
// inputs in the same run: agreement, false repairs, missed repairs, and both speeds.
//
//   node bench/normalize-encoding-vs-ftfy.mjs [--data DIR] [--chat-rows N] [--runs N] [--time-mb N] [--only SETS] [--show N] [--no-time]
//
// For quick iteration: `--only generated --no-time` compares the outputs on one copy of the
// generated set and prints no speed figures (the speed goal is then not judged).
//
// ftfy runs from ../shared/reference/ftfy with Debian's /usr/bin/python3 (see
// ../shared/reference/README.md), in the "LLM-safe" profile of datatrove and NeMo Curator:
// TextFixerConfig(fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False,
// fix_line_breaks=False, normalization='NFC'), plus unescape_html=False: our tool decodes HTML
// entities only with --html-entities, and that question is not the encoding one. Our tool always
// turns \r\n and \r into \n (ftfy's profile keeps them), so both outputs are compared after that
// one mapping. When python cannot import ftfy the ftfy columns are skipped, saying so.
//
// Input sets (each flattened to one string per row, {"text": ...}, written to bench/out/):
//   generated     clean texts of many scripts, math, code, box drawing, emoji, currency (the
//                 negatives), each pushed through every wrong decoding once and twice: UTF-8 read
//                 as windows-1252, latin-1, windows-1250/1251/1253/1254/1257, iso-8859-2, MacRoman,
//                 cp437, and CESU-8 read as windows-1252; also broken in the middle third only
//                 (partial), and windows-1252 with the undefined bytes lost to U+FFFD or '?' (lossy)
//   multilingual  ../shared/data/multilingual/udhr_shared.jsonl (7,088 texts, 26 scripts, correct)
//   gpteacher     every instruction/input/output string of the five GPTeacher Toolformer files
//   chat          the message strings of the first --chat-rows rows of the bench chat corpus
//
// Per set: rows; rows ftfy changes, and of those the rows where our output equals ftfy's; rows only
// we change (each printed; on the generated set split into broken rows we restore to the clean
// original, which ftfy misses, and damage); rows only ftfy changes and rows both change
// differently (first --show printed); the wall time of each tool over the set's file (best of
// --runs, process start-up included, on the set repeated to at least --time-mb MB, default 16) and
// the ratios ftfy / ours by wall and by CPU time (user + sys, GNU time). On the generated set, where the
// clean original of every row is known: of the broken rows ftfy restores to the original, the
// share we restore too, the rows ftfy changed where ours is neither ftfy's nor the original (first
// --show printed), and per kind of breakage the rows each tool restores and those neither restores.
// Goals (issue 14): no damage on any set; on generated, ≥ 97% of the rows ftfy changes changed to the
// same output (and ≥ 97% of ftfy's restorations); ≥ 1.5× ftfy's
// speed. Exits 0 even when a goal is missed (printed as FAIL); 1 when the tool is not built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const OUT = join(ROOT, 'bench', 'out');
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dataDir = resolve(flag('data', join(ROOT, '..', 'shared', 'data')));
const refDir = resolve(flag('reference', join(ROOT, '..', 'shared', 'reference')));
const chatRows = Number(flag('chat-rows', '20000'));
const runs = Number(flag('runs', '1'));
const show = Number(flag('show', '20'));
const timeSize = Number(flag('time-mb', '16')) * 2 ** 20;
const only = flag('only', undefined)?.split(',');
const noTime = args.includes('--no-time');
const log = (s) => process.stderr.write(`bench: ${s}\n`);
mkdirSync(OUT, { recursive: true });

// iconv-lite is a dependency of normalize-encoding: the wrong decodings come from it, not from our tables.
const iconv = createRequire(join(ROOT, 'tools', 'normalize-encoding', 'package.json'))('iconv-lite');

// ---------------------------------------------------------------- the generated corpus

/** Clean texts: ours, written for this benchmark, plus the first 200 characters of UDHR article 1 in every language with non-ASCII text. */
const OWN_CLEAN = [
  // math
  'Γ(1/2) = √π and ∫ e^{-x²} dx = √π',
  '∀ε>0 ∃δ>0: |x−a|<δ ⇒ |f(x)−f(a)|<ε',
  'σ² = E[(X−μ)²], so σ = √Var(X) ≈ 0.83 ± 0.02',
  '∑_{k=1}^{n} k = n(n+1)/2 and ∏ pᵢ ≤ 2ⁿ',
  'Let A ⊆ B ∩ C; then |A| ≤ min(|B|, |C|) and ∅ ∈ 𝒫(A).',
  'The angle is 45° (π/4 rad), and ½ + ¼ = ¾.',
  'x ∈ ℝ³, ‖x‖₂ = 1, ∇·F = 0, ∂f/∂x ≠ 0',
  '𝔼[X] = ∫ x dF(x) and ℙ(A|B) = ℙ(B|A)ℙ(A)/ℙ(B)',
  // code
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of JavaScript as sample text, not a template
  'const greet = (name) => `¡Hola, ${name}!`; // “friendly” greeting',
  'print(f"Température: {t:.1f} °C")  # naïve reading',
  'if (x ≥ 0 && y ≤ 10) { return "résultat"; }',
  "s = 'naïve café — déjà vu'; assert len(s) == 21",
  'SELECT nom, prénom FROM élèves WHERE âge > 12;',
  // box drawing, trees, tables
  '┌─┬─┐\n├┤x┼┐y┼┐z\n└─┴─┘',
  '├── src\n│   ├── main.rs\n│   └── lib.rs\n└── Cargo.toml',
  '╔════╦════╗\n║ A  ║ B  ║\n╚════╩════╝',
  'progress ▓▓▓▓▓░░░░░ 50% ▌▐ █▄▀',
  // emoji
  'Great job 👍🏽 see you soon 😀🎉',
  'Family: 👨‍👩‍👧‍👦, flags: 🇫🇷 🇯🇵, heart ❤️',
  'weather ☀️ → 🌧️ then ⛄ and 🌈',
  // currency and symbols
  'Prices: €12.50, £9.99, ¥1200, ₹499, ₽350, ₩5000, ₿0.001',
  'Copyright © 2024 Acme™ — all rights reserved®. § 4 ¶ 2',
  'Arrows ← ↑ → ↓ ↔ ⇒ ⇔ and bullets • ◦ ‣ ★ ☆ ✓ ✗',
  'Temperature −5 °C, 100 km/h, 3×4 = 12, 10 ÷ 2 = 5, ‰ 5',
  // typography
  '“Quoted,” she said — ‘single’ too… and « guillemets » and „Anführung“',
  'chegou lá´´ ontem, disse ela',
  ':( `¬´ ): and ¯\\_(ツ)_/¯ and (╯°□°)╯︵ ┻━┻',
  'Ångström unit (Å) and the ångstrom; Øresund; Ærø',
  'ÉCOLE NATIONALE SUPÉRIEURE — PARIS, FRANCE. CAFÉ CRÈME À EMPORTER',
  'STRASSE ÜBER DIE BRÜCKE, GRÖSSE XXL, MÄRZ',
  'Ça va? Très bien, merci. Où est la gare?',
  'Müller, Groß, Weiß und Söhne GmbH',
  'Łódź, Kraków, Gdańsk i Poznań — żółć',
  'Česká republika, Příliš žluťoučký kůň úpěl ďábelské ódy',
  'Türkçe: ığüşöç İĞÜŞÖÇ, Ankara’da',
  'Latviešu valoda: ā č ē ģ ī ķ ļ ņ š ū ž; lietuvių: ą č ę ė į š ų ū ž',
  'Ελληνικά: Καλημέρα κόσμε, ένα δύο τρία',
  'Русский: Съешь же ещё этих мягких французских булок, да выпей чаю.',
  'Українська: Їжак з’їв ґудзик; Беларуская: Ў ў',
  'Српски: Ђорђе, Љубиша, Њива, Ћуприја, Џеп',
  'עברית: שלום עולם',
  'العربية: مرحبا بالعالم',
  'فارسی: سلام دنیا، حال شما چطور است؟',
  'हिन्दी: नमस्ते दुनिया',
  'ไทย: สวัสดีชาวโลก',
  '中文：你好，世界！今天天气很好。',
  '日本語：こんにちは、世界。カタカナとひらがな。',
  '한국어: 안녕하세요, 세계!',
  'Tiếng Việt: Xin chào thế giới, cảm ơn bạn rất nhiều',
  'Languages: English, Français, Deutsch, Español, Русский, 中文, 日本語, العربية, हिन्दी, Ελληνικά',
  'Mixed: café 😀 東京 ∑ €5 — ok',
  'He said “résumé” not resume; the naïve coöperation of Zoë',
  'Naïve smile ^_^ and ʕ•ᴥ•ʔ and ☺',
  'Phonetics: /ˈfəʊnɛtɪks/ ʃ ʒ θ ð ŋ ː',
  'Letterlike: ℃ ℉ № ™ ℓ ℮ Ω ℧ K Å',
];

function generatedClean() {
  const texts = [...OWN_CLEAN];
  const udhr = join(dataDir, 'multilingual', 'udhr_shared.jsonl');
  if (existsSync(udhr)) {
    for (const line of readFileSync(udhr, 'utf8').split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line);
      if (r.section !== 'article-1' || !/[^\x00-\x7f]/.test(r.text)) continue;
      texts.push(Array.from(r.text.normalize('NFC').split('\n').at(-1)).slice(0, 200).join(''));
    }
  }
  return texts;
}

/** Bytes → text through a single-byte code page, "sloppy": a byte the page leaves undefined becomes the C1 control (or, for bytes < 0x80, the ASCII character) of the same number, as ftfy's sloppy codecs and Python's latin-1 do. */
function decodeSloppy(bytes, page) {
  if (page === 'latin-1') return bytes.toString('latin1');
  const s = iconv.decode(bytes, page);
  if (!s.includes('\ufffd')) return s;
  let o = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = s[i];
    o += c === '\ufffd' ? String.fromCharCode(bytes[i]) : c;
  }
  return o;
}

/** CESU-8: astral characters as two 3-byte surrogate sequences (what Java's "modified UTF-8" and some databases write). */
function cesu8(text) {
  const parts = [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdfff) parts.push(Buffer.from([0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)]));
    else parts.push(Buffer.from(text[i], 'utf8'));
  }
  return Buffer.concat(parts);
}

const PAGES = ['windows-1252', 'latin-1', 'windows-1250', 'windows-1251', 'windows-1253', 'windows-1254', 'windows-1257', 'iso-8859-2', 'macintosh', 'cp437'];

/** Rows {text, clean, kind}: the clean originals and every breakage of them. */
function generatedRows() {
  const rows = [];
  const seen = new Set();
  const push = (text, clean, kind, keep) => {
    if (kind !== 'clean' && (text === clean || seen.has(text))) return;
    seen.add(text);
    rows.push(keep ? { text, clean, kind, keep } : { text, clean, kind });
  };
  for (const clean of generatedClean()) {
    push(clean, clean, 'clean');
    const cps = Array.from(clean);
    const a = cps.slice(0, Math.floor(cps.length / 3)).join('').length;
    const b = cps.slice(0, Math.floor((2 * cps.length) / 3)).join('').length;
    for (const page of PAGES) {
      const once = decodeSloppy(Buffer.from(clean, 'utf8'), page);
      push(once, clean, `${page}`);
      push(decodeSloppy(Buffer.from(once, 'utf8'), page), clean, `${page} twice`);
      // `keep`: the correct text around the broken middle, which a repair must leave as it is.
      push(clean.slice(0, a) + decodeSloppy(Buffer.from(clean.slice(a, b), 'utf8'), page) + clean.slice(b), clean, `${page} partial`, [clean.slice(0, a), clean.slice(b)]);
    }
    // Read as windows-1252 and then as latin-1 (two different misreadings).
    push(decodeSloppy(Buffer.from(decodeSloppy(Buffer.from(clean, 'utf8'), 'windows-1252'), 'utf8'), 'latin-1'), clean, 'windows-1252 then latin-1');
    if (/[\u{10000}-\u{10ffff}]/u.test(clean)) push(decodeSloppy(cesu8(clean), 'windows-1252'), clean, 'cesu-8 as windows-1252');
    // Lossy: windows-1252 with its undefined bytes (0x81 0x8D 0x8F 0x90 0x9D) lost to U+FFFD, or to '?'.
    const strict = iconv.decode(Buffer.from(clean, 'utf8'), 'windows-1252');
    if (strict.includes('\ufffd')) {
      push(strict, clean, 'lossy U+FFFD');
      push(strict.replaceAll('\ufffd', '?'), clean, 'lossy ?');
    }
  }
  return rows;
}

// ---------------------------------------------------------------- the other input sets

function readJsonRows(file) {
  const text = readFileSync(file, 'utf8');
  return file.endsWith('.json')
    ? JSON.parse(text)
    : text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
}

function strings(v, out) {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (k !== 'id' && k !== 'meta') strings(x, out);
  return out;
}

function sets() {
  const all = [];
  const add = (name, make) => {
    if (!only || only.includes(name)) all.push({ name, make });
  };
  add('generated', generatedRows);
  add('multilingual', () => readJsonRows(join(dataDir, 'multilingual', 'udhr_shared.jsonl')).map((r) => ({ text: r.text })));
  add('gpteacher', () => {
    const dir = join(dataDir, 'alpaca', 'gpteacher_toolformer');
    const seen = new Set();
    const rows = [];
    for (const f of ['dedupe-only', 'similarity-0.6', 'similarity-0.7', 'similarity-0.8', 'similarity-0.9'])
      for (const s of strings(readJsonRows(join(dir, `toolformer-${f}-dataset.json`)), []))
        if (s !== '' && !seen.has(s)) {
          seen.add(s);
          rows.push({ text: s });
        }
    return rows;
  });
  add('chat', () => {
    const corpus = ensureCorpus({ dataDir, outDir: OUT, sizeBytes: 64 * 2 ** 20, seed: 1, log }).file;
    const rows = [];
    const lines = readFileSync(corpus, 'utf8').split('\n');
    for (let i = 0; i < lines.length && i < chatRows; i++) if (lines[i]) for (const s of strings(JSON.parse(lines[i]), [])) rows.push({ text: s });
    return rows;
  });
  return all;
}

// ---------------------------------------------------------------- running both tools

const PYTHON = '/usr/bin/python3';
const FTFY_SCRIPT = `
import json, sys, time
import ftfy
cfg = ftfy.TextFixerConfig(fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False,
                           fix_line_breaks=False, unescape_html=False, normalization='NFC', explain=False)
src, dst = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
with open(src, encoding='utf-8') as f, open(dst, 'w', encoding='utf-8') as g:
    for line in f:
        row = json.loads(line)
        row['text'] = ftfy.fix_text(row['text'], cfg)
        g.write(json.dumps(row, ensure_ascii=False) + '\\n')
sys.stderr.write('%.3f\\n' % (time.perf_counter() - t0))
`;
const pyEnv = { ...process.env, PYTHONPATH: join(refDir, 'ftfy') };

function ftfyAvailable() {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import ftfy, wcwidth; print(ftfy.__version__)'], { env: pyEnv, encoding: 'utf8' });
  return r.status === 0 ? true : `${PYTHON} cannot import ftfy from ${join(refDir, 'ftfy')}: ${r.stderr.trim().split('\n').at(-1)}`;
}

// Best of `runs`: wall time, and CPU time (user + sys, from GNU time when present): on a shared,
// loaded machine the CPU-time ratio is the steadier figure.
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
function timed(cmd, argv, env) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = TIME
      ? spawnSync(TIME, ['-f', 'cpu %U %S', cmd, ...argv], { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(cmd, argv, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 1 << 30 });
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd} ${argv.join(' ')}\n${r.stderr}`);
    wall = Math.min(wall, dt);
    const m = /cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stderr);
    if (m) cpu = Math.min(cpu, Number(m[1]) + Number(m[2]));
  }
  return { wall, cpu };
}

const readTexts = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).text);
/** Our tool always maps \r\n and \r to \n; ftfy's LLM-safe profile keeps them. Compared after that mapping. */
const canon = (s) => s.replace(/\r\n?/g, '\n');
const clip = (s) => JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}…` : s);

const ftfyOk = ftfyAvailable();
if (ftfyOk !== true) log(`skipping ftfy: ${ftfyOk} (see ../shared/reference/README.md: apt-get install -y python3-wcwidth)`);
const tool = join(ROOT, 'tools', 'normalize-encoding', 'bin', 'normalize-encoding.js');
if (!existsSync(join(ROOT, 'tools', 'normalize-encoding', 'dist'))) {
  log('normalize-encoding is not built: run `npx -y pnpm@10 build` first');
  process.exit(1);
}

const summary = [];
const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout?.trim();
for (const { name, make } of sets()) {
  let rows;
  try {
    rows = make();
  } catch (e) {
    log(`skipping ${name}: ${e.message.split('\n')[0]}`);
    continue;
  }
  const inFile = join(OUT, `vs-ftfy-${name}.ndjson`);
  // Timed on the set repeated to at least --time-size (start-up, 0.1–0.3 s for either tool, would
  // otherwise weigh more than the work); the outputs compared are those of the first copy.
  const once = rows.map((r) => `${JSON.stringify({ text: r.text })}\n`).join('');
  const copies = noTime ? 1 : Math.max(1, Math.ceil(timeSize / Buffer.byteLength(once)));
  writeFileSync(inFile, once.repeat(copies));
  // The generated rows with their kind and clean original, for looking into the figures.
  if (rows[0]?.clean !== undefined) writeFileSync(join(OUT, `vs-ftfy-${name}.truth.ndjson`), rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const oursFile = join(OUT, `vs-ftfy-${name}.ours.ndjson`);
  const ftfyFile = join(OUT, `vs-ftfy-${name}.ftfy.ndjson`);
  const mb = Buffer.byteLength(once) / 2 ** 20;
  log(`${name}: ${rows.length} rows, ${mb.toFixed(1)} MB${copies > 1 ? `, timed on ${copies} copies` : ''}`);
  const oursTime = timed('bash', ['-c', `node ${tool} --quiet ${inFile} > ${oursFile}`], process.env);
  const ours = readTexts(oursFile).slice(0, rows.length);
  let ftfyTime;
  let ftfy;
  if (ftfyOk === true) {
    ftfyTime = timed(PYTHON, ['-c', FTFY_SCRIPT, inFile, ftfyFile], pyEnv);
    ftfy = readTexts(ftfyFile).slice(0, rows.length);
  }
  const s = {
    name,
    rows: rows.length,
    mb,
    oursTime,
    ftfyTime,
    oursChanged: 0,
    ftfyChanged: 0,
    agreeOnFtfyChanged: 0,
    ftfyRestored: 0,
    bothRestored: 0,
    onlyOurs: [],
    onlyOursRestored: 0,
    onlyOursDamage: 0,
    betterOnFtfyChanged: 0,
    neitherOnFtfyChanged: [],
    keptDamaged: [],
    onlyFtfy: [],
    differ: [],
    differOursCloser: 0,
    differFtfyCloser: 0,
  };
  const perKind = new Map();
  for (let i = 0; i < rows.length; i++) {
    const base = canon(rows[i].text.normalize('NFC'));
    const o = canon(ours[i]);
    const oc = o !== base;
    if (oc) s.oursChanged++;
    if (rows[i].kind !== undefined) {
      const k = perKind.get(rows[i].kind) ?? { n: 0, ours: 0, ftfy: 0, agree: 0, neither: 0 };
      k.n++;
      const want = canon(rows[i].clean.normalize('NFC'));
      if (o === want) k.ours++;
      if (ftfy && canon(ftfy[i]) === want) k.ftfy++;
      if (ftfy && canon(ftfy[i]) === o) k.agree++;
      if (ftfy && o !== want && canon(ftfy[i]) !== want) k.neither++;
      perKind.set(rows[i].kind, k);
    }
    if (oc && rows[i].keep && damaged(rows[i], o)) s.keptDamaged.push(i);
    if (!ftfy) continue;
    const f = canon(ftfy[i]);
    const fc = f !== base;
    if (fc) s.ftfyChanged++;
    if (fc && f === o) s.agreeOnFtfyChanged++;
    else if (fc && rows[i].clean !== undefined && o === canon(rows[i].clean.normalize('NFC'))) s.betterOnFtfyChanged++;
    else if (fc && rows[i].clean !== undefined) s.neitherOnFtfyChanged.push(i);
    if (rows[i].clean !== undefined && rows[i].kind !== 'clean') {
      const want = canon(rows[i].clean.normalize('NFC'));
      if (f === want) {
        s.ftfyRestored++;
        if (o === want) s.bothRestored++;
      }
    }
    if (oc && !fc) {
      s.onlyOurs.push(i);
      if (rows[i].clean !== undefined && rows[i].kind !== 'clean' && o === canon(rows[i].clean.normalize('NFC'))) s.onlyOursRestored++;
      else if (damaged(rows[i], o)) s.onlyOursDamage++;
    } else if (fc && !oc) s.onlyFtfy.push(i);
    else if (fc && oc && f !== o) {
      s.differ.push(i);
      if (rows[i].clean !== undefined) {
        // Which output is nearer the clean original (edit distance in code points)?
        const want = canon(rows[i].clean.normalize('NFC'));
        const dO = editDistance(o, want);
        const dF = editDistance(f, want);
        if (dO < dF) s.differOursCloser++;
        else if (dF < dO) s.differFtfyCloser++;
      }
    }
  }
  summary.push(s);
  const out = [];
  out.push(`\n## ${name}: ${rows.length} rows, ${mb.toFixed(1)} MB (timed on ${copies} ${copies === 1 ? 'copy' : 'copies'})\n`);
  if (ftfy) {
    out.push(`- ftfy changed ${s.ftfyChanged}; we agree on ${s.agreeOnFtfyChanged} (${pct(s.agreeOnFtfyChanged, s.ftfyChanged)})`);
    if (rows[0]?.clean !== undefined)
      out.push(
        `- of the rows ftfy changed, ours differs from ftfy's but is the clean original in ${s.betterOnFtfyChanged}: equal to ftfy's or right in ${s.agreeOnFtfyChanged + s.betterOnFtfyChanged} (${pct(s.agreeOnFtfyChanged + s.betterOnFtfyChanged, s.ftfyChanged)})`,
      );
    if (rows[0]?.clean !== undefined) {
      // What keeps "equal to ftfy's or right" from 100%: rows ftfy changed where ours is neither.
      out.push(`- of the rows ftfy changed, ours is neither ftfy's nor the clean original in ${s.neitherOnFtfyChanged.length} (first ${show} printed)`);
      for (const i of s.neitherOnFtfyChanged.slice(0, show)) out.push(`  - NEITHER ${rows[i].kind} ${clip(rows[i].text)} → ours ${clip(ours[i])} / ftfy ${clip(ftfy[i])}`);
    }
    if (rows[0]?.clean !== undefined)
      out.push(`- ftfy restored the clean original of ${s.ftfyRestored} broken rows; we restored ${s.bothRestored} of them (${pct(s.bothRestored, s.ftfyRestored)})`);
    out.push(
      `- only we changed (ftfy left as is): ${s.onlyOurs.length}${rows[0]?.clean !== undefined ? `, of which ${s.onlyOursRestored} restored to the clean original (mojibake ftfy misses), ${s.onlyOurs.length - s.onlyOursRestored - s.onlyOursDamage} broken rows repaired in part (their correct text intact), ${s.onlyOursDamage} damage` : ''}`,
    );
    for (const i of s.onlyOurs) {
      const restored = rows[i].clean !== undefined && rows[i].kind !== 'clean' && canon(ours[i]) === canon(rows[i].clean.normalize('NFC'));
      const tag = restored ? 'ONLY-OURS-RESTORED' : damaged(rows[i], canon(ours[i])) ? 'ONLY-OURS-DAMAGE' : 'ONLY-OURS-PART';
      out.push(`  - ${tag} ${rows[i].kind ?? ''} ${clip(rows[i].text)} → ${clip(ours[i])}`);
    }
    if (rows.some((r) => r.keep)) {
      out.push(`- partial rows whose correct text around the broken part we changed: ${s.keptDamaged.length}`);
      for (const i of s.keptDamaged) out.push(`  - KEPT-DAMAGED ${rows[i].kind} ${clip(rows[i].text)} → ${clip(ours[i])}`);
    }
    out.push(`- only ftfy changed: ${s.onlyFtfy.length}`);
    for (const i of s.onlyFtfy.slice(0, show)) out.push(`  - ONLY-FTFY ${rows[i].kind ?? ''} ${clip(rows[i].text)} → ${clip(ftfy[i])}`);
    out.push(
      `- both changed, differently: ${s.differ.length}${rows[0]?.clean !== undefined ? ` (ours nearer the clean original in ${s.differOursCloser}, ftfy's in ${s.differFtfyCloser}, as near in ${s.differ.length - s.differOursCloser - s.differFtfyCloser})` : ''}`,
    );
    for (const i of s.differ.slice(0, show)) out.push(`  - DIFFER ${rows[i].kind ?? ''} ${clip(rows[i].text)} → ours ${clip(ours[i])} / ftfy ${clip(ftfy[i])}`);
    if (!noTime)
      out.push(
        `- time: ours ${s.oursTime.wall.toFixed(2)} s (cpu ${s.oursTime.cpu.toFixed(2)}), ftfy ${s.ftfyTime.wall.toFixed(2)} s (cpu ${s.ftfyTime.cpu.toFixed(2)}): ours is ${(s.ftfyTime.wall / s.oursTime.wall).toFixed(2)}× ftfy's speed by wall time, ${(s.ftfyTime.cpu / s.oursTime.cpu).toFixed(2)}× by CPU time`,
      );
  } else out.push(`- we changed ${s.oursChanged} rows (ftfy skipped); time ${s.oursTime.wall.toFixed(2)} s`);
  if (perKind.size > 0) {
    if (ftfy) {
      // Broken rows neither tool restores, by class: what is left to do (the lossy rows cannot be
      // restored: a byte is gone).
      const byClass = new Map();
      for (const [k, v] of perKind) {
        if (k === 'clean' || v.neither === 0) continue;
        const c = k.startsWith('lossy') ? 'lossy (a byte lost)' : k.endsWith('partial') ? 'partial' : k.includes('twice') || k.includes(' then ') ? 'twice' : 'whole';
        byClass.set(c, (byClass.get(c) ?? 0) + v.neither);
      }
      const total = [...byClass.values()].reduce((a, b) => a + b, 0);
      out.push(`- broken rows neither tool restores: ${total}${total ? ` (${[...byClass].map(([c, n]) => `${c} ${n}`).join(', ')}; by breakage in the table)` : ''}`);
    }
    out.push('\n| breakage | rows | restored by ours | restored by ftfy | ours = ftfy | neither restores |\n|---|---|---|---|---|---|');
    for (const [k, v] of perKind) out.push(`| ${k} | ${v.n} | ${v.ours} | ${ftfy ? v.ftfy : 'n/a'} | ${ftfy ? v.agree : 'n/a'} | ${ftfy ? v.neither : 'n/a'} |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/**
 * Did our output `o` damage correct text? A clean row changed at all; a broken row whose correct
 * text around the broken part (`keep`) did not come through. A broken row changed into something
 * else than its original is otherwise "repaired in part", not damage: its correct text is intact.
 */
function damaged(row, o) {
  if (row.kind === 'clean' || row.clean === undefined) return true;
  if (!row.keep) return false;
  const [head, tail] = row.keep.map((x) => canon(x.normalize('NFC')));
  return !(o.startsWith(head) && o.endsWith(tail));
}

/** Levenshtein distance in code points, after the common prefix and suffix are set aside. */
function editDistance(x, y) {
  let a = Array.from(x);
  let b = Array.from(y);
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < a.length - p && q < b.length - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  a = a.slice(p, a.length - q);
  b = b.slice(p, b.length - q);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function pct(a, b) {
  return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`;
}

const lines = [
  `\n# normalize-encoding vs ftfy 6.3.1 (LLM-safe profile), Node ${process.version}, load average ${load} (shared machine: times are noisy)\n`,
  '| set | rows | ftfy changed | agree (of ftfy changed) | agree or ours right | ftfy restored: we too | damage | only ours, restored | only ftfy | differ (ours nearer / ftfy nearer) | ours s (cpu) | ftfy s (cpu) | speed vs ftfy, wall | speed vs ftfy, CPU |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
for (const s of summary) {
  if (s.ftfyTime === undefined) {
    lines.push(`| ${s.name} | ${s.rows} | n/a | n/a | n/a | n/a | n/a | n/a | n/a | n/a | ${s.oursTime.wall.toFixed(2)} (${s.oursTime.cpu.toFixed(2)}) | n/a | n/a | n/a |`);
    continue;
  }
  const speed = s.ftfyTime.wall / s.oursTime.wall;
  const cpuSpeed = s.ftfyTime.cpu / s.oursTime.cpu;
  const agree = s.ftfyChanged === 0 ? 1 : s.agreeOnFtfyChanged / s.ftfyChanged;
  const restoredShare = s.ftfyRestored === 0 ? 1 : s.bothRestored / s.ftfyRestored;
  const gen = s.name === 'generated';
  const damage = s.onlyOursDamage + s.keptDamaged.filter((i) => !s.onlyOurs.includes(i)).length;
  lines.push(
    `| ${s.name} | ${s.rows} | ${s.ftfyChanged} | ${s.agreeOnFtfyChanged} (${pct(s.agreeOnFtfyChanged, s.ftfyChanged)})${gen ? (agree >= 0.97 ? ' ok' : ' FAIL') : ''} | ${gen ? `${s.agreeOnFtfyChanged + s.betterOnFtfyChanged} (${pct(s.agreeOnFtfyChanged + s.betterOnFtfyChanged, s.ftfyChanged)})` : '—'} | ${gen ? `${s.bothRestored} of ${s.ftfyRestored} (${pct(s.bothRestored, s.ftfyRestored)})${restoredShare >= 0.97 ? ' ok' : ' FAIL'}` : '—'} | ${damage}${damage === 0 ? ' ok' : ' FAIL'} | ${gen ? s.onlyOursRestored : '—'} | ${s.onlyFtfy.length} | ${s.differ.length}${gen ? ` (${s.differOursCloser} / ${s.differFtfyCloser})` : ''} | ${noTime ? 'not timed | not timed | — | —' : `${s.oursTime.wall.toFixed(2)} (${s.oursTime.cpu.toFixed(2)}) | ${s.ftfyTime.wall.toFixed(2)} (${s.ftfyTime.cpu.toFixed(2)}) | ${speed.toFixed(2)}×${speed >= 1.5 ? ' ok' : ' FAIL'} | ${Number.isFinite(cpuSpeed) ? `${cpuSpeed.toFixed(2)}×${cpuSpeed >= 1.5 ? ' ok' : ' FAIL'}` : 'n/a'}`} |`,
  );
}
lines.push(
  '\nGoals: no damage on any set (damage: a correct row that only we change; on generated also the correct text around a broken middle, changed by us); on generated, our output equals ftfy’s in ≥ 97% of the rows ftfy changes ("agree", the strict figure) and we restore ≥ 97% of the broken rows ftfy restores to the clean original; speed ≥ 1.5× ftfy. "agree" counts rows whose two outputs are equal among the rows ftfy changed, right or wrong; "agree or ours right" adds the rows ftfy changed where ours is the clean original and ftfy’s is not; "differ" splits the rows both change differently by whose output is nearer the clean original (edit distance); "only ours, restored" are broken rows ftfy leaves as they are and we restore.',
);
process.stdout.write(`${lines.join('\n')}\n`);
