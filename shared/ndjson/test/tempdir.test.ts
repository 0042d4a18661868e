import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '@ldt/errors';
import { TempDir } from '@ldt/ndjson';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('TempDir creates a private directory and removes it with its contents', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ldt-tempdir-test-'));
  made.push(parent);
  const t = new TempDir(parent, 'ldt-x-');
  assert.ok(t.path.startsWith(join(parent, 'ldt-x-')));
  writeFileSync(join(t.path, 'run-0'), 'data');
  t.remove();
  t.remove();
  assert.ok(!existsSync(t.path));
});

test('TempDir.createFile creates the file before it returns; remove() right after leaves nothing', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'ldt-tempdir-test-'));
  made.push(parent);
  for (let i = 0; i < 50; i++) {
    const t = new TempDir(parent, 'ldt-x-');
    const { path, stream: ws } = t.createFile('stdin');
    // Created synchronously: a removal from here on sees it (createWriteStream(path) opens later, on the thread pool).
    assert.equal(path, join(t.path, 'stdin'));
    assert.ok(existsSync(path));
    ws.write('some bytes\n');
    t.remove();
    assert.ok(!existsSync(t.path));
    await new Promise<void>((res) => {
      ws.on('close', res);
      ws.on('error', () => res());
      ws.destroy();
    });
    assert.ok(!existsSync(t.path), 'nothing created again after the removal');
  }
  assert.deepEqual(readdirSync(parent), []);
});

test('TempDir in a missing directory is a DataError naming it, with the caller label and hint', () => {
  assert.throws(
    () => new TempDir('/nonexistent/dir', 'x-', { label: '--tmpdir ', hint: 'give --tmpdir DIR' }),
    (e: unknown) => e instanceof DataError && e.message === 'cannot create a temporary directory in --tmpdir /nonexistent/dir: no such directory' && e.hint === 'give --tmpdir DIR',
  );
});

// Issue 13 bug 4 (a race the reliability suite hit now and then): with nothing tracked no signal
// handler is installed, and a signal then ends the process at once. So a lock file or temporary
// must never exist while no handler is installed: checked at each file-system call that creates
// or removes one, through the fs module's own functions (what @ldt/ndjson's named imports bind to).
test('a temporary or lock file never exists while no signal handler is installed', async (t) => {
  const fs = (await import('node:fs')).default;
  const { syncBuiltinESMExports } = await import('node:module');
  const { acquireLock } = await import('@ldt/ndjson');
  const parent = mkdtempSync(join(tmpdir(), 'ldt-tempdir-test-'));
  made.push(parent);
  const unguarded: string[] = [];
  const check = (what: string) => {
    if (process.listenerCount('SIGINT') === 0) unguarded.push(what);
  };
  for (const name of ['writeFileSync', 'linkSync', 'mkdtempSync'] as const) {
    const orig = fs[name] as (...a: unknown[]) => unknown;
    t.mock.method(fs, name, (...a: unknown[]) => {
      const r = orig(...a);
      check(`after ${name}(${String(a[0])})`);
      return r;
    });
  }
  const unlink = fs.unlinkSync;
  t.mock.method(fs, 'unlinkSync', (p: string) => {
    check(`before unlinkSync(${p})`);
    unlink(p);
  });
  syncBuiltinESMExports();
  try {
    assert.equal(process.listenerCount('SIGINT'), 0, 'nothing tracked before');
    const lock = acquireLock(join(parent, 'idx'));
    lock.release();
    const d = new TempDir(parent, '.x-');
    d.remove();
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
  assert.deepEqual(unguarded, []);
});
