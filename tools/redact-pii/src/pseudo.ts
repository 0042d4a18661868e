import { createHmac } from 'node:crypto';
import type { PiiType } from './detect.js';
import { luhn } from './detect.js';

/** Shortest accepted --key-file content: 128 bits. */
export const MIN_KEY_BYTES = 16;

const GIVEN = ['Alex', 'Sam', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Jamie', 'Robin', 'Avery', 'Quinn', 'Riley', 'Drew', 'Kim', 'Lee', 'Noa', 'Eli'];
const FAMILY = ['Smith', 'Garcia', 'Müller', 'Martin', 'Rossi', 'Silva', 'Jansen', 'Kumar', 'Brown', 'Dubois', 'Novak', 'Cohen', 'Sato', 'Moreau', 'Costa', 'Berg'];
const STREETS = ['Elm', 'Oak', 'Maple', 'Cedar', 'Pine', 'Birch', 'Willow', 'Aspen'];

/**
 * Keyed, consistent fake values: `fake(type, value)` is a function of the key, the type and the
 * value only (HMAC-SHA-256), so the same value gets the same replacement across files, runs and
 * threads, and nothing maps back without the key. Replacements keep the shape (separators,
 * length, country code, card network prefix) and, where a reserved range exists, fall in it
 * (emails at example.com, IPs in 10.0.0.0/8 and fd00::/8, SSNs in the never-issued 9xx area), so a
 * second redact-pii pass finds them clean.
 */
export class Pseudonymizer {
  constructor(private readonly key: Buffer) {}

  private digest(type: PiiType, value: string): Buffer {
    return createHmac('sha256', this.key).update(type).update('\u0000').update(value).digest();
  }

  fake(type: PiiType, value: string): string {
    const h = this.digest(type, value);
    const hex = h.toString('hex');
    const digits = digitStream(h);
    switch (type) {
      case 'EMAIL':
        return `user.${hex.slice(0, 10)}@example.com`;
      case 'PHONE': {
        // Keep `+CC` (or the leading trunk digit) and every separator; other digits come from the key.
        const keepPrefix = /^(\+|00)\d{1,3}/.exec(value)?.[0] ?? '';
        return keepPrefix + value.slice(keepPrefix.length).replace(/\d/g, (d, i) => (i === 0 && d === '0' ? '0' : digits()));
      }
      case 'IP_ADDRESS':
        return value.includes(':')
          ? `fd00:${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 12)}::${hex.slice(12, 16).replace(/^0+(?=.)/, '')}`
          : `10.${h[0]}.${h[1]}.${h[2] === 0 || h[2] === 255 ? 1 : h[2]}`;
      case 'CREDIT_CARD': {
        const d = value.replace(/\D/g, '');
        let body = d.slice(0, 2);
        while (body.length < d.length - 1) body += digits();
        let check = 0;
        while (!luhn(`${body}${check}`)) check++;
        const nd = `${body}${check}`;
        let k = 0;
        return value.replace(/\d/g, () => nd[k++]);
      }
      case 'IBAN': {
        const compact = value.replace(/ /g, '');
        const cc = compact.slice(0, 2);
        const bban = compact.slice(4).replace(/\d/g, () => digits());
        const num = `${bban}${cc}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
        let r = 0;
        for (const c of num) r = (r * 10 + (c.charCodeAt(0) - 48)) % 97;
        const iban = `${cc}${String(98 - r).padStart(2, '0')}${bban}`;
        if (!value.includes(' ')) return iban;
        return iban.replace(/(.{4})(?!$)/g, '$1 ');
      }
      case 'US_SSN': {
        const n = `9${digits()}${digits()}${digits()}${digits()}${digits()}${digits()}${digits()}${digits()}`;
        const sep = /\d{3}([- ])/.exec(value)?.[1];
        return sep === undefined ? n : `${n.slice(0, 3)}${sep}${n.slice(3, 5)}${sep}${n.slice(5)}`;
      }
      case 'URL_CREDENTIALS':
        return `user-${hex.slice(0, 6)}:${hex.slice(6, 22)}`;
      case 'SECRET':
        return `REDACTED_SECRET_${hex.slice(0, 16)}`;
      case 'PERSON':
        return `${GIVEN[h[0] % GIVEN.length]} ${FAMILY[h[1] % FAMILY.length]}-${hex.slice(4, 8)}`;
      case 'STREET_ADDRESS':
        return `${100 + (h.readUInt16BE(0) % 9000)} ${STREETS[h[2] % STREETS.length]} Street`;
    }
  }
}

/** Decimal digits drawn from a digest, then from its re-hash when exhausted. */
function digitStream(seed: Buffer): () => string {
  let buf = seed;
  let i = 0;
  return () => {
    for (;;) {
      if (i >= buf.length) {
        buf = createHmac('sha256', buf).update('more').digest();
        i = 0;
      }
      const b = buf[i++];
      // Rejection sampling keeps the digits uniform.
      if (b < 250) return String(b % 10);
    }
  };
}
