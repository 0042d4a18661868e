// redact-pii precision and recall per type on a labelled evaluation set of our own.
//
//   node bench/redact-pii-eval.mjs [--n 300] [--seed 1] [--out FILE] [--show-errors]
//
// The set is generated here, deterministically (--seed), so nothing personal is committed:
//   positives  sentence templates (several per type, English plus the locale's language where it
//              matters) filled with @faker-js/faker values from 10 locales (en_US, en_GB, de, fr,
//              es, it, nl, pt_BR, en_IN, en_AU); each sentence carries its gold spans.
//              Phone numbers are faker's national and international forms. A faker value that is
//              not a real one by its standard (a phone number outside the country's numbering plan,
//              an IBAN whose BBAN breaks its country's format, an IP in a special-purpose range) is
//              not a positive: it is counted in "faker values set aside" and left out.
//   negatives  hard negatives, each a sentence that holds no personal data: checksum-failing cards,
//              IBANs and SSNs; versions (1.2.3.4 after "version"/"v"), ISBNs, order and invoice
//              numbers, git SHAs, UUIDs, hashes, math, dates and times, code, prices, coordinates,
//              documentation values (example.com, 192.0.2.x, 2001:db8::, 555-01xx, test cards).
// A finding counts as a true positive when a gold span of the same type overlaps it; precision =
// TP / findings, recall = matched gold spans / gold spans, per type. PERSON is scored with
// --types all (it is off by default). Prints a markdown table; exits 1 if a goal is missed.

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allFakers } from '@faker-js/faker';
import { mulberry32 } from './corpus.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const lib = await import(join(ROOT, 'tools/redact-pii/dist/src/index.js'));
const { findPeople } = await import(join(ROOT, 'tools/redact-pii/dist/src/person.js'));
// The tool's own dependencies, resolved from its package (they are not the root's).
const toolRequire = createRequire(join(ROOT, 'tools/redact-pii/package.json'));
const { parsePhoneNumber } = toolRequire('awesome-phonenumber');
const { isValidIBAN } = toolRequire('ibantools');
const ipaddr = toolRequire('ipaddr.js');

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(flag('n', '300'));
const SEED = Number(flag('seed', '1'));
const showErrors = args.includes('--show-errors');
const outFile = flag('out', undefined);

const LOCALES = { en_US: 'US', en_GB: 'GB', de: 'DE', fr: 'FR', es: 'ES', it: 'IT', nl: 'NL', pt_BR: 'BR', en_IN: 'IN', en_AU: 'AU' };

// --- building labelled sentences -------------------------------------------------------------

/** A template: text with {SLOT} markers; fill(slot) returns [value, type|undefined]. */
function sentence(template, values) {
  let text = '';
  const gold = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    text += template.slice(last, m.index);
    const [value, type] = values[m[1]];
    if (type) gold.push({ start: text.length, end: text.length + value.length, type });
    text += value;
    last = m.index + m[0].length;
  }
  text += template.slice(last);
  return { text, gold };
}

const TEMPLATES = {
  EMAIL: ['Contact me at {V} if anything changes.', 'Email: {V}', 'Schreiben Sie an {V}, bitte.', 'mon adresse est {V}.', '"reply_to": "{V}"', 'cc {V}, {W}'],
  PHONE: ['Call me on {V} tomorrow.', 'Tel.: {V}', 'Mi número es {V}.', 'phone: {V} (after 6pm)', 'Bel mij op {V}.', 'You can reach the office at {V} or by mail.'],
  IP_ADDRESS: ['The login came from {V} at 03:12.', 'Blocked host {V} after 5 failed attempts', 'ssh admin@{V}', 'client_ip={V} status=200', 'X-Forwarded-For: {V}'],
  CREDIT_CARD: ['My card number is {V}, expiry 04/27.', 'charge {V} please', 'Kartennummer: {V}', 'card: {V} cvv 123'],
  IBAN: ['Please wire it to {V}.', 'IBAN: {V}', 'Bankverbindung {V} (Sparkasse)', 'virement sur {V} merci'],
  US_SSN: ['My SSN is {V}.', 'social security number {V}', 'SSN: {V}, DOB 04/12/1980', 'applicant ssn {V}'],
  URL_CREDENTIALS: ['DATABASE_URL={V}', 'git clone {V}', 'connect with {V} and run the migration', 'proxy: {V}'],
  SECRET: ['export KEY={V}', 'token = "{V}"', 'Here is my key: {V}', '{V}'],
  PERSON: ['My name is {V} and I need help.', 'Thanks, {V}', 'Yesterday {V} called about the invoice.', 'Please forward this to {V}.', 'Dear {V}, your order shipped.'],
  STREET_ADDRESS: ['Ship it to {V}, please.', 'I live at {V}.', 'Our office moved to {V} last year.', 'Address: {V}'],
};

