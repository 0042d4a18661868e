// Standard output by what fd 1 is (src/stdout.ts): a blocking pipe or socket is written from the
// thread pool (PipeWriteStream), a regular file with full writes (FullWriteStream), anything else
// through process.stdout. Every byte arrives, in order, also through a non-blocking pipe that
// takes short writes and EAGAIN, and a slow reader loses nothing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isBlocking, PipeWriteStream } from '@ldt/cli';

const INDEX = new URL('../src/index.js', import.meta.url).href;
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldt-cli-stdout-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `n` bytes that differ from any shifted copy of themselves, so a lost or repeated chunk shows. */
function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** A script run by `node --input-type=module`: writes `total` pattern bytes in chunks through stdoutStream(), says which stream on stderr. */
function writerScript(total: number): string {
  return `
import { stdoutStream } from ${JSON.stringify(INDEX)};
const out = stdoutStream();
process.stderr.write(out.constructor.name + '\\n');
let x = 7;
const all = Buffer.allocUnsafe(${total});
for (let i = 0; i < all.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; all[i] = x & 0xff; }
let off = 0, k = 0;
while (off < all.length) { const n = Math.min(1 + ((k++ * 7919) % 300000), all.length - off); out.write(all.subarray(off, off + n)); off += n; }
if (out !== process.stdout) out.end();
`;
}

test('a non-blocking pipe: every byte arrives in order through short writes and EAGAIN', async () => {
  const fifo = join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const wfd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    assert.equal(isBlocking(wfd), false);
    const data = pattern(3 << 20, 11);
    const out = new PipeWriteStream(wfd);
    let failure: Error | undefined;
    const finished = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', (e) => {
        failure = e;
        reject(e);
      });
    });
    finished.catch(() => {}); // awaited below, after the reader loop
    // Chunks of uneven sizes, some larger than the pipe (64 KiB), all queued at once.
    let off = 0;
    for (let k = 0; off < data.length; k++) {
      const n = Math.min(1 + ((k * 104729) % 200_000), data.length - off);
      out.write(data.subarray(off, off + n));
      off += n;
    }
    out.end();
    // A slow reader: at most 16 KiB every 1 ms, so the writer meets a full pipe again and again.
    const got: Buffer[] = [];
    let have = 0;
    const buf = Buffer.allocUnsafe(16 << 10);
    while (have < data.length && failure === undefined) {
      try {
        const n = readSync(rfd, buf, 0, buf.length, null);
        got.push(Buffer.from(buf.subarray(0, n)));
        have += n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await finished;
    assert.equal(have, data.length);
    assert.ok(Buffer.concat(got).equals(data), 'the bytes read are the bytes written, in order');
  } finally {
    closeSync(wfd);
    closeSync(rfd);
  }
});

test('stdout a blocking pipe: PipeWriteStream, all bytes, in order, to a reader that pauses', async () => {
  const total = 5 << 20;
  const child = spawn(process.execPath, ['--input-type=module', '-e', writerScript(total)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  const got: Buffer[] = [];
  // Read in bursts with pauses, so the child's writes block on a full pipe.
  child.stdout.on('data', (d: Buffer) => {
    got.push(d);
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 2);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  assert.equal(err.trim(), 'PipeWriteStream');
  const all = Buffer.concat(got);
  assert.equal(all.length, total);
  assert.ok(all.equals(pattern(total, 7)));
});

test('stdout a regular file: FullWriteStream, all bytes', () => {
  const file = join(dir, 'out.bin');
  const fd = openSync(file, 'w');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', writerScript(1 << 20)], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  closeSync(fd);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), 'FullWriteStream');
  assert.ok(readFileSync(file).equals(pattern(1 << 20, 7)));
});

test('stdout /dev/null: process.stdout (not a pipe, not a file)', () => {
  const fd = openSync('/dev/null', 'w');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', writerScript(1000)], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  closeSync(fd);
  assert.equal(r.status, 0, r.stderr);
  assert.notEqual(r.stderr.trim(), 'PipeWriteStream');
  assert.notEqual(r.stderr.trim(), 'FullWriteStream');
});

test('a reader that goes away: the stream reports EPIPE (the tool then ends quietly)', async () => {
  const fifo = join(dir, 'fifo2');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const rfd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const wfd = openSync(fifo, constants.O_WRONLY);
  try {
    assert.equal(isBlocking(wfd), true);
    const out = new PipeWriteStream(wfd);
    const error = new Promise<NodeJS.ErrnoException>((resolve) => out.on('error', resolve));
    out.write(pattern(1000, 3));
    closeSync(rfd);
    out.write(pattern(200_000, 5));
    const e = await error;
    assert.equal(e.code, 'EPIPE');
  } finally {
    closeSync(wfd);
  }
});
