import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, test } from 'node:test';
import { AtomicFile, BrokenPipeError, LineWriter, outputTarget, Report } from '@ldt/ndjson';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('LineWriter writes one chunk per flush, every line ending in \\n', async () => {
  const writes: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      writes.push(chunk.toString());
      cb();
    },
  });
  const w = new LineWriter(sink);
  w.push('{"a":1}');
  w.push('{"b":2}');
  await w.flush();
  w.pushBytes(Buffer.from('raw\n'));
  w.push('x');
  await w.flush();
  assert.deepEqual(writes, ['{"a":1}\n{"b":2}\n', 'raw\n', 'x\n']);
});

test('LineWriter waits for drain (backpressure)', async () => {
  let drained = 0;
  const slow = new PassThrough({ highWaterMark: 16 });
  const w = new LineWriter(slow, 50);
  w.push('x'.repeat(100));
  const p = w.flush().then(() => drained++);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(drained, 0, 'flush must wait while the buffer is full');
  slow.read();
  await p;
  assert.equal(drained, 1);
});

test('LineWriter turns EPIPE into BrokenPipeError', async () => {
  const sink = new Writable({
    write(_c, _e, cb) {
      const err = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      cb(err);
    },
  });
  const w = new LineWriter(sink);
  w.push('a');
  await assert.rejects(async () => {
    await w.flush();
    await new Promise((r) => setImmediate(r));
    w.push('b');
    await w.flush();
  }, BrokenPipeError);
});

test('LineWriter.end rejects when the last write fails, also when the stream reports the error only once closed (as fs streams do)', async () => {
  const sink = new Writable({
    write(_c, _e, cb) {
      cb(Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG' }));
    },
    // An fs stream closes its descriptor before it emits 'error': end's callback runs first.
    destroy(err, cb) {
      setTimeout(() => cb(err), 20);
    },
  });
  const w = new LineWriter(sink, undefined, 'dups.ndjson');
  w.push('{"a":1}');
  await assert.rejects(w.end(), /cannot write dups\.ndjson: file too large/);
});

test('AtomicFile appears only on commit; abort leaves nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  const p = join(dir, 'out.ndjson');
  const f = new AtomicFile(p);
  f.writer.push('{"a":1}');
  await f.writer.flush();
  assert.ok(!existsSync(p));
  await f.commit();
  assert.equal(readFileSync(p, 'utf8'), '{"a":1}\n');
  const g = new AtomicFile(join(dir, 'gone.ndjson'));
  g.writer.push('x');
  await g.abort();
  assert.ok(!existsSync(join(dir, 'gone.ndjson')));
});

test('AtomicFile creates its temporary before the constructor returns (a signal handler then sees it, or no file at all)', async () => {
  // Created on the thread pool, the temporary could appear after a SIGTERM handler had removed
  // the tracked temporaries, and stay behind (a reliability test run under load left one).
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  const f = new AtomicFile(join(dir, 'rej.ndjson'));
  const tmp = readdirSync(dir);
  assert.equal(tmp.length, 1);
  assert.match(tmp[0], /^rej\.ndjson\.tmp-\d+$/);
  await f.abort();
  assert.deepEqual(readdirSync(dir), []);
});

test('AtomicFile in a folder that does not exist: the error names the file, nothing is left tracked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  assert.throws(() => new AtomicFile(join(dir, 'no', 'such', 'out.ndjson')), /cannot write .*out\.ndjson: no such directory/);
  assert.deepEqual(readdirSync(dir), []);
});

test('AtomicFile into a FIFO writes through it and leaves the FIFO a FIFO (renaming over it would replace it)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  const fifo = join(dir, 'dups.fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('mkfifo is not available');
  const reader = spawn('cat', [fifo]);
  let got = '';
  reader.stdout.on('data', (b) => {
    got += b;
  });
  const done = new Promise((r) => reader.on('close', r));
  const f = new AtomicFile(fifo);
  f.writer.push('{"a":1}');
  await f.commit();
  await done;
  assert.equal(got, '{"a":1}\n');
  assert.ok(statSync(fifo).isFIFO(), 'still a FIFO');
  assert.deepEqual(spawnSync('ls', [dir]).stdout.toString().trim().split('\n'), ['dups.fifo'], 'no temporary left beside it');
});

test('AtomicFile through a symbolic link replaces the file it points at, not the link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  writeFileSync(join(dir, 'real.ndjson'), 'old\n');
  symlinkSync('real.ndjson', join(dir, 'link.ndjson'));
  const f = new AtomicFile(join(dir, 'link.ndjson'));
  f.writer.push('new');
  await f.commit();
  assert.ok(lstatSync(join(dir, 'link.ndjson')).isSymbolicLink());
  assert.equal(readlinkSync(join(dir, 'link.ndjson')), 'real.ndjson');
  assert.equal(readFileSync(join(dir, 'real.ndjson'), 'utf8'), 'new\n');
});

test('outputTarget: devices, FIFOs and open descriptors by name are written in place; files and new names through a temporary', () => {
  assert.deepEqual(outputTarget('/dev/null'), { direct: true, path: '/dev/null' });
  assert.deepEqual(outputTarget('/dev/stderr'), { direct: true, path: '/dev/stderr', fd: 2 });
  assert.deepEqual(outputTarget('/dev/fd/7'), { direct: true, path: '/dev/fd/7', fd: 7 });
  assert.deepEqual(outputTarget('/proc/self/fd/1'), { direct: true, path: '/proc/self/fd/1', fd: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'ldt-atomic-'));
  made.push(dir);
  assert.deepEqual(outputTarget(join(dir, 'new.ndjson')), { direct: false, path: join(dir, 'new.ndjson') });
  assert.equal(outputTarget(dir).direct, false, 'a folder is left to fail on rename with its own error');
});

