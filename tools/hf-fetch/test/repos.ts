/**
 * The test repositories of the mock Hub, shared by hub.test.ts and faults.test.ts: a parquet dataset
 * with card configs (openai/gsm8k), a JSON Lines dataset with two commits and a parquet conversion
 * (acme/chat), a gated and a private one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MockHub } from './mock-hub.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
export const fx = (name: string) => readFileSync(join(fixtures, name));

export const GSM8K_README = `---
license: mit
configs:
- config_name: main
  data_files:
  - split: train
    path: main/train-*
  - split: test
    path: main/test-*
---
# GSM8K (test copy)
`;

export interface TestRepos {
  gsmSha: string;
  chatOld: string;
  chatSha: string;
  convertSha: string;
}

/** Add the test repositories (and the tokens hf_goodtoken123, hf_othertoken456) to `hub`. */
export function addTestRepos(hub: MockHub): TestRepos {
  hub.validTokens.add('hf_goodtoken123');
  hub.validTokens.add('hf_othertoken456');
  const gsmSha = hub.addRepo(
    'openai/gsm8k',
    {
      '.gitattributes': '*.parquet filter=lfs diff=lfs merge=lfs -text\n',
      'README.md': GSM8K_README,
      'main/train-00000-of-00001.parquet': fx('gsm8k-train.parquet'),
      'main/test-00000-of-00001.parquet': fx('gsm8k-test.parquet'),
    },
    { cardData: { license: 'mit' } },
  );
  // No card configs: splits from file names. train.jsonl is large (LFS, via the CDN); test.jsonl small (git, via resolve-cache).
  const chatOld = hub.addRepo('acme/chat', { 'train.jsonl': fx('gsm8k-train.jsonl'), 'test.jsonl': '{"question":"old","answer":"1"}\n' }, { cardData: { license: 'apache-2.0' } });
  const chatSha = hub.addRepo('acme/chat', {
    'train.jsonl': fx('gsm8k-train.jsonl'),
    'test.jsonl': '{"question":"q1","answer":"12345678901234567890"}\n\n{"question":"q2","answer":"2"}\n',
  });
  const chat = hub.repos.get('acme/chat');
  assert.ok(chat);
  chat.refs.main = chatSha;
  const convertSha = hub.addRepo('acme/chat', { 'default/train/0000.parquet': fx('gsm8k-train.parquet'), 'default/test/0000.parquet': fx('gsm8k-test.parquet') });
  chat.refs['refs/convert/parquet'] = convertSha;
  hub.addRepo('acme/gated', { 'train.jsonl': '{"a":1}\n' }, { gated: 'manual', cardData: { license: 'cc-by-4.0' } });
  hub.gatedAccess.set('acme/gated', new Set(['hf_goodtoken123']));
  hub.addRepo('acme/private', { 'train.jsonl': '{"a":2}\n' }, { private: true });
  hub.gatedAccess.set('acme/private', new Set(['hf_goodtoken123']));
  return { gsmSha, chatOld, chatSha, convertSha };
}
