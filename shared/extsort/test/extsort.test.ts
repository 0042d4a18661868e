import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '@ldt/errors';
import { diskError, MergeHeap, mergeRuns, RunFileReader, RunFileWriter, type RunSource, readExactly } from '@ldt/extsort';

const text = { what: 'a sorted run', where: '--tmp-dir /t', spaceHint: 'free some space' };

test('RunFileWriter → RunFileReader: records larger and smaller than the buffers come back byte for byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-extsort-'));
  const path = join(dir, 'run');
  const w = new RunFileWriter(path, Buffer.alloc(64), text);
  const records = [Buffer.from('short'), Buffer.alloc(200, 7), Buffer.from(''), Buffer.from('x'.repeat(63))];
  for (const r of records) {
    const at = w.room(4 + r.length);
    if (at < 0) {
      w.staging.writeUInt32LE(r.length, 0);
      w.direct(w.staging, 0, 4);
      w.direct(r, 0, r.length);
    } else {
      w.staging.writeUInt32LE(r.length, at);
      r.copy(w.staging, at + 4);
    }
  }
  assert.equal(
    w.close(),
    records.reduce((n, r) => n + 4 + r.length, 0),
  );
  const rd = new RunFileReader(path, Buffer.alloc(16));
  const got: Buffer[] = [];
  while (rd.ensure(4)) {
    const len = rd.buf.readUInt32LE(rd.pos);
    rd.ensure(4 + len);
    got.push(Buffer.from(rd.buf.subarray(rd.pos + 4, rd.pos + 4 + len)));
    rd.pos += 4 + len;
  }
  rd.close();
  assert.deepEqual(got, records);
  rmSync(dir, { recursive: true });
});

test('a truncated run file is a DataError naming the file and the byte, for whole files and for regions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-extsort-'));
  const path = join(dir, 'run');
  writeFileSync(path, Buffer.alloc(100, 1));
  truncateSync(path, 50);
  const whole = new RunFileReader(path, Buffer.alloc(32));
  assert.ok(whole.ensure(40));
  whole.pos += 40;
  assert.throws(
    () => whole.ensure(20),
    (e: Error) => e instanceof DataError && /^temporary file .*run ended early at byte 50:/.test(e.message),
  );
  whole.close();
  const region = new RunFileReader(path, Buffer.alloc(32), 40, 30);
  assert.throws(
    () => region.ensure(30),
    (e: Error) => e instanceof DataError && /ended early at byte 50/.test(e.message),
  );
  region.close();
  const fd = openSync(path, 'r');
  readExactly(fd, Buffer.alloc(8), 42, path);
  assert.throws(
    () => readExactly(fd, Buffer.alloc(8), 45, path),
    (e: Error) => e instanceof DataError && /ended early at byte 50/.test(e.message),
  );
  closeSync(fd);
  rmSync(dir, { recursive: true });
});

test('diskError: a full disk names the place and gives the hint; other errors name the cause', () => {
  const full = diskError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), text);
  assert.ok(full instanceof DataError);
  assert.equal(full.message, 'no space left on device in --tmp-dir /t while writing a sorted run');
  assert.equal(full.hint, 'free some space');
  assert.equal(diskError(new Error('EACCES: permission denied'), text).message, 'cannot write a sorted run in --tmp-dir /t: EACCES: permission denied');
});

test('mergeRuns yields the union of sorted runs in order (MergeHeap with a total order)', () => {
  class Source implements RunSource {
    i = -1;
    constructor(readonly values: number[]) {}
    get value() {
      return this.values[this.i];
    }
    next() {
      return ++this.i < this.values.length;
    }
  }
  const runs = [[1, 4, 9], [], [2, 3, 10, 11], [0, 5]];
  const out: number[] = [];
  mergeRuns(
    runs.map((r) => new Source(r)),
    (a, b) => a.value < b.value,
    (s) => out.push(s.value),
  );
  assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 9, 10, 11]);
  const heap = new MergeHeap<number>((a, b) => a < b);
  for (const x of [5, 3, 8, 1]) heap.push(x);
  const popped: number[] = [];
  while (heap.size > 0) {
    popped.push(heap.top());
    heap.pop();
  }
  assert.deepEqual(popped, [1, 3, 5, 8]);
});
