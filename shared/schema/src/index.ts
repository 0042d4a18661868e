export { contractViolations } from './contract.js';
export { compileGlob, type Glob, globToRegExp } from './glob.js';
export {
  COMPARED_FIELDS,
  comparedTexts,
  comparedValue,
  LEGACY_TOKEN_RULE,
  legacyTokenTexts,
  RECORD_KINDS,
  type RecordKind,
  recordKind,
  TOKEN_RULE,
  textsAt,
  tokenTexts,
  valuesAt,
} from './kinds.js';
export { type FieldPath, getPath, parsePath, parsePaths, WILDCARD } from './path.js';
export {
  type ChatMessage,
  describeJson,
  getMeta,
  isJsonObject,
  type Json,
  type JsonObject,
  type Meta,
  setMeta,
} from './record.js';
