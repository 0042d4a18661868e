// Baseline (for information): plain chunked JSON.parse / JSON.stringify, no library. Reads 1 MiB
// chunks (the same size as the project's reader), splits complete lines, parses and re-serialises
// each, and writes one string per chunk with backpressure. No UTF-8 validation, no positions.
//
//   node bench/json-chunked.mjs FILE

import { once } from 'node:events';
import { createReadStream } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/json-chunked.mjs FILE\n');
  process.exit(2);
}
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

let carry = null;
async function emit(text) {
  const lines = text.split('\n');
  const out = [];
  for (const l of lines) if (l !== '') out.push(JSON.stringify(JSON.parse(l)));
  if (out.length > 0 && !process.stdout.write(`${out.join('\n')}\n`)) await once(process.stdout, 'drain');
}
for await (let chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
  if (carry) {
    chunk = Buffer.concat([carry, chunk]);
    carry = null;
  }
  const last = chunk.lastIndexOf(10);
  if (last < 0) {
    carry = chunk;
    continue;
  }
  if (last + 1 < chunk.length) carry = chunk.subarray(last + 1);
  await emit(chunk.toString('utf8', 0, last));
}
if (carry) await emit(carry.toString('utf8'));
