import { parsePhoneNumber } from 'awesome-phonenumber';
import { extractIBAN, getCountrySpecifications, isValidIBAN } from 'ibantools';
import ipaddr from 'ipaddr.js';
import { entropy, isPlaceholderSecret, SECRET_RULES } from './secrets.js';

/** The kinds of personal data and secrets redact-pii finds, in priority order (first wins an overlap). */
export const PII_TYPES = ['URL_CREDENTIALS', 'SECRET', 'EMAIL', 'IBAN', 'CREDIT_CARD', 'US_SSN', 'IP_ADDRESS', 'PHONE', 'STREET_ADDRESS', 'PERSON'] as const;
export type PiiType = (typeof PII_TYPES)[number];
/** On unless --types says otherwise. PERSON costs an NLP pass over every string (see README). */
export const DEFAULT_TYPES: readonly PiiType[] = PII_TYPES.filter((t) => t !== 'PERSON');

/** One finding: [start, end) in UTF-16 code units of the string it was found in. */
export interface Span {
  start: number;
  end: number;
  type: PiiType;
  /** The matched text. */
  text: string;
}

/** Values to keep: exact strings (case-insensitive) and regexes that must match the whole value. */
export interface AllowList {
  values: Set<string>;
  patterns: RegExp[];
}

export interface DetectOptions {
  types: ReadonlySet<PiiType>;
  /** ISO 3166 region codes whose national phone forms are recognised (international `+` forms always are). */
  phoneRegions: readonly string[];
  /** Treat private, shared (CGNAT) and unique-local IP addresses as personal. */
  privateIps: boolean;
  allow?: AllowList;
  /** PERSON detector (compromise), loaded by the caller only when PERSON is selected. */
  people?: (text: string) => { start: number; end: number }[];
}

export const DEFAULT_PHONE_REGIONS: readonly string[] = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'IN', 'AU', 'BR'];

const PRIORITY = new Map<PiiType, number>(PII_TYPES.map((t, i) => [t, i]));

// --- EMAIL -------------------------------------------------------------------------------------

const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
// Reserved for documentation and testing (RFC 2606, RFC 6761): not anyone's address.
const EXAMPLE_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|example|invalid|test|localhost|local)$/i;
// Placeholder domains of tutorials and templates (`yourname@yourdomain.com`, `boss@company.com`).
const PLACEHOLDER_DOMAIN = /^(?:your-?domain|my-?domain|your-?company|domain|company|example-domain|yoursite|website|email-?provider)\.(?:com|org|net)$/i;
// `icon@2x.png`, `pkg@1.2.3` look like addresses but are file names and versions.
const FILE_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico|bmp|tiff?|css|js|mjs|ts|json|html?|md|txt|zip|gz|tgz|py|rb|go|rs|java|cpp|php)$/i;

function emails(text: string, out: Span[]): void {
  if (!text.includes('@')) return;
  for (const m of text.matchAll(EMAIL)) {
    let v = m[0];
    // A trailing dot ends a sentence, not the domain.
    while (v.endsWith('.')) v = v.slice(0, -1);
    const domain = v.slice(v.indexOf('@') + 1);
    // `scheme://user:pass@host`: the part before the host is URL userinfo, not a mailbox.
    if (/:\/\/[^\s/@]*$/.test(text.slice(Math.max(0, m.index - 200), m.index))) continue;
    if (EXAMPLE_DOMAIN.test(domain) || PLACEHOLDER_DOMAIN.test(domain) || FILE_TLD.test(domain)) continue;
    out.push({ start: m.index, end: m.index + v.length, type: 'EMAIL', text: v });
  }
}

// --- URL_CREDENTIALS ---------------------------------------------------------------------------

