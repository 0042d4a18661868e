// The floor: the project's own NDJSON read-parse-write pass-through, as the tools do it.
// readRows parses every line with JSON.parse and checks it is an object; writing row.raw is what
// the tools do for rows whose fields they leave unchanged.
//
//   node bench/passthrough.mjs FILE              # writes row.raw (the floor)
//   node bench/passthrough.mjs --stringify FILE  # writes JSON.stringify(row.value) (for information)
const { readRows, LineWriter, BrokenPipeError } = await import(new URL('../shared/ndjson/dist/src/index.js', import.meta.url).href);

const args = process.argv.slice(2);
const stringify = args[0] === '--stringify';
const files = stringify ? args.slice(1) : args;
if (files.length === 0) {
  process.stderr.write('usage: node bench/passthrough.mjs [--stringify] FILE...\n');
  process.exit(2);
}

const out = new LineWriter(process.stdout);
try {
  if (stringify) {
    for await (const batch of readRows(files, { stdin: process.stdin })) {
      for (const r of batch) out.push(JSON.stringify(r.value));
      await out.flush();
    }
  } else {
    for await (const batch of readRows(files, { stdin: process.stdin })) {
      for (const r of batch) out.push(r.raw);
      await out.flush();
    }
  }
} catch (e) {
  if (!(e instanceof BrokenPipeError)) throw e;
}
