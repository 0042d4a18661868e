export { type CheckOptions, formatLeak, type Leak, LeakChecker, type LeakKind } from './check.js';
export { checkSpec, main, spec } from './cli.js';
export { contentKey, defaultGroupKey, type GroupOptions, groupKey, MissingGroupError, seededHash, unitInterval } from './key.js';
export { parseRatios, pick, type Ratios } from './ratios.js';
export { type Holdout, parseHoldoutIds, type SplitCounts, type SplitOptions, Splitter } from './split.js';