const rand = mulberry32(SEED);
const pick = (a) => a[Math.floor(rand() * a.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
const aside = {};
const setAside = (t) => {
  aside[t] = (aside[t] ?? 0) + 1;
};

function publicIp(f, v6) {
  for (;;) {
    const v = v6 ? f.internet.ipv6() : f.internet.ipv4();
    const r = ipaddr.parse(v).range();
    if (r === 'unicast') return v6 && rand() < 0.5 ? ipaddr.parse(v).toString() : v;
    setAside('IP_ADDRESS');
  }
}

function ssn() {
  for (;;) {
    const a = digits(3);
    const g = digits(2);
    const s = digits(4);
    if (lib.validSsn(a, g, s)) return rand() < 0.85 ? `${a}-${g}-${s}` : `${a} ${g} ${s}`;
  }
}

const b64 = (n, f) => f.string.alphanumeric(n);
function secret(f) {
  const k = Math.floor(rand() * 12);
  switch (k) {
    case 0:
      return `AKIA${f.string.alphanumeric({ length: 16, casing: 'upper' })}`;
    case 1:
      return `ghp_${b64(36, f)}`;
    case 2:
      return `xoxb-${digits(11)}-${digits(12)}-${b64(24, f)}`;
    case 3:
      return `sk_live_${b64(24, f)}`;
    case 4:
      return `AIza${f.string.fromCharacters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', 35)}`;
    case 5:
      return `sk-proj-${b64(40, f)}T3BlbkFJ${b64(40, f)}`;
    case 6:
      return `hf_${f.string.alpha(34)}`;
    case 7:
      return `glpat-${b64(20, f)}`;
    case 8: {
      const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: f.string.uuid(), name: f.person.fullName(), iat: 1700000000 + Math.floor(rand() * 1e7) })}.${f.string.fromCharacters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', 43)}`;
    }
    case 9: {
      const lines = Array.from({ length: 6 }, () => f.string.fromCharacters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 64));
      return `-----BEGIN RSA PRIVATE KEY-----\n${lines.join('\n')}\n-----END RSA PRIVATE KEY-----`;
    }
    case 10:
      return `npm_${b64(36, f)}`;
    default:
      return `SG.${b64(22, f)}.${b64(43, f)}`;
  }
}

function positive(type, f, locale) {
  const region = LOCALES[locale];
  const t = pick(TEMPLATES[type]);
  const V = (v) => sentence(t, { V: [v, type], W: [f.internet.email(), 'EMAIL'] });
  switch (type) {
    case 'EMAIL':
      return V(f.internet.email());
    case 'PHONE': {
      for (;;) {
        const intl = rand() < 0.4;
        const v = f.phone.number({ style: intl ? 'international' : 'national' });
        const p = parsePhoneNumber(v, intl ? undefined : { regionCode: region });
        if (p.valid && !/555[\s.\-)]*01\d\d$/.test(v)) return V(v);
        setAside('PHONE');
      }
    }
    case 'IP_ADDRESS':
      return V(publicIp(f, rand() < 0.35));
    case 'CREDIT_CARD': {
      const v = f.finance.creditCardNumber(pick(['visa', 'mastercard', 'amex', 'discover', 'jcb', 'diners_club']));
      return V(rand() < 0.3 ? v.replace(/-/g, ' ') : rand() < 0.3 ? v.replace(/-/g, '') : v);
    }
    case 'IBAN': {
      for (;;) {
        const v = f.finance.iban(rand() < 0.5, rand() < 0.6 ? pick(['DE', 'FR', 'ES', 'IT', 'NL', 'GB', 'BE', 'AT', 'CH', 'PL']) : undefined);
        if (isValidIBAN(v.replace(/ /g, ''))) return V(v);
        setAside('IBAN');
      }
    }
    case 'US_SSN':
      return V(ssn());
    case 'URL_CREDENTIALS': {
      const user = f.internet.username().replace(/[^\w.-]/g, '');
      const pass = f.internet.password({ length: 8 + Math.floor(rand() * 10) });
      const scheme = pick(['postgres', 'mysql', 'https', 'redis', 'mongodb', 'amqp', 'ftp']);
      const host = `${f.internet.domainWord()}.${pick(['io', 'net', 'com', 'cloud', 'internal'])}`;
      const url = `${scheme}://${user}:${pass}@${host}/${f.lorem.word()}`;
      const s = sentence(t, { V: [url, undefined] });
      const at = s.text.indexOf('://') + 3;
      s.gold.push({ start: at, end: at + user.length + 1 + pass.length, type });
      return s;
    }
    case 'SECRET':
      return V(secret(f));
    case 'PERSON':
      return V(f.person.fullName());
    case 'STREET_ADDRESS':
      return V(f.location.streetAddress());
  }
}

