import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataError } from '@ldt/errors';
import { IndexFileWriter, type IndexFormat, openIndexFile } from '@ldt/hash';

const format: IndexFormat = { magic: Buffer.from('LDTTEST\0', 'latin1'), version: 3, tool: 'test-tool', hint: 'rebuild it' };

function build(header: object, payload: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  const w = new IndexFileWriter(format, (b) => parts.push(b));
  w.header(header);
  for (const p of payload) w.payload(p);
  w.finish();
  return Buffer.concat(parts);
}

async function load(bytes: Buffer, expect?: number): Promise<{ header: Record<string, unknown>; payload: Buffer }> {
  const dir = mkdtempSync(join(tmpdir(), 'ldt-idx-'));
  const path = join(dir, 'x.idx');
  writeFileSync(path, bytes);
  try {
    const f = await openIndexFile(path, format, '--index', () => expect);
    const chunks: Buffer[] = [];
    try {
      for await (const c of f.payload(3)) chunks.push(Buffer.from(c));
    } finally {
      await f.close();
    }
    return { header: f.header, payload: Buffer.concat(chunks) };
  } finally {
    rmSync(dir, { recursive: true });
  }
}

test('index file container: header and payload round trip, in chunks', async () => {
  const bytes = build({ rows: 2 }, [Buffer.from('abcd'), Buffer.from('efg')]);
  assert.deepEqual(bytes.subarray(0, 8), format.magic);
  assert.equal(bytes.readUInt32LE(8), 3);
  const r = await load(bytes, 7);
  assert.deepEqual(r.header, { rows: 2 });
  assert.equal(r.payload.toString(), 'abcdefg');
});

test('index file container: truncated, altered, wrong magic or version, wrong size are DataErrors that name the tool', async () => {
  const good = build({ rows: 2 }, [Buffer.from('abcdefg')]);
  const fails = async (bytes: Buffer, why: RegExp, expect?: number) =>
    assert.rejects(load(bytes, expect), (e: Error) => {
      assert.ok(e instanceof DataError, e.message);
      assert.match(e.message, /not a valid test-tool index/);
      assert.match(e.message, why);
      return true;
    });
  await fails(good.subarray(0, good.length - 3), /checksum mismatch/);
  const altered = Buffer.from(good);
  altered[altered.length - 10] ^= 1;
  await fails(altered, /checksum mismatch/);
  const magic = Buffer.from(good);
  magic[0] = 0;
  await fails(magic, /wrong magic bytes/);
  const version = Buffer.from(good);
  version.writeUInt32LE(9, 8);
  await fails(version, /format version 9; this test-tool reads version 3/);
  await fails(good, /size \d+ bytes, expected/, 8);
  await fails(good.subarray(0, 10), /file too short/);
});
