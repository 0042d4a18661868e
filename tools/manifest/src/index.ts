export { countRowTokens, ESTIMATE, loadTokenCounter, rowTexts, type TokenCounter } from '@ldt/tokens';
export { type BuildOptions, ManifestBuilder, type RequireGate } from './build.js';
export { main, run, spec } from './cli.js';
export { CROISSANT_CONTEXT, croissantFor } from './croissant.js';
export { FieldCatalog, type FieldStats } from './fields.js';
export { datasetId, MANIFEST_FORMAT, type Manifest, type ManifestShard, type ToolChainEntry } from './format.js';
export { type Compression, ShardFile } from './shard-file.js';
export { parseSource, type SourceParts } from './source.js';
export { readManifest, type VerifyProblem, type VerifyResult, verifyDir } from './verify.js';