const NEGATIVES = [
  (f) => `Card ${f.finance.creditCardNumber('visa').replace(/\d$/, (d) => String((Number(d) + 1) % 10))} was declined (typo).`,
  (f) => `card number ${f.finance.creditCardNumber('mastercard').replace(/\d$/, (d) => String((Number(d) + 3) % 10))}`,
  (f) => {
    const v = f.finance.iban(false, pick(['DE', 'FR', 'NL', 'GB']));
    return `IBAN ${v.slice(0, 2)}${String((Number(v.slice(2, 4)) + 1) % 100).padStart(2, '0')}${v.slice(4)} bounced.`;
  },
  () => `SSN ${pick(['000', '666', '900', '987'])}-${digits(2)}-${digits(4)} is not valid.`,
  () => `ssn ${digits(3).replace(/^./, '1')}-00-${digits(4)}`,
  () => `Upgrade to version ${1 + Math.floor(rand() * 9)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 300)} before Friday.`,
  () => `pip install torch==${1 + Math.floor(rand() * 2)}.${Math.floor(rand() * 13)}.${Math.floor(rand() * 5)}`,
  () => `Windows build 10.0.${19000 + Math.floor(rand() * 4000)}.${Math.floor(rand() * 3000)}`,
  () => `v${Math.floor(rand() * 9)}.${Math.floor(rand() * 99)}.${Math.floor(rand() * 99)}.${Math.floor(rand() * 9999)} released`,
  () => `ISBN 978-${digits(1)}-${digits(3)}-${digits(5)}-${digits(1)}`,
  () => `ISBN-13: 978${digits(10)}, ISBN-10: ${digits(9)}X`,
  () => `Order #${digits(3)}-${digits(7)}-${digits(7)} has shipped.`,
  () => `Your order number is ${digits(10)}.`,
  () => `Invoice INV-${digits(4)}-${digits(6)} is due.`,
  () => `tracking 1Z${digits(16)}`,
  (f) => `commit ${f.git.commitSha()} fixed it`,
  (f) => `git checkout ${f.git.commitSha({ length: 7 })}`,
  (f) => `id: ${f.string.uuid()}`,
  (f) => `sha256: ${f.string.hexadecimal({ length: 64, casing: 'lower', prefix: '' })}`,
  (f) => `md5 ${f.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' })}`,
  () => `${digits(4)} * ${digits(4)} = ${digits(8)}`,
  () => `Betty needs ${digits(3)} - ${digits(2)} - ${digits(2)} - ${digits(2)} = $<<${digits(3)}-${digits(2)}-${digits(2)}-${digits(2)}=${digits(1)}>>${digits(1)} more.`,
  () => `profit of ${digits(6)}-${digits(4)}=$<<${digits(6)}-${digits(4)}=${digits(6)}>>${digits(6)}`,
  () => `sum = (${digits(5)} - ${digits(4)}) = Rs. ${digits(4)}; = ${digits(4)} + ${digits(5)}/${digits(2)} = ${digits(4)}`,
  () => `Voted best in the Readers’ Poll for four years (${2000 + Math.floor(rand() * 10)}-${2010 + Math.floor(rand() * 10)}).`,
  () => `Carmakers produce ${1 + Math.floor(rand() * 9)} ${digits(3)} ${digits(3)} cars each year.`,
  () => `During ${1 + Math.floor(rand() * 60)} days, Laura walked ${digits(2)} km.\n${digits(2)}\nDon't Drive to work`,
  () => `Susie has ${digits(2)} Rhode Island Reds and ${digits(1)} Golden Comets.`,
  () => `Fill in: Phone (555) 123-4567, email yourname@yourdomain.com`,
  () => `The result is 3.14159265358979 × 2.718281828 ≈ 8.5397342226`,
  () => `Solve ${digits(3)}x + ${digits(3)} = ${digits(5)} for x.`,
  () => `Meeting on ${2000 + Math.floor(rand() * 30)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')} at 14:30:00.`,
  () => `Born ${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}.${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}.19${digits(2)}`,
  () => `Timestamp ${1600000000 + Math.floor(rand() * 1e8)} (${12 + Math.floor(rand() * 10)}:${digits(2).replace(/^[6-9]/, '5')}:${digits(2).replace(/^[6-9]/, '4')})`,
  () => `for (let i = 0; i < ${digits(7)}; i++) { total += arr[i] * 0x7fffffff; }`,
  () => `const PORT = ${1024 + Math.floor(rand() * 60000)}; app.listen(PORT, "127.0.0.1");`,
  () => `std::vector<int> v; std::cout << v.size() << std::endl; // ${digits(6)}`,
  () => `Price: $${digits(1)},${digits(3)},${digits(3)}.${digits(2)} (was €${digits(3)}.${digits(2)})`,
  () => `Population ${digits(1)},${digits(3)},${digits(3)} in ${1900 + Math.floor(rand() * 120)}`,
  () => `Coordinates 40.${digits(4)}, -74.${digits(4)}`,
  (f) => `Write to ${f.internet.exampleEmail()} for the demo.`,
  () => `Documentation address 192.0.2.${Math.floor(rand() * 255)} and 198.51.100.${Math.floor(rand() * 255)}`,
  () => `Use 2001:db8::${Math.floor(rand() * 65535).toString(16)} in examples; localhost is ::1 and 127.0.0.1`,
  () => `Call (${pick(['212', '310', '415'])}) 555-01${digits(2)} in the film.`,
  () => `Test card 4242 4242 4242 4242, exp 12/34`,
  () => `The private network 192.168.${Math.floor(rand() * 255)}.${Math.floor(rand() * 255)} and 10.0.${Math.floor(rand() * 255)}.1`,
  () => `MAC 00:1A:${digits(2)}:3C:4D:${digits(2)}`,
  () => `postgres://user:password@localhost:5432/mydb`,
  () => `api_key = "YOUR_API_KEY_HERE"; token = "xxxxxxxxxxxxxxxxxxxxxxxx"`,
  () => `AWS example key AKIAIOSFODNN7EXAMPLE`,
  () => `Phone: 123-456-7890 (placeholder)`,
  () => `Error code 0x${digits(8)} at line ${digits(4)}`,
  () => `Part no. ${digits(4)}-${digits(4)}-${digits(2)}`,
  () => `Reference ${digits(2)} ${digits(4)} ${digits(4)} ${digits(2)}`,
  () => `See RFC ${digits(4)} section 3.2.1 and doi:10.${digits(4)}/${digits(7)}`,
  () => `icon@2x.png and logo@3x.webp`,
  (f) => `npm i lodash@4.17.${digits(2)} left-pad@1.3.0 (${f.string.uuid()})`,
];

