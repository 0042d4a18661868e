import { createRequire } from 'node:module';
import { repairMojibake } from './mojibake.js';

// entities builds its decode tables at import (~40 ms): loaded on the first --html-entities use only.
let decodeHTML: ((s: string) => string) | undefined;
function htmlDecoder(): (s: string) => string {
  decodeHTML ??= (createRequire(import.meta.url)('entities') as { decodeHTML: (s: string) => string }).decodeHTML;
  return decodeHTML;
}

/** Unicode normalisation form applied last. */
export type NormalForm = 'NFC' | 'NFKC' | 'none';

/**
 * Options of `fixText`. The defaults are the "LLM-safe" profile (as in datatrove and NeMo
 * Curator): repair the encoding and the hygiene, never rewrite the author's typography.
 */
export interface FixOptions {
  /** Repair mojibake and C1 controls (default true; `--no-mojibake`). */
  mojibake: boolean;
  /** Normalisation form (default `NFC`; `none` to keep the code points as they are). */
  form: NormalForm;
  /** Remove BOM (U+FEFF), zero-width space (U+200B), word joiner (U+2060) and soft hyphen (U+00AD) (default false). ZWJ/ZWNJ are kept: Persian, Indic scripts and emoji need them. */
  stripInvisible: boolean;
  /** Decode HTML entities (`&amp;`, `&eacute;`, `&#8217;`) (default false). */
  htmlEntities: boolean;
  /** Curly quotes → straight ASCII quotes (default false). */
  uncurlQuotes: boolean;
  /** Latin ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) → letters (default false). */
  foldLigatures: boolean;
  /** Full-width ASCII forms (Ａ１！) and the ideographic space → ASCII (default false). */
  foldWidth: boolean;
}

export const DEFAULT_FIX_OPTIONS: Readonly<FixOptions> = Object.freeze({
  mojibake: true,
  form: 'NFC',
  stripInvisible: false,
  htmlEntities: false,
  uncurlQuotes: false,
  foldLigatures: false,
  foldWidth: false,
});

/**
 * The names of the fixes, in the order they are applied (also the order of `fixes`):
 * `surrogates` (lone surrogates → U+FFFD), `terminal-escapes` (ANSI/VT escape sequences removed),
 * `html-entities`, `mojibake:<code page>`, `c1-controls`, `line-breaks` (`\r\n`, `\r` → `\n`),
 * `control-chars` (other control characters removed, `\n` and `\t` kept), `invisible`,
 * `quotes`, `ligatures`, `width`, `nfc` / `nfkc`.
 */
export const FIX_KINDS = [
  'surrogates',
  'terminal-escapes',
  'html-entities',
  'mojibake:windows-1252',
  'mojibake:windows-1251',
  'mojibake:windows-1250',
  'mojibake:windows-1253',
  'mojibake:windows-1254',
  'mojibake:windows-1257',
  'mojibake:iso-8859-2',
  'mojibake:macroman',
  'mojibake:cp437',
  'c1-controls',
  'line-breaks',
  'control-chars',
  'invisible',
  'quotes',
  'ligatures',
  'width',
  'nfc',
  'nfkc',
] as const;

export interface FixResult {
  text: string;
  /** What was changed, in the order of FIX_KINDS; empty when `text` is the input. */
  fixes: string[];
}

const TERMINAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
const CONTROL_TEST = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;
/** ES2024 string methods (in Node 20's V8; TypeScript's ES2022 lib does not declare them): native, ~10× faster than a regex here. */
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };
const INVISIBLE = /[\ufeff\u200b\u2060\u00ad]/g;
const CURLY = /[‘’‚‛“”„‟]/g;
const CURLY_MAP: Record<string, string> = { '‘': "'", '’': "'", '‚': "'", '‛': "'", '“': '"', '”': '"', '„': '"', '‟': '"' };
const LIGATURES = /[\ufb00-\ufb06]/g;
const WIDE = /[\uff01-\uff5e\u3000]/g;
/** Below U+0300 every character is NFC_QC=Yes and nothing combines with it: NFC is the identity. */
const MAY_CHANGE_UNDER_NFC = /[^\u0000-\u02ff]/;
/** Anything outside printable ASCII, tab and newline; `&` for entities. Text without any is left as it is. */
const NEEDS_WORK = /[^\x20-\x7e\t\n]/;
const NEEDS_WORK_HTML = /[^\x20-\x25\x27-\x7e\t\n]/;

/**
 * Repair the encoding of `s` and apply Unicode hygiene. Pure and deterministic; returns the input
 * string itself (and no fixes) when nothing changes. Printable ASCII without `&` returns at once.
 */
export function fixText(s: string, options: Partial<FixOptions> = {}): FixResult {
  const o: FixOptions = { ...DEFAULT_FIX_OPTIONS, ...options };
  if (!(o.htmlEntities ? NEEDS_WORK_HTML : NEEDS_WORK).test(s)) return { text: s, fixes: [] };
  const fixes: string[] = [];
  let t = s;
  const step = (name: string, next: string): void => {
    if (next !== t) {
      fixes.push(name);
      t = next;
    }
  };
  if (!(t as WellFormed).isWellFormed()) step('surrogates', (t as WellFormed).toWellFormed());
  if (t.includes('\x1b')) step('terminal-escapes', t.replace(TERMINAL_ESCAPE, ''));
  if (o.htmlEntities && t.includes('&')) step('html-entities', htmlDecoder()(t));
  if (o.mojibake) {
    const m = repairMojibake(t);
    if (m.text !== t) {
      fixes.push(...m.fixes);
      t = m.text;
    }
  }
  if (t.includes('\r')) step('line-breaks', t.replace(/\r\n?/g, '\n'));
  if (CONTROL_TEST.test(t)) step('control-chars', t.replace(CONTROL, ''));
  if (o.stripInvisible) step('invisible', t.replace(INVISIBLE, ''));
  if (o.uncurlQuotes)
    step(
      'quotes',
      t.replace(CURLY, (c) => CURLY_MAP[c]),
    );
  if (o.foldLigatures)
    step(
      'ligatures',
      t.replace(LIGATURES, (c) => c.normalize('NFKC')),
    );
  if (o.foldWidth)
    step(
      'width',
      t.replace(WIDE, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0))),
    );
  if (o.form === 'NFKC' || (o.form === 'NFC' && MAY_CHANGE_UNDER_NFC.test(t))) step(o.form.toLowerCase(), t.normalize(o.form));
  return { text: t, fixes };
}
