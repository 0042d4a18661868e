export { canonicalJson, canonicalKey, canonicalKeyBytes, canonicalText, referenceCanonicalJson } from './canonical.js';
export { HashSet128 } from './hashset.js';
export { type IndexFileReader, IndexFileWriter, type IndexFormat, invalidIndex, openIndexFile } from './index-file.js';
export { Prng } from './prng.js';
export {
  datasetFileSourceName,
  encodeSourceName,
  fileContentHash,
  localFileSource,
  localSource,
  localSourceName,
  type SourceNameOptions,
  stdinSource,
} from './provenance.js';
export { type StreamHasher, xxh32Reference, xxh64, xxh64Stream, xxh128, xxh128String } from './xxhash.js';
