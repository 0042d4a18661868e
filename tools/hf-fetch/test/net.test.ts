import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { normEtag, readToken, retryDelay } from '@ldt/hf-fetch';
import { tmpDir } from '@ldt/testkit';

test('retry delay: Retry-After seconds or date, else RateLimit r=0;t=N, else backoff', () => {
  assert.equal(retryDelay(new Headers({ 'retry-after': '3' })), 3000);
  const soon = new Date(Date.now() + 5000).toUTCString();
  const d = retryDelay(new Headers({ 'retry-after': soon })) ?? -1;
  assert.ok(d > 3000 && d <= 5000, String(d));
  assert.equal(retryDelay(new Headers({ ratelimit: '"api";r=0;t=42' })), 42000);
  assert.equal(retryDelay(new Headers({ ratelimit: '"api";r=5;t=42' })), undefined);
  assert.equal(retryDelay(new Headers()), undefined);
});

test('etags: W/ prefix and quotes stripped', () => {
  assert.equal(normEtag('W/"abc"'), 'abc');
  assert.equal(normEtag('"0123"'), '0123');
  assert.equal(normEtag(null), undefined);
});

test('token lookup: HF_TOKEN, legacy name, token file, HF_HUB_DISABLE_IMPLICIT_TOKEN', async () => {
  const home = tmpDir();
  writeFileSync(join(home, 'token'), '  hf_fromfile \n');
  assert.equal(await readToken({ HF_TOKEN: ' hf_env\n', HF_HOME: home }), 'hf_env');
  assert.equal(await readToken({ HUGGING_FACE_HUB_TOKEN: 'hf_legacy', HF_HOME: home }), 'hf_legacy');
  assert.equal(await readToken({ HF_HOME: home }), 'hf_fromfile');
  assert.equal(await readToken({ HF_TOKEN: '', HF_HOME: home }), 'hf_fromfile');
  const other = join(tmpDir(), 't');
  writeFileSync(other, 'hf_path');
  assert.equal(await readToken({ HF_TOKEN_PATH: other, HF_HOME: home }), 'hf_path');
  assert.equal(await readToken({ HF_HOME: home, HF_HUB_DISABLE_IMPLICIT_TOKEN: '1' }), undefined);
  assert.equal(await readToken({ HF_HOME: tmpDir() }), undefined);
});
