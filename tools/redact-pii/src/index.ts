export { main, spec } from './cli.js';
export {
  type AllowList,
  cardNetwork,
  DEFAULT_PHONE_REGIONS,
  DEFAULT_TYPES,
  type DetectOptions,
  detect,
  luhn,
  PII_TYPES,
  type PiiType,
  type Span,
  validSsn,
} from './detect.js';
export { pathPattern, pathText, type TextSlot, textSlots } from './fields.js';
export { MIN_KEY_BYTES, Pseudonymizer } from './pseudo.js';
export { type Mode, PiiCounts, type PiiMark, type PiiStatus, type RedactOptions, type RowResult, redactRowLine } from './redact.js';
export { type RedactPiiRunOptions, runRedactPii } from './run.js';
export { entropy, SECRET_RULES, type SecretRule } from './secrets.js';
