// Worker thread of redact-pii: parses chunks and scans rows (see parallel.ts); the main thread
// counts and writes, in input order.
import { workerData } from 'node:worker_threads';
import { serveWorker, type WireChunk } from '@ldt/ndjson';
import { optionsFromWire, type PreparedChunk, prepareChunk, type WireOptions } from './parallel.js';

const opts = await optionsFromWire(workerData as WireOptions);
serveWorker<WireChunk, PreparedChunk>((chunk) => prepareChunk(chunk, opts));