// --- the run ---------------------------------------------------------------------------------

const TYPES = lib.PII_TYPES;
const items = [];
const localeNames = Object.keys(LOCALES);
for (const type of TYPES) {
  for (let i = 0; i < N; i++) {
    const locale = localeNames[i % localeNames.length];
    const f = allFakers[locale];
    f.seed(SEED * 1_000_003 + i * 31 + TYPES.indexOf(type));
    // PERSON and STREET_ADDRESS: English best effort — scored on the English locales.
    if ((type === 'PERSON' || type === 'STREET_ADDRESS') && !locale.startsWith('en')) {
      const en = allFakers[pick(['en_US', 'en_GB', 'en_AU', 'en_IN'])];
      en.seed(SEED * 7 + i);
      items.push({ kind: 'pos', ...positive(type, en, 'en_US') });
    } else items.push({ kind: 'pos', ...positive(type, f, locale) });
  }
}
const nNeg = N * 4;
for (let i = 0; i < nNeg; i++) {
  const f = allFakers[localeNames[i % localeNames.length]];
  f.seed(SEED * 3_000_017 + i);
  items.push({ kind: 'neg', text: NEGATIVES[i % NEGATIVES.length](f), gold: [], template: i % NEGATIVES.length });
}

const opts = { types: new Set(TYPES), phoneRegions: lib.DEFAULT_PHONE_REGIONS, privateIps: false, people: findPeople };
const optsDefault = { ...opts, types: new Set(lib.DEFAULT_TYPES) };
const stat = Object.fromEntries(TYPES.map((t) => [t, { tp: 0, fp: 0, gold: 0, found: 0 }]));
let negFlagged = 0;
const errors = [];
const t0 = process.hrtime.bigint();
for (const it of items) {
  // Negatives are judged with the default types (what a user runs); positives with all types.
  const spans = lib.detect(it.text, it.kind === 'neg' ? optsDefault : opts);
  if (it.kind === 'neg') {
    if (spans.length > 0) {
      negFlagged++;
      errors.push(`NEG flagged: ${spans.map((s) => `${s.type}:${JSON.stringify(s.text)}`).join(' ')} in ${JSON.stringify(it.text)}`);
    }
    continue;
  }
  for (const g of it.gold) {
    stat[g.type].gold++;
    if (spans.some((s) => s.type === g.type && s.start < g.end && g.start < s.end)) stat[g.type].tp++;
    else
      errors.push(
        `FN ${g.type}: ${JSON.stringify(it.text.slice(g.start, g.end))} in ${JSON.stringify(it.text)} (found: ${spans.map((s) => `${s.type}:${JSON.stringify(s.text)}`).join(' ')})`,
      );
  }
  for (const s of spans) {
    stat[s.type].found++;
    if (!it.gold.some((g) => g.type === s.type && s.start < g.end && g.start < s.end)) {
      stat[s.type].fp++;
      errors.push(`FP ${s.type}: ${JSON.stringify(s.text)} in ${JSON.stringify(it.text)}`);
    }
  }
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;

const GOALS = {
  EMAIL: [0.98, 0.98],
  PHONE: [0.98, 0.98],
  IP_ADDRESS: [0.98, 0.98],
  CREDIT_CARD: [0.98, 0.98],
  IBAN: [0.98, 0.98],
  US_SSN: [0.98, 0.98],
  URL_CREDENTIALS: [0.98, 0.98],
  SECRET: [undefined, 0.9],
};
let ok = true;
const rows = TYPES.map((t) => {
  const s = stat[t];
  const precision = s.found === 0 ? 1 : (s.found - s.fp) / s.found;
  const recall = s.gold === 0 ? 1 : s.tp / s.gold;
  const [gp, gr] = GOALS[t] ?? [];
  const pOk = gp === undefined || precision >= gp;
  const rOk = gr === undefined || recall >= gr;
  if (!pOk || !rOk) ok = false;
  const goal =
    gp === undefined && gr === undefined
      ? 'measured (best effort)'
      : `${gp !== undefined ? `P ≥ ${gp}` : ''}${gp !== undefined && gr !== undefined ? ', ' : ''}${gr !== undefined ? `R ≥ ${gr}` : ''} ${pOk && rOk ? 'ok' : 'FAIL'}`;
  return `| ${t} | ${s.gold} | ${s.found} | ${s.fp} | ${precision.toFixed(3)} | ${recall.toFixed(3)} | ${goal} |`;
});
const negRate = negFlagged / nNeg;
if (negRate > 0.01) ok = false;
const report = `redact-pii evaluation (seed ${SEED}, ${N} positives per type over ${localeNames.length} locales, ${nNeg} hard negatives of ${NEGATIVES.length} kinds; ${secs.toFixed(2)} s)

| type | gold spans | findings | false positives | precision | recall | goal |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Hard negatives flagged (default types): ${negFlagged} / ${nNeg} = ${(100 * negRate).toFixed(2)}% (goal ≤ 1%: ${negRate <= 0.01 ? 'ok' : 'FAIL'})
Faker values set aside as not real by their standard: ${
  Object.entries(aside)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none'
}
`;
process.stdout.write(report);
if (showErrors) process.stderr.write(`${errors.join('\n')}\n`);
if (outFile) writeFileSync(outFile, items.map((x) => `${JSON.stringify({ kind: x.kind, text: x.text, gold: x.gold })}\n`).join(''));
process.exitCode = ok ? 0 : 1;
