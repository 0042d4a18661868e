/** The k-way merge of an external sort: a binary min-heap of run readers. */

/** A sorted run being read: `next()` loads its next record (false at its end). */
export interface RunSource {
  next(): boolean;
}

/** A binary min-heap by `less`; ties are the caller's to break (make `less` a total order). */
export class MergeHeap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}

  get size(): number {
    return this.a.length;
  }

  top(): T {
    return this.a[0];
  }

  push(x: T): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  /** Remove the top. */
  pop(): void {
    const a = this.a;
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown();
    }
  }

  /** Restore the heap after the top's key grew. */
  siftDown(): void {
    const a = this.a;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(a[r], a[l]) ? r : l;
      if (!this.less(a[m], a[i])) return;
      [a[i], a[m]] = [a[m], a[i]];
      i = m;
    }
  }
}

/** Merge `sources` (each sorted by `less`): `emit(source)` for every record, smallest first. */
export function mergeRuns<T extends RunSource>(sources: readonly T[], less: (x: T, y: T) => boolean, emit: (top: T) => void): void {
  const heap = new MergeHeap(less);
  for (const s of sources) if (s.next()) heap.push(s);
  while (heap.size > 0) {
    const s = heap.top();
    emit(s);
    if (s.next()) heap.siftDown();
    else heap.pop();
  }
}

/** `mergeRuns` with an `emit` that may return a promise (backpressure from the output). */
export async function mergeRunsAsync<T extends RunSource>(sources: readonly T[], less: (x: T, y: T) => boolean, emit: (top: T) => Promise<void> | undefined): Promise<void> {
  const heap = new MergeHeap(less);
  for (const s of sources) if (s.next()) heap.push(s);
  while (heap.size > 0) {
    const s = heap.top();
    const p = emit(s);
    if (p) await p;
    if (s.next()) heap.siftDown();
    else heap.pop();
  }
}
