import { fstatSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * Ordered parallel map over worker threads: items go to workers round-robin, results come back
 * in input order, so output is the same whatever the number of workers (determinism). At most
 * `inflight` items are outstanding, which bounds memory (e.g. 2 per worker × 1 MiB chunks).
 *
 * Use it for per-chunk work that is pure and CPU-bound (parse + hash + serialise), keeping the
 * order-dependent part (a seen-set, the writer) on the main thread. Workers are terminated when
 * the consumer stops (end, error, or a broken pipe), so the process can exit.
 */
export interface PoolOptions {
  /** Number of worker threads (≥ 1). */
  workers: number;
  /** Items outstanding at most (default 2 × workers + 1). */
  inflight?: number;
  /** Passed to every worker as `workerData`. */
  workerData?: unknown;
  /** Objects to transfer rather than copy when posting an item (e.g. its ArrayBuffer). */
  transfer?: (item: unknown) => ArrayBuffer[];
}

interface Reply {
  seq: number;
  result?: unknown;
  error?: { message: string; stack?: string; name?: string };
}

/**
 * The default worker count. A tool reading another tool's output through a pipe (no FILE, or
 * `-`, and standard input a FIFO or socket) is one stage of a pipeline whose other stages use
 * the other cores: there it works in its main thread (1), because worker threads only add
 * copying and hand-offs when every core is busy. Measured in the seven-stage final-dataset pipe
 * on 64 MB (2 cores): dedup-exact 1.9–2.3 CPU-s with one thread vs 3.8–4.8 with its default
 * pool, split-holdout 2.4–3.1 vs 3.3–4.5, dedup-near 3.7–4.0 vs 4.7–5.2 (perf stat task-clock;
 * issue 17). Reading files, it is the machine's parallelism, at most `cap` (default 4).
 * `--threads N` always wins.
 */
export function defaultWorkers(inputs?: readonly string[], cap = 4): number {
  if (inputs !== undefined && readsPipe(inputs)) return 1;
  return Math.max(1, Math.min(cap, availableParallelism()));
}

/** True when `inputs` read standard input and standard input is a pipe or socket (`a | tool`). */
export function readsPipe(inputs: readonly string[]): boolean {
  if (inputs.length > 0 && !inputs.includes('-')) return false;
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

export async function* orderedWorkerMap<I, O>(items: AsyncIterable<I>, workerUrl: URL, opts: PoolOptions): AsyncGenerator<O> {
  const n = Math.max(1, opts.workers);
  const inflight = Math.max(1, opts.inflight ?? 2 * n + 1);
  const pending = new Map<number, { resolve: (v: O) => void; reject: (e: Error) => void }>();
  const workers: Worker[] = [];
  let failure: Error | undefined;
  const failAll = (e: Error) => {
    failure ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  for (let i = 0; i < n; i++) {
    const w = new Worker(workerUrl, { workerData: opts.workerData });
    w.on('message', (m: Reply) => {
      const p = pending.get(m.seq);
      if (!p) return;
      pending.delete(m.seq);
      if (m.error) {
        const e = new Error(m.error.message);
        e.name = m.error.name ?? 'Error';
        if (m.error.stack) e.stack = m.error.stack;
        p.reject(e);
      } else p.resolve(m.result as O);
    });
    w.on('error', (e) => failAll(e));
    w.on('exit', (code) => {
      if (code !== 0 && pending.size > 0) failAll(new Error(`worker thread exited with code ${code}`));
    });
    workers.push(w);
  }
  const queue: Promise<O>[] = [];
  let seq = 0;
  try {
    for await (const item of items) {
      if (failure) throw failure;
      const s = seq++;
      const promise = new Promise<O>((resolve, reject) => pending.set(s, { resolve, reject }));
      promise.catch(() => {}); // handled when awaited in order
      workers[s % n].postMessage({ seq: s, item }, opts.transfer?.(item) ?? []);
      queue.push(promise);
      if (queue.length >= inflight) yield await (queue.shift() as Promise<O>);
    }
    while (queue.length > 0) yield await (queue.shift() as Promise<O>);
  } finally {
    // Ask the workers to finish their current item and exit rather than terminate() them in the
    // middle of a native call; terminate only those that have not exited after 2 s.
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.postMessage({ close: true });
          }),
      ),
    );
  }
}

/**
 * The worker side: answer each posted item with `fn(item, workerData)` (sync or async; items are
 * handled one at a time, in the order received). On the pool's close message the worker finishes
 * what it has and exits. Call it at the top level of the worker module.
 */
export function serveWorker<I, O>(fn: (item: I, data: unknown) => O | Promise<O>, transfer?: (result: O) => ArrayBuffer[]): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker must run in a worker thread');
  const port = parentPort;
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (m: { seq: number; item: I; close?: boolean }) => {
    if (m.close) {
      chain = chain.then(() => port.close());
      return;
    }
    chain = chain.then(async () => {
      try {
        const result = await fn(m.item, workerData);
        port.postMessage({ seq: m.seq, result }, transfer?.(result) ?? []);
      } catch (e) {
        const err = e as Error;
        port.postMessage({ seq: m.seq, error: { message: err?.message ?? String(e), stack: err?.stack, name: err?.name } });
      }
    });
  });
}
