// Test helpers shared by every package (see the package README); one module per job.

export { assertCounts, type Counts, statsCounts, summaryCounts } from './counts.js';
export { brokenTableRows, docTests, undocumentedFlags } from './doc-tests.js';
export { goldenCases, parseNdjson, writeNdjson } from './golden.js';
export { assertDeprecatedSpellings, optionNameProblems, SAME_NAME_OTHER_MEANING } from './option-names.js';
export { repoRoot, sharedData, tmpDir } from './paths.js';
export { fcParams, type PropertyRunDetails } from './property.js';
export { type Main, type RunResult, runBin, runCore, runInProcess, runShell, splitArgs, waitFor } from './run.js';
export { wasmFromWat } from './wasm.js';
