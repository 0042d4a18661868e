export { type DeferredReject, type MapChunksOptions, mapLineChunks, type WireChunk } from './chunks.js';
export { findTopLevelValue, serializeWithMeta } from './edit.js';
export { DEFAULT_CHUNK_SIZE, displayName, normalizeInputs, type OpenOptions, openInput, STDIN_NAME } from './input.js';
export { DEFAULT_MAX_LINE_BYTES, firstInvalidByte, type LineChunk, type LineOptions, type Rejector, readLineChunks } from './lines.js';
export { defaultWorkers, orderedWorkerMap, type PoolOptions, serveWorker } from './pool.js';
export { Report, type ReportSinks } from './report.js';
export { parseChunk, type ReadCounts, type Row, type RowOptions, readRows } from './rows.js';
export { TempDir } from './tempdir.js';
export { AtomicFile, BrokenPipeError, LineWriter } from './writer.js';