// The password may hold `#`, `?` or `:` unencoded (people paste them so); it ends at the last `@` before the host.
const URL_CRED = /\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}:\/\/([^\s:/?#@'"<>]+):([^\s/@'"<>]+)@([^\s/?#:'"<>@]+)/g;
const CRED_PLACEHOLDER = /^(?:pass(?:word)?|passwd|pwd|secret|user(?:name)?|x+|\*+|\.\.\.|changeme|admin|root|guest|test)$|^[<{[$%]|[>}\]]$/i;

function urlCredentials(text: string, out: Span[]): void {
  if (!text.includes('://')) return;
  for (const m of text.matchAll(URL_CRED)) {
    const user = m[1];
    const pass = m[2];
    const host = m[3];
    if (CRED_PLACEHOLDER.test(pass) || EXAMPLE_DOMAIN.test(host)) continue;
    const start = m.index + m[0].indexOf('://') + 3;
    out.push({ start, end: start + user.length + 1 + pass.length, type: 'URL_CREDENTIALS', text: `${user}:${pass}` });
  }
}

// --- SECRET ------------------------------------------------------------------------------------

function secrets(text: string, out: Span[]): void {
  for (const rule of SECRET_RULES) {
    rule.re.lastIndex = 0;
    for (const m of text.matchAll(rule.re)) {
      const v = m[rule.group];
      if (v === undefined) continue;
      if (rule.minEntropy > 0 && (entropy(v) < rule.minEntropy || isPlaceholderSecret(v))) continue;
      const start = m.index + (rule.group === 0 ? 0 : m[0].lastIndexOf(v));
      out.push({ start, end: start + v.length, type: 'SECRET', text: v });
    }
  }
}

// --- IBAN --------------------------------------------------------------------------------------

const IBAN_CAND = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}/g;
const IBAN_SPECS = getCountrySpecifications();

function ibans(text: string, out: Span[]): void {
  for (const m of text.matchAll(IBAN_CAND)) {
    const cand = m[0];
    const len = IBAN_SPECS[cand.slice(0, 2)]?.chars;
    if (!len) continue;
    // Take exactly the country's length of characters (the regex may run into a following word).
    let n = 0;
    let end = 0;
    while (end < cand.length && n < len) {
      if (cand[end] !== ' ') n++;
      end++;
    }
    if (n < len) continue;
    const next = text.charCodeAt(m.index + end);
    if (isAlnum(next)) continue;
    const v = cand.slice(0, end);
    if (!isValidIBAN(extractIBAN(v).iban)) continue;
    // Well-known documentation IBANs (the standard's and the banks' published examples).
    if (DOC_IBANS.has(v.replaceAll(' ', ''))) continue;
    out.push({ start: m.index, end: m.index + end, type: 'IBAN', text: v });
  }
}
const DOC_IBANS = new Set(['GB82WEST12345698765432', 'GB29NWBK60161331926819', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300']);

// --- CREDIT_CARD -------------------------------------------------------------------------------

const CARD_CAND = /(?<![\w.,-])\d(?:[ -]?\d){11,18}(?![\d-]|[.,]\d)/g;
// Published test numbers of the card networks and payment providers: not anyone's card.
const TEST_CARDS = new Set([
  '4111111111111111',
  '4242424242424242',
  '4012888888881881',
  '4222222222222',
  '5555555555554444',
  '5105105105105100',
  '5200828282828210',
  '378282246310005',
  '371449635398431',
  '378734493671000',
  '6011111111111117',
  '6011000990139424',
  '30569309025904',
  '38520000023237',
  '3530111333300000',
  '3566002020360505',
  '4000056655665556',
  '2223003122003222',
]);

export function luhn(d: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let x = d.charCodeAt(i) - 48;
    if (dbl) {
      x *= 2;
      if (x > 9) x -= 9;
    }
    sum += x;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** The card network whose issuer ranges and lengths the number fits, or undefined. */
export function cardNetwork(d: string): string | undefined {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4' && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  if ((p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) && n >= 16 && n <= 19) return 'discover';
  if (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p3 === 309) && n >= 14 && n <= 19) return 'diners';
  if (p4 >= 3528 && p4 <= 3589 && n >= 16 && n <= 19) return 'jcb';
  if (p2 === 62 && n >= 16 && n <= 19) return 'unionpay';
  if ((p2 === 50 || (p2 >= 56 && p2 <= 69)) && n >= 12 && n <= 19) return 'maestro';
  if (p4 >= 2200 && p4 <= 2204 && n === 16) return 'mir';
  return undefined;
}

function cards(text: string, out: Span[]): void {
  for (const m of text.matchAll(CARD_CAND)) {
    const raw = m[0];
    // One separator style: none, or groups split by the same character.
    const seps = raw.replace(/\d/g, '');
    if (seps.length > 0 && !/^( +|-+)$/.test(seps)) continue;
    // The networks' printed groupings: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners).
    if (seps.length > 0 && !/^\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?$|^\d{4}([ -])\d{6}\2\d{4,5}$/.test(raw)) continue;
    // The tail of an IBAN-shaped string (one whose check digits failed) is not a card.
    if (/[A-Z]{2}\d{2}[ -]?$/.test(text.slice(Math.max(0, m.index - 5), m.index))) continue;
    const d = raw.replace(/\D/g, '');
    if (d.length < 13 || d.length > 19) continue;
    if (!luhn(d) || cardNetwork(d) === undefined || TEST_CARDS.has(d)) continue;
    out.push({ start: m.index, end: m.index + raw.length, type: 'CREDIT_CARD', text: raw });
  }
}

// --- US_SSN ------------------------------------------------------------------------------------

const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g;
const SSN_BARE = /\b(?:SSN|social security(?: number| no\.?)?|SS#)[:#\s]*(\d{9})\b/gi;
// Numbers the SSA voided after they were published (Woolworth's wallet card, an ad) and the
// textbook example: not anyone's number.
const DOC_SSNS = new Set(['078051120', '219099999', '123456789', '457555462']);

/** The SSA's structural rules: area not 000, 666 or 900–999; group not 00; serial not 0000. */
export function validSsn(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  if (a === 0 || a === 666 || a >= 900) return false;
  if (group === '00' || serial === '0000') return false;
  return !DOC_SSNS.has(area + group + serial);
}

function ssns(text: string, out: Span[]): void {
  for (const m of text.matchAll(SSN)) {
    if (!validSsn(m[1], m[3], m[4])) continue;
    out.push({ start: m.index, end: m.index + m[0].length, type: 'US_SSN', text: m[0] });
  }
  if (!/SSN|ssn|Ssn|ocial [Ss]ecurity|SS#/.test(text)) return;
  for (const m of text.matchAll(SSN_BARE)) {
    const d = m[1];
    if (!validSsn(d.slice(0, 3), d.slice(3, 5), d.slice(5))) continue;
    const start = m.index + m[0].length - 9;
    out.push({ start, end: start + 9, type: 'US_SSN', text: d });
  }
}

// --- IP_ADDRESS --------------------------------------------------------------------------------

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])/g;
// Words before a dotted number that make it a version or an OID, not an address.
const VERSION_CONTEXT = /(?:\bv(?:er(?:sion)?)?\.?|\bversion|\brelease|\bbuild|\bupdate|\bupgrade[sd]?\s+to|\bfirmware|\bkernel|\bOID|==|>=|<=|~=|!=|~>|\^)\s*$/i;
// Not personal: nobody is behind these (RFC 6890 special-purpose ranges).
const NOT_PERSONAL = new Set([
  'unspecified',
  'broadcast',
  'multicast',
  'linkLocal',
  'loopback',
  'reserved',
  'benchmarking',
  'amt',
  'as112',
  'as112v6',
  'deprecated',
  'orchid2',
  'droneRemoteIdProtocolEntityTags',
  'discard',
  'teredo',
  '6to4',
  'rfc6052',
  'rfc6145',
  'ipv4Mapped',
]);
const PRIVATE = new Set(['private', 'carrierGradeNat', 'uniqueLocal']);

function ips(text: string, out: Span[], privateIps: boolean): void {
  if (text.includes('.')) {
    for (const m of text.matchAll(IPV4)) {
      const v = m[0];
      if (!ipaddr.IPv4.isValidFourPartDecimal(v)) continue;
      if (VERSION_CONTEXT.test(text.slice(Math.max(0, m.index - 24), m.index))) continue;
      const range = ipaddr.IPv4.parse(v).range();
      if (NOT_PERSONAL.has(range) || (!privateIps && PRIVATE.has(range))) continue;
      out.push({ start: m.index, end: m.index + v.length, type: 'IP_ADDRESS', text: v });
    }
  }
  if (text.includes(':')) {
    for (const m of text.matchAll(IPV6)) {
      const v = m[0];
      if (!v.includes('::') && (v.match(/:/g) ?? []).length < 7) continue;
      if (!/[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:?[0-9A-Fa-f]/.test(v) || !ipaddr.IPv6.isValid(v)) continue;
      // At least three groups carry digits: `a::b` or `Foo::Bar` are C++/Rust paths, not addresses.
      if (v.split(':').filter((g) => g !== '').length < 3) continue;
      const range = ipaddr.IPv6.parse(v).range();
      if (NOT_PERSONAL.has(range) || (!privateIps && PRIVATE.has(range))) continue;
      out.push({ start: m.index, end: m.index + v.length, type: 'IP_ADDRESS', text: v });
    }
  }
}

// --- PHONE -------------------------------------------------------------------------------------

const PHONE_CAND = /(?<![\w+.\-/])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?![\w]|[.\-/]\d)/g;
const PHONE_CONTEXT =
  /(?:phone|tel(?:ephone|efon|éfono|efono)?|t[ée]l\.?|mobile?|cell|fax|call|whatsapp|contact|reach|ring|text|sms|handy|portable|móvil|celular|telemóvel|bel|op|numéro|número|nummer)\b\W{0,6}(?:\w+\W{1,3}){0,2}$/i;
// Words that make a digit group an identifier, not a phone number (unless a phone word is nearer).
const NOT_PHONE_CONTEXT =
  /(?:order|invoice|part|ref(?:erence)?|isbn|issn|tracking|account|acct|serial|sku|build|version|ticket|case|timestamp|id|no\.?|nr\.?|#|doi|rfc|patent|item|model|code|zip|postcode|iban|bic|swift|card|ssn|ein|vat|tax)\W{0,4}$/i;
const DATE_PREFIX = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?!\d)/;
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;

// libphonenumber parses are the costliest step; the same candidates recur (signatures, templates,
// duplicated rows), so results are memoised. Bounded: cleared when full; deterministic either way.
const PHONE_MEMO = new Map<string, boolean>();
function phoneValid(v: string, region: string | undefined): boolean {
  const k = `${region ?? '+'}\u0000${v}`;
  let r = PHONE_MEMO.get(k);
  if (r === undefined) {
    r = parsePhoneNumber(v, region === undefined ? undefined : { regionCode: region }).valid;
    if (PHONE_MEMO.size >= 50_000) PHONE_MEMO.clear();
    PHONE_MEMO.set(k, r);
  }
  return r;
}

function phones(text: string, out: Span[], regions: readonly string[]): void {
  for (const m of text.matchAll(PHONE_CAND)) {
    let v = m[0];
    // Balance parentheses: a leading `(` without its `)` belongs to the sentence; so does a `(` that
    // opens after the number (`1625563485 (14:08)`).
    if (v.startsWith('(') && !v.includes(')')) v = v.slice(1);
    const open = v.lastIndexOf('(');
    if (open > 0 && v.indexOf(')', open) < 0) v = v.slice(0, open);
    const start = m.index + (m[0].length - v.length);
    v = v.trimEnd();
    if (v.endsWith(')') && !v.includes('(')) v = v.slice(0, -1).trimEnd();
    const digits = v.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    if (DATE_PREFIX.test(v) || DATE_LIKE.test(v) || /^\d{3}-\d{2}-\d{4}$/.test(v) || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(v)) continue;
    // Fictional numbers (NANP 555-0100..0199, reserved for films and documentation).
    if (/555[\s.\-)]*01\d\d$/.test(v)) continue;
    // Year ranges (2011-2015), decimals in brackets,
    // and the NANP's directory area code 555 (`(555) 123-4567`, a placeholder).
    if (/^\(?(?:1[89]|20)\d\d\s?[-–]\s?(?:1[89]|20)\d\d\)?$/.test(v) || /\([\d.]*\.[\d.]*\)/.test(v) || /^\(?555\)?[\s.-]/.test(v)) continue;
    // Placeholders: runs like 123-456-7890 and one digit repeated.
    if (/^(?:0?1234567890?|0123456789|(\d)\1+)$/.test(digits)) continue;
    // A last group of one digit is a version, build or check digit, not part of a phone number.
    if (/[\s.\-/]\d$/.test(v)) continue;
    const before = text.slice(Math.max(0, start - 24), start);
    // Arithmetic, not a number: an operator next to it (`= 100-50-30`, `450000-2000=`, `+ 55200/60`),
    // a spaced minus inside (`13900 - 7500`), or a slash that is not `0AREA/NUMBER`.
    if (/[=+*×÷<>$^]\s*$/.test(before) || /^\s*[=+*×÷<>]/.test(text.slice(start + v.length, start + v.length + 3))) continue;
    if (/\s[-–]\s/.test(v) || (v.includes('/') && !/^\(?0\d{1,5}\)?\s?\/\s?\d[\d\s-]*$/.test(v))) continue;
    // Numbers grouped in thousands (5 650 000) are amounts, unless a phone word says otherwise.
    if (/^\d{1,3}(?:[ \u00a0]\d{3})+$/.test(v) && !PHONE_CONTEXT.test(before)) continue;
    let hit = false;
    if (v.startsWith('+') || v.startsWith('00')) {
      hit = phoneValid(v.startsWith('00') ? `+${v.slice(2)}` : v, undefined);
    } else {
      // Runs of one-digit groups (`1 2 3 4 5 6 7`, lists, matrices) are not phone numbers.
      if ((v.match(/(?:^|\D)\d(?=\D|$)/g) ?? []).length > 1) continue;
      // A national form: phone-like grouping, or a bare digit run right after a phone word.
      const grouped = /[\s().\-/]/.test(v) && !/^\d+([.,])\d+$/.test(v);
      const phoneWord = PHONE_CONTEXT.test(before);
      if (!phoneWord && (!grouped || NOT_PHONE_CONTEXT.test(before))) continue;
      // Groups split by dots only, of 1–3 digits, are versions and OIDs.
      if (/^\d{1,3}(?:\.\d{1,3})+$/.test(v)) continue;
      for (const r of regions) {
        if (phoneValid(v, r)) {
          hit = true;
          break;
        }
      }
    }
    if (!hit) continue;
    out.push({ start, end: start + v.length, type: 'PHONE', text: v });
  }
}

// --- STREET_ADDRESS ----------------------------------------------------------------------------

const STREET_SUFFIX =
  'Street|St\\.?|Rise|Croft|Garth|Circuit|Crossroad|Parade|Esplanade|Quay|Wharf|Branch|Keys|Locks|Ridges|Trafficway|Falls|Alley|Bend|Bridge|Brook|Bypass|Canyon|Causeway|Center|Centre|Cliff|Common|Corner|Course|Cove|Creek|Crest|Curve|Dale|Estate|Expressway|Extension|Ferry|Field|Fields|Flat|Ford|Forest|Fork|Freeway|Garden|Gateway|Glen|Green|Harbor|Haven|Heights|Hill|Hills|Hollow|Junction|Knoll|Knolls|Landing|Lodge|Mall|Meadow|Meadows|Mill|Mills|Orchard|Oval|Pass|Passage|Path|Port|Prairie|Ranch|Rapids|Rest|River|Route|Run|Shore|Shores|Spring|Springs|Spur|Station|Stravenue|Stream|Summit|Trace|Track|Turnpike|Valley|Via|View|Village|Ville|Vista|Wall|Well|Wells|Avenue|Ave\\.?|Road|Rd\\.?|Boulevard|Blvd\\.?|Lane|Ln\\.?|Drive|Dr\\.?|Court|Ct\\.?|Place|Pl\\.?|Way|Terrace|Parkway|Pkwy\\.?|Circle|Cir\\.?|Highway|Hwy\\.?|Square|Sq\\.?|Trail|Crescent|Close|Gardens|Grove|Row|Walk|Alley|Plaza|Loop|Crossing|Ridge|Point|Park|Pike|Manor|Mews';
const STREET_EN = new RegExp(
  `\\b\\d{1,6}[A-Za-z]?[ \\t]+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\\.?[ \\t]+)?(?:[A-Z][a-zA-Z'\\-]+[ \\t]+){1,3}(?:${STREET_SUFFIX})(?![\\w])(?:,?[ \\t]+(?:Apt\\.?|Suite|Ste\\.?|Unit|#)[ \\t]*[\\w-]+)?`,
  'g',
);
// German/Dutch/French/Spanish/Italian forms: `Hauptstraße 12`, `Rue de Rivoli 5`, `12 rue de la Paix`.
const STREET_EU =
  /\b(?:[A-ZÄÖÜ][\wäöüß-]*(?:straße|strasse|weg|gasse|platz|allee|damm|laan|straat|gracht|plein)\s+\d{1,4}[a-z]?|\d{1,4}(?:\s?bis)?,?\s+(?:rue|avenue|boulevard|chemin|place|impasse|allée)\s+(?:d[eu']\s?|des\s|la\s|l')?[A-ZÀ-Ý][\wÀ-ÿ'-]+(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'-]+){0,3}|(?:Calle|Avenida|Via|Viale|Piazza|Corso|Rua)\s+(?:d[eiao]l?\s+|de\s+la\s+)?[A-ZÀ-Ý][\wÀ-ÿ'-]+(?:\s+[A-ZÀ-Ý][\wÀ-ÿ'-]+){0,3},?\s+\d{1,4})\b/g;

function streets(text: string, out: Span[]): void {
  for (const re of [STREET_EN, STREET_EU]) {
    for (const m of text.matchAll(re)) out.push({ start: m.index, end: m.index + m[0].length, type: 'STREET_ADDRESS', text: m[0] });
  }
}

// --- all together ------------------------------------------------------------------------------

function isAlnum(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function allowed(allow: AllowList | undefined, v: string): boolean {
  if (!allow) return false;
  if (allow.values.has(v.toLowerCase())) return true;
  for (const re of allow.patterns) if (re.test(v)) return true;
  return false;
}

const IBAN_HINT = /[A-Z]{2}\d\d/;
const LONG_NUMBER = /\d[\d\s().\-/]{5,}\d/;
const IPV4_HINT = /\d\.\d{1,3}\.\d{1,3}\.\d/;
const IPV6_HINT = /[0-9A-Fa-f]:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:/;
const STREET_EN_HINT = /\d[ \t]+[A-Z]/;
const STREET_EU_HINT =
  /stra(?:ß|ss)e|gasse|platz|allee|laan|straat|gracht|plein|(?:weg|damm)\s+\d|\d,?\s+(?:rue|avenue|boulevard|chemin|place|impasse|allée)\s|(?:Calle|Avenida|Via|Viale|Piazza|Corso|Rua)\s/;
// Every SECRET rule has one of these (a key prefix, a PEM armour, a JWT, an assignment).
const SECRET_HINT =
  /AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|gh[pousr]_|github_pat_|glpat-|xox|hooks\.slack|_live_|_test_|AIza|sk-|hf_|npm_|SG\.|SK[0-9a-f]|eyJ|PRIVATE KEY|Bearer|[:=>]\s*["'][^"'\s]{16}/;

/**
 * Find the personal data and secrets of the selected types in `text`. Overlapping findings are
 * resolved by PII_TYPES priority (then the earlier, then the longer); allowed values are dropped.
 * Returns the spans in text order.
 */
export function detect(text: string, opts: DetectOptions): Span[] {
  const t = opts.types;
  const found: Span[] = [];
  if (t.has('SECRET') && SECRET_HINT.test(text)) secrets(text, found);
  if (text.includes('@')) {
    if (t.has('URL_CREDENTIALS')) urlCredentials(text, found);
    if (t.has('EMAIL')) emails(text, found);
  }
  // Cheap gates, one scan each, so that most strings skip most detectors: every IBAN starts with
  // `CCdd`; every PHONE, CREDIT_CARD and US_SSN holds 7+ characters of digits and separators; every IPv4 address `d.d`, every
  // IPv6 address `:`, every street address a digit.
  if (t.has('IBAN') && IBAN_HINT.test(text)) ibans(text, found);
  if (LONG_NUMBER.test(text)) {
    if (t.has('CREDIT_CARD')) cards(text, found);
    if (t.has('US_SSN')) ssns(text, found);
    if (t.has('PHONE')) phones(text, found, opts.phoneRegions);
  }
  if (t.has('IP_ADDRESS') && (IPV4_HINT.test(text) || text.includes('::') || IPV6_HINT.test(text))) ips(text, found, opts.privateIps);
  if (t.has('STREET_ADDRESS') && (STREET_EN_HINT.test(text) || STREET_EU_HINT.test(text))) streets(text, found);
  if (t.has('PERSON') && opts.people) {
    for (const p of opts.people(text)) found.push({ start: p.start, end: p.end, type: 'PERSON', text: text.slice(p.start, p.end) });
  }
  if (found.length === 0) return found;
  found.sort((a, b) => (PRIORITY.get(a.type) ?? 0) - (PRIORITY.get(b.type) ?? 0) || a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const s of found) {
    if (allowed(opts.allow, s.text)) continue;
    if (kept.some((k) => s.start < k.end && k.start < s.end)) continue;
    kept.push(s);
  }
  kept.sort((a, b) => a.start - b.start);
  return kept;
}
