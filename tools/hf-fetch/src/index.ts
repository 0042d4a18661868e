export { hubCacheDir, RepoCache, walkFiles } from './cache.js';
export { type Card, cardFromData, parseCard } from './card.js';
export { main, run, spec } from './cli.js';
export { type Batch, type FetchFacts, type FetchOptions, fetchDataset, listDataset, newFacts } from './fetch.js';
export { type ByteSource, type Format, formatOf, readCsv, readJsonRows, readText } from './formats.js';
export { Http, type HttpOptions, retryDelay } from './http.js';
export { downloadToFile, Hub, normEtag, remoteBuffer } from './hub.js';
export { jsonValue } from './json.js';
export { fastStats, type ParquetEngine, type ParquetTuning, parquetColumns, readParquet, readParquetChunks, readParquetMetadata, readParquetParallel } from './parquet.js';
export {
  checkRegistry,
  chooseRegistry,
  findRegistry,
  loadRegistry,
  parseRegistry,
  REGISTRY_FILE,
  type Registry,
  type RegistryChoice,
  type RegistryEntry,
  type RegistryProblem,
} from './registry.js';
export { checkSpec as registryCheckSpec, enableSpec as registryEnableSpec, listSpec as registryListSpec, planSpec as registryPlanSpec, registryMain } from './registry-cli.js';
export { applyApproval, entryNamed } from './registry-edit.js';
export { buildPlan, type Plan, type PlanDataset, planMakefile } from './registry-plan.js';
export { registrySchema } from './registry-schema.js';
export { type CardConfig, type ConfigFiles, inferSplits, parquetExportConfigs, resolveConfigs, type SplitFiles, selectSplits } from './resolve.js';
export { type DatasetRef, expandGlob, parseDatasetArgs, parseHfUrl } from './source.js';
export { Stamp } from './stamp.js';
export { readToken } from './token.js';
