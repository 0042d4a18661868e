// Worker thread of dedup-near --jobs: normalise, shingle, MinHash and band-key batches of texts.
import { parentPort, workerData } from 'node:worker_threads';
import { type NearOptions, Signer } from './near.js';
import { packSigned } from './parallel.js';

const signer = new Signer(workerData as NearOptions);
parentPort?.on('message', (msg: { id: number; texts: string[] }) => {
  const buf = packSigned(msg.texts.map((t) => signer.signText(t)));
  parentPort?.postMessage({ id: msg.id, buf }, [buf]);
});
