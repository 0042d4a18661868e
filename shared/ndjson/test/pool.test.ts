import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderedWorkerMap } from '@ldt/ndjson';

const worker = new URL('../../test/fixtures/echo-worker.mjs', import.meta.url);

async function* range(n: number, skip13 = true): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) if (!(skip13 && i === 13)) yield i;
}

test('orderedWorkerMap returns results in input order whatever the worker count', async () => {
  for (const workers of [1, 3]) {
    const out: number[] = [];
    for await (const r of orderedWorkerMap<number, number>(range(40), worker, { workers, workerData: { factor: 3 }, inflight: 5 })) out.push(r);
    assert.deepEqual(
      out,
      [...range40()].map((i) => i * 3),
      `workers ${workers}`,
    );
  }
  function* range40() {
    for (let i = 0; i < 40; i++) if (i !== 13) yield i;
  }
});

test('an error in a worker reaches the consumer with its message, in order', async () => {
  const out: number[] = [];
  await assert.rejects(async () => {
    for await (const r of orderedWorkerMap<number, number>(range(30, false), worker, { workers: 2, workerData: { factor: 1 } })) out.push(r);
  }, /thirteen/);
  assert.deepEqual(
    out,
    Array.from({ length: 13 }, (_, i) => i),
  );
});

test('stopping early terminates the workers (the test process can exit)', async () => {
  let n = 0;
  for await (const _ of orderedWorkerMap<number, number>(range(1000), worker, { workers: 2, workerData: { factor: 1 } })) if (++n === 3) break;
  assert.equal(n, 3);
});

test('defaultWorkers: one thread when standard input is a pipe (a pipeline stage), the CPUs otherwise', async () => {
  const { spawnSync } = await import('node:child_process');
  const { closeSync, openSync, writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir, availableParallelism } = await import('node:os');
  const { join } = await import('node:path');
  const mod = new URL('../src/index.js', import.meta.url).href;
  const script = `import(${JSON.stringify(mod)}).then((m) => process.stdout.write(JSON.stringify([m.defaultWorkers([]), m.defaultWorkers(['-']), m.defaultWorkers(['a.jsonl']), m.defaultWorkers([], 64)])))`;
  const dir = mkdtempSync(join(tmpdir(), 'ldt-pool-'));
  try {
    const cpus = Math.max(1, Math.min(4, availableParallelism()));
    const piped = spawnSync(process.execPath, ['-e', script], { input: '{}\n', encoding: 'utf8' });
    assert.deepEqual(JSON.parse(piped.stdout), [1, 1, cpus, 1]);
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, '{}\n');
    const fd = openSync(file, 'r');
    const fromFile = spawnSync(process.execPath, ['-e', script], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    assert.deepEqual(JSON.parse(fromFile.stdout), [cpus, cpus, cpus, Math.max(1, availableParallelism())]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