test('Report counts, summarises and diverts rejects', async () => {
  const chunks: string[] = [];
  const rejects = new LineWriter(new Writable({ write: (c, _e, cb) => (chunks.push(c.toString()), cb()) }));
  const r = new Report({ rejects });
  r.counts.lines = 5;
  r.counts.blank = 1;
  r.written = 3;
  r.drop('duplicate');
  r.reject('bad_json', '{x', { file: 'f', line: 2 }, new Error('x') as never);
  await r.flushSinks();
  assert.equal(r.summary(), 'read 5, wrote 3, dropped 1 (duplicate 1), rejected 1 (bad_json 1), skipped 1 blank line');
  assert.deepEqual(chunks, ['{x\n']);
  assert.deepEqual(r.toJSON(), { read: 5, written: 3, dropped: { duplicate: 1 }, dropped_total: 1, rejected: { bad_json: 1 }, rejected_total: 1, blank_lines: 1 });
  const plain = new Report();
  assert.throws(() => plain.reject('bad_json', '{x', { file: 'f', line: 2 }, new RangeError('boom') as never), /boom/);
});

test('serializeWithMeta keeps every byte outside meta', async () => {
  const { serializeWithMeta } = await import('@ldt/ndjson');
  const raw = '{"id": 12345678901234567890, "x": 1.0, "s":"\\u00e9\\/"}  ';
  const row = JSON.parse(raw);
  row.meta = { content_hash: 'ab' };
  assert.equal(serializeWithMeta(raw, row, false), '{"id": 12345678901234567890, "x": 1.0, "s":"\\u00e9\\/","meta":{"content_hash":"ab"}}');
  assert.equal(serializeWithMeta('{}', { meta: { k: 1 } }, false), '{"meta":{"k":1}}');
});

test('serializeWithMeta replaces an existing meta in place', async () => {
  const { serializeWithMeta } = await import('@ldt/ndjson');
  const raw = '{"a":"x\\"meta\\":{}","meta" : {"source":"s","n":[1,{"meta":2}]},"b":[{"meta":3}]}';
  const row = JSON.parse(raw);
  row.meta.content_hash = 'h';
  const out = serializeWithMeta(raw, row, true);
  assert.equal(out, '{"a":"x\\"meta\\":{}","meta" : {"source":"s","n":[1,{"meta":2}],"content_hash":"h"},"b":[{"meta":3}]}');
  assert.deepEqual(JSON.parse(out), row);
});

test('serializeWithMeta falls back to JSON.stringify on duplicate meta keys', async () => {
  const { serializeWithMeta } = await import('@ldt/ndjson');
  const raw = '{"meta":{"a":1},"meta":{"b":2}}';
  const row = JSON.parse(raw);
  row.meta.c = 3;
  assert.equal(serializeWithMeta(raw, row, true), '{"meta":{"b":2,"c":3}}');
});

test('LineWriter writes the same bytes as joining the lines and encoding them once (random lines: multibyte, lone surrogates, long lines, raw byte pushes, spliced byte copies)', async () => {
  let seed = 17;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = ['a', 'é', '€', '😀', '\ud800', '\udfff', '"', '\\', '\r', '\u2028', ' '];
  const line = (): string => {
    const len = rand(40) === 0 ? 100_000 + rand(300_000) : rand(300);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
    return s;
  };
  for (let round = 0; round < 3; round++) {
    const got: Buffer[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        got.push(Buffer.from(chunk));
        cb();
      },
    });
    const w = new LineWriter(sink);
    const want: Buffer[] = [];
    let batch: string[] = [];
    for (let i = 0; i < 800; i++) {
      if (rand(50) === 0) {
        if (batch.length > 0) want.push(Buffer.from(`${batch.join('\n')}\n`));
        batch = [];
        const raw = Buffer.from(`${line()}\n`);
        want.push(raw);
        w.pushBytes(raw);
      } else if (rand(3) === 0) {
        // An edit of a line whose bytes the writer copies (pushEdited), as tools splice meta.
        const l = line();
        const a = rand(l.length + 1);
        const b = a + rand(l.length - a + 1);
        // Splice points on code point boundaries (a tool splices at ASCII JSON syntax).
        const ok = (k: number) =>
          k === 0 || k === l.length || !(l.charCodeAt(k) >= 0xdc00 && l.charCodeAt(k) <= 0xdfff && l.charCodeAt(k - 1) >= 0xd800 && l.charCodeAt(k - 1) <= 0xdbff);
        const edit = ok(a) && ok(b) ? { start: a, end: b, text: `,"meta":{"n":${rand(1000)}}` } : undefined;
        batch.push(edit ? `${l.slice(0, edit.start)}${edit.text}${l.slice(edit.end)}` : l);
        w.pushEdited(l, Buffer.from(l, 'utf8'), edit);
      } else {
        const l = line();
        batch.push(l);
        w.push(l);
      }
      if (rand(300) === 0) await w.flush();
    }
    if (batch.length > 0) want.push(Buffer.from(`${batch.join('\n')}\n`));
    await w.end();
    assert.ok(Buffer.concat(got).equals(Buffer.concat(want)), `round ${round}`);
  }
});
