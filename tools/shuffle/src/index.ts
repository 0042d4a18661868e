export { type ShuffleStreamOptions, shuffleStream } from './api.js';
export { main, mergeSpec, offsetsSpec, spec } from './cli.js';
export { compareKeys, type KeyHook, KeyStream, type LineCounts, type LineSink, scanLines } from './keys.js';
export { type MergeRunOptions, runMerge, runOffsets, runShuffle, type ShuffleRunOptions } from './run.js';
export { Sampler } from './sample.js';
export { checkShards, KEY_BYTES, KEYS_FORMAT, type KeysHeader, KeysWriter, type MergeStats, mergeShards, readKeysInfo, type ShardInfo } from './sharded.js';
export { BYTES_PER_ROW, FAN_IN, OutBatcher, RUN_HEADER, type ShuffleOptions, Shuffler, type ShuffleStats, type Sink } from './shuffle.js';
