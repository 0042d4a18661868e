// Content-addressed provenance (issue 23 item 4): what hashing a local file before its rows costs.
// hf-fetch reads a local file once to hash it (XXH3-64 of the bytes, @ldt/hash fileContentHash),
// then once for its rows; this measures, in the same run on the same JSONL corpus:
//   - fileContentHash alone (MB/s),
//   - hf-fetch FILE --no-meta (no hash, no meta) and hf-fetch FILE (hash + meta.source),
// and prints the hash pass as a share of the whole hf-fetch run.
//
//   node bench/provenance.mjs                   # 256 MB corpus, best of 3
//   node bench/provenance.mjs --size 32MB --runs 1
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureCorpus, parseSize, sizeLabel } from './corpus.mjs';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const args = process.argv.slice(2);
const flag = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const sizeBytes = parseSize(flag('--size', '256MB'));
const runs = Number(flag('--runs', '3'));
const dataDir = flag('--data', join(ROOT, '..', 'shared', 'data'));
const log = (s) => process.stderr.write(`${s}\n`);
mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
const corpus = ensureCorpus({ dataDir, outDir: join(ROOT, 'bench', 'out'), sizeBytes, seed: 1, log });
const file = corpus.file;
const { fileContentHash } = await import(createRequire(join(ROOT, 'tools', 'hf-fetch', 'package.json')).resolve('@ldt/hash'));

const best = async (fn) => {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    b = Math.min(b, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return b;
};
const bin = join(ROOT, 'tools', 'hf-fetch', 'bin', 'hf-fetch.js');
const fetch = (extra) => () => {
  const r = spawnSync('sh', ['-c', `node ${bin} ${file} -q ${extra} > /dev/null`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`hf-fetch exited ${r.status}`);
};
const mb = sizeBytes / 2 ** 20;
const tHash = await best(() => fileContentHash(file));
const tNoMeta = await best(fetch('--no-meta'));
const tMeta = await best(fetch(''));
console.log(`corpus ${sizeLabel(sizeBytes)} (${file}), best of ${runs}; the machine is shared: wall times are noisy`);
console.log(`| command | wall s | MB/s |`);
console.log(`| --- | ---: | ---: |`);
console.log(`| fileContentHash (XXH3-64 of the bytes) | ${tHash.toFixed(3)} | ${(mb / tHash).toFixed(0)} |`);
console.log(`| hf-fetch FILE --no-meta | ${tNoMeta.toFixed(3)} | ${(mb / tNoMeta).toFixed(1)} |`);
console.log(`| hf-fetch FILE (hash + meta.source) | ${tMeta.toFixed(3)} | ${(mb / tMeta).toFixed(1)} |`);
console.log(`hash pass = ${((100 * tHash) / tMeta).toFixed(1)}% of the hf-fetch run`);
