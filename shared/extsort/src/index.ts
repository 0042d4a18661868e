export { MergeHeap, mergeRuns, mergeRunsAsync, type RunSource } from './merge.js';
export { type DiskErrorText, diskError, openTemp, RunFileReader, RunFileWriter, readExactly, truncatedTemp, type WriteFn } from './run-files.js';
