import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '@ldt/errors';
import { TempDir } from '@ldt/ndjson';

test('TempDir creates a private directory and removes it with its contents', () => {
  const parent = mkdtempSync(join(tmpdir(), 'ldt-tempdir-test-'));
  const t = new TempDir(parent, 'ldt-x-');
  assert.ok(t.path.startsWith(join(parent, 'ldt-x-')));
  writeFileSync(join(t.path, 'run-0'), 'data');
  t.remove();
  t.remove();
  assert.ok(!existsSync(t.path));
});

test('TempDir in a missing directory is a DataError naming it, with the caller label and hint', () => {
  assert.throws(
    () => new TempDir('/nonexistent/dir', 'x-', { label: '--tmpdir ', hint: 'give --tmpdir DIR' }),
    (e: unknown) => e instanceof DataError && e.message === 'cannot create a temporary directory in --tmpdir /nonexistent/dir: no such directory' && e.hint === 'give --tmpdir DIR',
  );
});
