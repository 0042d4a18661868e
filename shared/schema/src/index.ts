export { contractViolations } from './contract.js';
export { compileGlob, type Glob, globToRegExp } from './glob.js';
export { type FieldPath, getPath, parsePath, parsePaths, WILDCARD } from './path.js';
export {
  type ChatMessage,
  describeJson,
  getMeta,
  isJsonObject,
  type Json,
  type JsonObject,
  type Meta,
  type RecordKind,
  recordKind,
  setMeta,
} from './record.js';
