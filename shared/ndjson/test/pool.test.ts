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
