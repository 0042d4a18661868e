// Worker thread of dedup-exact: parses and hashes chunks (see prepare.ts).
import { serveWorker, type WireChunk } from '@ldt/ndjson';
import { type PrepareConfig, type PreparedChunk, prepareChunk } from './prepare.js';

serveWorker<WireChunk, PreparedChunk>(
  (chunk, data) => prepareChunk(chunk, data as PrepareConfig),
  (r) => [r.hashes.buffer as ArrayBuffer, r.rowLines.buffer as ArrayBuffer, r.hadMeta.buffer as ArrayBuffer, r.out.buffer as ArrayBuffer, r.outOffsets.buffer as ArrayBuffer],
);
