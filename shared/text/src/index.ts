export { isNormalizeMode, NORMALIZE_MODES, type NormalizeMode, normalizeText } from './normalize.js';
