// Baseline: the `ndjson` npm package (split2 + JSON.parse, through2 + JSON.stringify), as a user
// would write a pass-through with it. Default fs.createReadStream chunk size (64 KiB).
//
//   node bench/ndjson-baseline.mjs FILE
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import ndjson from 'ndjson';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/ndjson-baseline.mjs FILE\n');
  process.exit(2);
}
try {
  await pipeline(createReadStream(file), ndjson.parse(), ndjson.stringify(), process.stdout);
} catch (e) {
  if (e.code !== 'EPIPE') throw e;
}
