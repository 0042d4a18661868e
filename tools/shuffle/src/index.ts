export { type ShuffleStreamOptions, shuffleStream } from './api.js';
export { main, spec } from './cli.js';
export { compareKeys, KeyStream, type LineCounts, type LineSink, scanLines } from './keys.js';
export { Sampler } from './sample.js';
export { BYTES_PER_ROW, FAN_IN, OutBatcher, RUN_HEADER, type ShuffleOptions, Shuffler, type ShuffleStats, type Sink } from './shuffle.js';
