// What the parquet fast path relies on in hyparquet's private modules (src/hyparquet-internals.ts).
// hyparquet's semver does not cover them: if an upgrade moves, renames or changes one, this test
// fails by name. Fix the adapter (or vendor the function, with attribution) before anything else.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parquetMetadata } from 'hyparquet';
import { decimalFromBytes, deltaBinaryDecode, float16FromBytes, readPageHeader } from '../src/hyparquet-internals.js';

const cursor = (bytes: number[] | Uint8Array) => {
  const b = Uint8Array.from(bytes);
  return { view: new DataView(b.buffer), offset: 0 };
};

test('hyparquet-internals: the pinned hyparquet version (a change means: re-run this file and read the diff of src/column.js, convert.js, delta.js)', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../node_modules/hyparquet/package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(pkg.version, '1.31.5');
});

test('hyparquet-internals: readPageHeader walks every page of a column chunk to its end', () => {
  const file = readFileSync(new URL('../../test/fixtures/fast-chat.snappy.parquet', import.meta.url));
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
  const md = parquetMetadata(buffer);
  for (const chunk of md.row_groups[0].columns) {
    const m = chunk.meta_data;
    assert.ok(m);
    const start = Number(m.dictionary_page_offset || m.data_page_offset);
    const end = start + Number(m.total_compressed_size);
    const c = { view: new DataView(buffer, 0, end), offset: start };
    let values = 0;
    let pages = 0;
    while (c.offset < end) {
      const h = readPageHeader(c);
      assert.ok(['DICTIONARY_PAGE', 'DATA_PAGE', 'DATA_PAGE_V2'].includes(h.type), h.type);
      assert.ok(Number.isInteger(h.compressed_page_size) && h.compressed_page_size >= 0);
      assert.ok(Number.isInteger(h.uncompressed_page_size));
      if (h.type === 'DATA_PAGE') values += h.data_page_header?.num_values ?? Number.NaN;
      if (h.type === 'DATA_PAGE_V2') values += h.data_page_header_v2?.num_values ?? Number.NaN;
      if (h.type === 'DICTIONARY_PAGE') assert.ok(h.dictionary_page_header && Number.isInteger(h.dictionary_page_header.num_values));
      c.offset += h.compressed_page_size;
      pages++;
    }
    assert.equal(c.offset, end, `${m.path_in_schema.join('.')}: pages end at the chunk's end`);
    assert.equal(values, Number(m.num_values), `${m.path_in_schema.join('.')}: values of the data pages`);
    assert.ok(pages >= 1);
  }
});

test('hyparquet-internals: decimalFromBytes reads big-endian two’s complement of any width', () => {
  assert.equal(decimalFromBytes(Uint8Array.of(0x01, 0x00)), 256);
  assert.equal(decimalFromBytes(Uint8Array.of(0xff)), -1);
  assert.equal(decimalFromBytes(Uint8Array.of(0xff, 0x38)), -200);
  assert.equal(decimalFromBytes(Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2)), 1234);
  assert.equal(decimalFromBytes(new Uint8Array(0)), 0);
});

test('hyparquet-internals: float16FromBytes reads IEEE half precision, little-endian', () => {
  assert.equal(float16FromBytes(Uint8Array.of(0x00, 0x3c)), 1);
  assert.equal(float16FromBytes(Uint8Array.of(0x00, 0xc0)), -2);
  assert.equal(float16FromBytes(Uint8Array.of(0x55, 0x35)), 0.333251953125);
  assert.equal(float16FromBytes(Uint8Array.of(0x01, 0x00)), 2 ** -24);
  assert.equal(float16FromBytes(Uint8Array.of(0x00, 0x7c)), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(float16FromBytes(Uint8Array.of(0x01, 0x7c))));
});

test('hyparquet-internals: deltaBinaryDecode reads DELTA_BINARY_PACKED into Int32Array and BigInt64Array and moves the cursor past it', () => {
  // Block size 128, 4 miniblocks, 5 values, first value 1 (zigzag 2); min delta 1 (zigzag 2), bit widths 0.
  const ones = [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00];
  const c32 = cursor([...ones, 0xaa]);
  const out32 = new Int32Array(5);
  deltaBinaryDecode(c32, 5, out32);
  assert.deepEqual([...out32], [1, 2, 3, 4, 5]);
  assert.equal(c32.offset, ones.length);
  const c64 = cursor(ones);
  const out64 = new BigInt64Array(5);
  deltaBinaryDecode(c64, 5, out64);
  assert.deepEqual([...out64], [1n, 2n, 3n, 4n, 5n]);
  // Deltas 3, -1, 4 (min delta -1, zigzag 1; packed 4, 0, 5 in 3 bits) from 10: 10, 13, 12, 16.
  // One miniblock of 32 values at 3 bits (12 bytes), the other three of width 0.
  const packed = new Uint8Array(12);
  packed[0] = 4 | (0 << 3) | ((5 & 3) << 6);
  packed[1] = 5 >> 2;
  const c = cursor([0x80, 0x01, 0x04, 0x04, 0x14, 0x01, 0x03, 0x00, 0x00, 0x00, ...packed]);
  const out = new Int32Array(4);
  deltaBinaryDecode(c, 4, out);
  assert.deepEqual([...out], [10, 13, 12, 16]);
});
