// Worker thread of the one-shot run's pass 1 (--threads): parse, find the compared text and sign one
// chunk of input lines at a time (src/chunks.ts); the main thread takes the chunks in input order.
import { workerData } from 'node:worker_threads';
import { serveWorker, type WireChunk } from '@ldt/ndjson';
import { type ChunkJob, fieldsOf, type SignedChunk, signChunk } from './chunks.js';
import { Signer } from './signer.js';

const job = workerData as ChunkJob;
const signer = new Signer(job.opts);
const fields = fieldsOf(job);
serveWorker<WireChunk, SignedChunk>(
  (chunk) => signChunk(chunk, signer, fields, job.wantNorm),
  (r) => [r.packed, r.rowLines.buffer as ArrayBuffer, r.flags.buffer as ArrayBuffer],
);
