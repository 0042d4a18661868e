import { type NormalizeMode, normalizeText } from '@ldt/text';

/**
 * The canonical text of a key value, which is what content hashes are computed over.
 *
 * - A string is its normalised self (no quotes), so the key of a text row is its text.
 * - Anything else is canonical JSON: object keys sorted by UTF-16 code units (so `{"a":1,"b":2}`
 *   and `{"b":2,"a":1}` are the same key), every string value normalised, no white space.
 */
export function canonicalText(value: unknown, mode: NormalizeMode): string {
  if (typeof value === 'string') return normalizeText(value, mode);
  return canonicalJson(value, mode);
}

/**
 * Canonical JSON (sorted keys, normalised strings) of any JSON value.
 *
 * Built as a sorted, normalised view of the value (new objects only where keys are out of order
 * or strings change; string values are shared, not copied) that is then serialised by the native
 * JSON.stringify. Measured on 256 MB of chat rows: 2.26 s self time for a hand-written
 * string-concatenating serialiser vs ~0.6 s this way (node --cpu-prof, bench corpus). Objects
 * with integer-like keys ("0", "17") take the slow path, because JSON.stringify would emit those
 * keys first in numeric order instead of code-unit order. fast-json-stable-stringify is not used:
 * it cannot normalise string leaves in the same walk and was 1.4–2× slower than JSON.stringify here.
 */
export function canonicalJson(value: unknown, mode: NormalizeMode): string {
  const view = canonicalView(value, mode);
  return view === SLOW ? slowCanonicalJson(value, mode) : (JSON.stringify(view) ?? 'null');
}

const SLOW = Symbol('slow');

function canonicalView(value: unknown, mode: NormalizeMode): unknown {
  if (typeof value === 'string') return mode === 'none' ? value : normalizeText(value, mode);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const c = canonicalView(v, mode);
      if (c === SLOW) return SLOW;
      if (c !== v && out === undefined) out = value.slice(0, i);
      if (out !== undefined) out.push(c);
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const c0 = k.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && isIndexLike(k)) return SLOW;
    if (i > 0 && keys[i - 1] > k) sorted = false;
  }
  if (!sorted) keys.sort();
  const out: Record<string, unknown> = {};
  let changed = !sorted;
  for (const k of keys) {
    const v = obj[k];
    const c = canonicalView(v, mode);
    if (c === SLOW) return SLOW;
    if (c !== v) changed = true;
    out[k] = c;
  }
  return changed ? out : obj;
}

function isIndexLike(k: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295;
}

