import { DataError } from '@ldt/errors';
import type { AsyncBuffer, FileMetaData, PageHeader } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';

/**
 * hyparquet trusts the counts in page headers: a data page v2 whose `num_values` was altered to
 * 2^31 makes it fill an array of that many definition levels, which takes minutes and gigabytes
 * for a 500-byte file (found by the property test of issue 13). So before hyparquet decodes a
 * row group, the page headers of its column chunks are checked against the footer: every page
 * inside its chunk, value counts within the chunk's `num_values`, v2 row counts within the row
 * group's `num_rows`, level lengths within the page. The check rides on the reads hyparquet makes
 * anyway (`slice` of the returned `AsyncBuffer`): no extra request, one header parse per page.
 */
export function guardedRowGroupFile(file: AsyncBuffer, md: FileMetaData, group: number, firstRow: number, display: string): AsyncBuffer {
  const rg = md.row_groups[group];
  const chunks = rg.columns.map((c) => {
    const m = c.meta_data;
    const start = Number(m?.dictionary_page_offset ?? m?.data_page_offset);
    const size = Number(m?.total_compressed_size);
    return { start, end: start + size, values: Number(m?.num_values), name: (m?.path_in_schema ?? []).join('.') };
  });
  const checked = new Set<number>();
  return {
    byteLength: file.byteLength,
    async slice(start: number, end?: number) {
      const buf = await file.slice(start, end);
      const stop = start + buf.byteLength;
      for (const [i, c] of chunks.entries()) {
        if (checked.has(i) || !(c.start >= start && c.end <= stop)) continue;
        checkPages(new Uint8Array(buf, c.start - start, c.end - c.start), c.values, Number(rg.num_rows), `${display}: cannot read row group at row ${firstRow}, column ${c.name}`);
        checked.add(i);
      }
      return buf;
    },
  };
}

/** A bad count as a message says it: "missing" (never "undefined") or "-3 invalid". */
function count(v: unknown): string {
  return v === undefined || v === null ? 'missing' : `${String(v)} invalid`;
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function checkPages(chunk: Uint8Array, chunkValues: number, groupRows: number, where: string): void {
  const bad = (what: string, at: number) =>
    new DataError(`${where}: malformed page header at byte ${at} of its column chunk (${what})`, undefined, 'the file is corrupt or truncated; fetch it again');
  if (!isCount(chunkValues)) throw bad('the footer gives no value count', 0);
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  let values = 0;
  while (values < chunkValues && reader.offset < chunk.length) {
    const at = reader.offset;
    let h: PageHeader;
    try {
      h = parquetHeader(reader);
    } catch {
      throw bad('unreadable', at);
    }
    const size = h.compressed_page_size;
    if (!isCount(size) || !isCount(h.uncompressed_page_size) || reader.offset + size > chunk.length) throw bad('page size past the column chunk', at);
    reader.offset += size;
    if (h.type === 'DATA_PAGE') {
      const n = h.data_page_header?.num_values;
      if (!isCount(n)) throw bad(`value count ${count(n)}`, at);
      if (values + n > chunkValues) throw bad(`${n} values, more than the ${chunkValues} of the column chunk`, at);
      values += n;
    } else if (h.type === 'DATA_PAGE_V2') {
      const p = h.data_page_header_v2;
      const n = p?.num_values;
      if (!isCount(n)) throw bad(`value count ${count(n)}`, at);
      if (values + n > chunkValues) throw bad(`${n} values, more than the ${chunkValues} of the column chunk`, at);
      if (!isCount(p?.num_rows)) throw bad(`row count ${count(p?.num_rows)}`, at);
      if (p.num_rows > groupRows) throw bad(`${p.num_rows} rows, more than the ${groupRows} of the row group`, at);
      // Both level lengths are required fields: hyparquet reads a missing one from the page data.
      const dl = p.definition_levels_byte_length;
      const rl = p.repetition_levels_byte_length;
      if (!isCount(dl) || !isCount(rl) || dl + rl > size) throw bad('level bytes missing or past the page', at);
      values += n;
    } else if (h.type === 'INDEX_PAGE') {
      // no values
    } else if (h.type === 'DICTIONARY_PAGE') {
      const n = h.dictionary_page_header?.num_values;
      // Each dictionary value takes at least one bit.
      if (!isCount(n)) throw bad(`dictionary value count ${count(n)}`, at);
      if (n > h.uncompressed_page_size * 8 + 8) throw bad(`a dictionary of ${n} values in ${h.uncompressed_page_size} bytes`, at);
    } else throw bad(`page type ${h.type === undefined ? 'missing' : `${String(h.type)} unknown`}`, at);
  }
}
