// Worker thread of split-holdout: parses chunks and computes each row's group hash, split and
// output line (see parallel.ts); the main thread counts and writes, in input order.

import { workerData } from 'node:worker_threads';
import { serveWorker, type WireChunk } from '@ldt/ndjson';
import { prepareSplitChunk, splitterFromWire, type WireSplitConfig } from './parallel.js';
import type { PreparedSplit } from './split.js';

const splitter = splitterFromWire(workerData as WireSplitConfig);
serveWorker<WireChunk, PreparedSplit>(
  (chunk) => prepareSplitChunk(chunk, splitter),
  (r) => [r.hashes.buffer as ArrayBuffer, r.splits.buffer as ArrayBuffer, r.rowLines.buffer as ArrayBuffer, r.out.buffer as ArrayBuffer, r.offsets.buffer as ArrayBuffer],
);