/** The reference definition, used for values with integer-like object keys. */
function slowCanonicalJson(value: unknown, mode: NormalizeMode): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(normalizeText(value, mode));
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v) => slowCanonicalJson(v, mode)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(obj).sort()) {
        if (obj[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${slowCanonicalJson(obj[k], mode)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

export { slowCanonicalJson as referenceCanonicalJson };

/**
 * The ldt canonical key encoding: an injective, self-delimiting text form of a JSON value, used
 * as hash input where nobody needs to read the text (content hashes of non-string keys). It
 * avoids JSON.stringify's escaping pass over every string: string parts are concatenated as
 * V8 ropes and encoded once when hashed. Measured on 256 MB of chat rows (node --cpu-prof,
 * bench corpus): canonical JSON took ~2.5 s of CPU, this encoding ~0.5 s.
 *
 * Grammar (lengths are UTF-16 code units, decimal):
 *   string  → `s` LEN `:` TEXT            (TEXT normalised by `mode`)
 *   number  → `n` JSON-NUMBER `;`
 *   true / false / null → `t` / `f` / `z`
 *   array   → `[` VALUE* `]`
 *   object  → `{` (`s` LEN `:` KEY VALUE)* `}`   keys sorted by UTF-16 code units
 */
export function canonicalKey(value: unknown, mode: NormalizeMode): string {
  switch (typeof value) {
    case 'string': {
      const s = mode === 'none' ? value : normalizeText(value, mode);
      return `s${s.length}:${s}`;
    }
    case 'number':
      return `n${JSON.stringify(value)};`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'object': {
      if (value === null) return 'z';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) out += canonicalKey(value[i], mode);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = sortedKeys(obj);
      let out = '{';
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `s${k.length}:${k}${canonicalKey(v, mode)}`;
      }
      return `${out}}`;
    }
    default:
      return 'z';
  }
}

let keyBuf = Buffer.allocUnsafe(1 << 16);
let keyOff = 0;

/**
 * The UTF-8 bytes of `canonicalKey(value, mode)`, written straight into a reused buffer (valid
 * until the next call; copy it to keep it): the same bytes, without building the key string.
 * Building it made a rope of every string of the value that the UTF-8 encoder then had to
 * flatten (a copy of the whole key) before encoding; here each string is encoded once, in place.
 * The bytes are identical even for lone surrogates: every string piece of the encoding is
 * bounded by ASCII (`:` before it; `s`, `n`, `[`, `{`, `]`, `}`, `t`, `f`, `z` after it), so no
 * surrogate pair can form across pieces, and each piece encodes (U+FFFD for a lone surrogate)
 * as it does inside the whole string. Measured on the 64 MB bench corpus' chat rows (45k
 * distinct messages keys; node, process.cpuUsage, best of 3): canonicalKey + xxh128String
 * 0.20 CPU-s, canonicalKeyBytes + xxh128 0.15 CPU-s.
 */
export function canonicalKeyBytes(value: unknown, mode: NormalizeMode): Buffer {
  keyOff = 0;
  putKey(value, mode);
  return keyBuf.subarray(0, keyOff);
}

function room(n: number): void {
  if (keyOff + n <= keyBuf.length) return;
  const next = Buffer.allocUnsafe(Math.max(keyBuf.length * 2, keyOff + n));
  keyBuf.copy(next, 0, 0, keyOff);
  keyBuf = next;
}

/** `s` LEN `:` TEXT */
function putString(s: string): void {
  const n = s.length;
  room(12 + 3 * n);
  const b = keyBuf;
  let o = keyOff;
  b[o++] = 115; /* s */
  o = putUint(b, o, n);
  b[o++] = 58; /* : */
  if (n <= 24) {
    // Short strings (keys, roles): copied unit by unit while ASCII, the encoder's call overhead saved.
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) break;
      b[o + i] = c;
    }
    if (i === n) {
      keyOff = o + n;
      return;
    }
  }
  keyOff = o + b.write(s, o, 'utf8');
}

function putUint(b: Buffer, o: number, n: number): number {
  if (n < 10) {
    b[o] = 48 + n;
    return o + 1;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = digits - 1, x = n; k >= 0; k--, x = Math.floor(x / 10)) b[o + k] = 48 + (x % 10);
  return o + digits;
}

function putAscii(s: string): void {
  room(s.length);
  for (let i = 0; i < s.length; i++) keyBuf[keyOff + i] = s.charCodeAt(i);
  keyOff += s.length;
}

function putByte(c: number): void {
  room(1);
  keyBuf[keyOff++] = c;
}

function putKey(value: unknown, mode: NormalizeMode): void {
  switch (typeof value) {
    case 'string':
      putString(mode === 'none' ? value : normalizeText(value, mode));
      return;
    case 'number':
      // JSON number text is ASCII.
      putAscii(`n${JSON.stringify(value)};`);
      return;
    case 'boolean':
      putByte(value ? 116 /* t */ : 102 /* f */);
      return;
    case 'object': {
      if (value === null) {
        putByte(122 /* z */);
        return;
      }
      if (Array.isArray(value)) {
        putByte(91 /* [ */);
        for (let i = 0; i < value.length; i++) putKey(value[i], mode);
        putByte(93 /* ] */);
        return;
      }
      const obj = value as Record<string, unknown>;
      const keys = sortedKeys(obj);
      putByte(123 /* { */);
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        putString(k);
        putKey(v, mode);
      }
      putByte(125 /* } */);
      return;
    }
    default:
      putByte(122 /* z */);
  }
}

/** The keys of `obj` in code-unit order, as canonical keys list them (sorted only when they are not already). */
function sortedKeys(obj: Record<string, unknown>): string[] {
  const keys = Object.keys(obj);
  if (keys.length === 2) {
    // The common case (chat messages: role, content): a swap, not a sort.
    if (keys[0] > keys[1]) keys.reverse();
    return keys;
  }
  for (let i = 1; i < keys.length; i++) if (keys[i - 1] > keys[i]) return keys.sort();
  return keys;
}
