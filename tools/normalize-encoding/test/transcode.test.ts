import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { checkEncoding, detectEncoding, transcodeInput } from '@ldt/normalize-encoding';
import { tmpDir } from '@ldt/testkit';
import iconv from 'iconv-lite';

async function collect(it: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const b of it) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
}

test('transcodeInput: output does not depend on the read size (surrogate pairs and multi-byte characters split across chunks)', async () => {
  const text = '{"text":"😀 日本語 Ça — 𝔘"}\n'.repeat(50);
  const dir = tmpDir();
  for (const enc of ['utf-16le', 'utf-16be', 'shift_jis', 'gb18030', 'utf-8']) {
    const src = enc === 'shift_jis' ? text.replace(/😀|𝔘|Ç|—/g, 'x') : text;
    const p = join(dir, `${enc}.ndjson`);
    writeFileSync(p, iconv.encode(src, enc));
    for (const chunkSize of [1, 3, 7, 1 << 20]) {
      const stats = { replacement: 0 };
      const got = await collect(transcodeInput(p, enc, { stdin: Readable.from([]), chunkSize }, stats));
      assert.equal(got, src, `${enc} chunk ${chunkSize}`);
      assert.equal(stats.replacement, 0);
    }
  }
});

test('detectEncoding: BOMs, UTF-8 (also cut inside a character), chardet with Windows supersets', async () => {
  assert.deepEqual(await detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x41]), true), { encoding: 'utf-8', by: 'bom' });
  assert.deepEqual(await detectEncoding(Buffer.from([0xff, 0xfe, 0x41, 0]), true), { encoding: 'utf-16le', by: 'bom' });
  assert.deepEqual(await detectEncoding(Buffer.from([0xfe, 0xff, 0, 0x41]), true), { encoding: 'utf-16be', by: 'bom' });
  const utf8 = Buffer.from('déjà vu 日本');
  assert.deepEqual(await detectEncoding(utf8.subarray(0, utf8.length - 1), false), { encoding: 'utf-8', by: 'utf-8' });
  assert.equal((await detectEncoding(utf8.subarray(0, utf8.length - 1), true)).by, 'chardet');
  const fr = iconv.encode('{"text":"Ça coûte très cher, déjà vu à l’été; voilà où ça mène — « réponse »"}\n'.repeat(20), 'windows-1252');
  assert.equal((await detectEncoding(fr, true)).encoding, 'windows-1252');
  assert.deepEqual(await detectEncoding(Buffer.alloc(0), true), { encoding: 'utf-8', by: 'empty' });
});

test('checkEncoding: names are checked, case-insensitive', async () => {
  assert.equal(await checkEncoding('Windows-1252'), 'windows-1252');
  assert.equal(await checkEncoding('AUTO'), 'auto');
  await assert.rejects(checkEncoding('klingon'), /unknown --input-encoding "klingon"/);
});
