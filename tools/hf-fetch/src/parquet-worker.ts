// Worker thread for readParquetParallel: decodes and serialises whole row groups of one local
// parquet file; the main thread writes the results in file order (orderedWorkerMap + serveWorker
// from @ldt/ndjson).
import { workerData } from 'node:worker_threads';
import { serveWorker } from '@ldt/ndjson';
import type { AsyncBuffer } from 'hyparquet';
import { type ParquetPlan, planParquet, readParquetMetadata, rowGroupBytes, type TextChunk, type WorkerJob } from './parquet.js';
import { Stamp } from './stamp.js';

const job = workerData as WorkerJob;
let ready: Promise<{ file: AsyncBuffer; plan: ParquetPlan }> | undefined;

function open(): Promise<{ file: AsyncBuffer; plan: ParquetPlan }> {
  ready ??= (async () => {
    const { asyncBufferFromFile } = await import('hyparquet');
    const file = await asyncBufferFromFile(job.path);
    const md = await readParquetMetadata(file, job.display);
    return { file, plan: await planParquet(md, job.display, job.columns, undefined, job) };
  })();
  return ready;
}

const stamp = job.source === undefined ? Stamp.none() : new Stamp(job.source, job.license, job.registry);
// One row group at a time, in the order received (replies are matched by seq).
serveWorker<[number, number, number], TextChunk>(
  async (item) => {
    const { file, plan } = await open();
    return rowGroupBytes(file, plan, item, stamp, job.display);
  },
  (r) => [r.bytes.buffer as ArrayBuffer],
);
