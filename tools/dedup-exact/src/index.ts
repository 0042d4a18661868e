export { main, spec } from './cli.js';
export { type DedupExactOptions, ExactDedup, REASONS } from './dedup.js';
export { type IndexHeader, loadIndex, saveIndex } from './index-file.js';
export { type KeySpec, keyHash, keyText } from './key.js';
export { keySpecOf, type PreparedChunk, prepareChunk, prepareRows } from './prepare.js';
