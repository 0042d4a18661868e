import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferSplits, parquetExportConfigs, parseCard, parseDatasetArgs, parseHfUrl, resolveConfigs, selectSplits } from '@ldt/hf-fetch';

const names = (s: { name: string; files: string[] }[]) => s.map((x) => [x.name, x.files]);

test('push_to_hub layout: data/{split}-NNNNN-of-NNNNN, train/validation/test first', () => {
  assert.deepEqual(
    names(
      inferSplits([
        'data/test-00000-of-00001.parquet',
        'data/extra-00000-of-00001.parquet',
        'data/train-00000-of-00002.parquet',
        'data/train-00001-of-00002.parquet',
        'data/validation-00000-of-00001.parquet',
      ]),
    ),
    [
      ['train', ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']],
      ['validation', ['data/validation-00000-of-00001.parquet']],
      ['test', ['data/test-00000-of-00001.parquet']],
      ['extra', ['data/extra-00000-of-00001.parquet']],
    ],
  );
});

test('split keywords: directories before file names; delimited only (trainer.csv is not train)', () => {
  assert.deepEqual(names(inferSplits(['dev/a.jsonl', 'train/b.jsonl', 'testing.jsonl'])), [
    ['train', ['train/b.jsonl']],
    ['validation', ['dev/a.jsonl']],
  ]);
  assert.deepEqual(names(inferSplits(['my_train_file.csv', 'train1.csv', 'data/dev.jsonl', 'trainer.csv', 'eval.csv'])), [
    ['train', ['my_train_file.csv', 'train1.csv']],
    ['validation', ['data/dev.jsonl']],
    ['test', ['eval.csv']],
  ]);
  assert.deepEqual(names(inferSplits(['a.csv', 'b/c.csv'])), [['train', ['a.csv', 'b/c.csv']]]);
});

test('card configs: data_files forms, data_dir, default selection, the most common format wins', () => {
  const files = ['README.md', '.gitattributes', 'en/train.jsonl', 'en/test.jsonl', 'en/notes.txt', 'fr/train-00000.parquet', 'fr/train-00001.parquet', 'x/all.csv'];
  const configs = resolveConfigs(files, [
    { config_name: 'fr', data_files: 'fr/train-*' },
    {
      config_name: 'en',
      default: true,
      data_dir: 'en',
      data_files: [
        { split: 'train', path: 'train.jsonl' },
        { split: 'test', path: ['test.jsonl'] },
      ],
    },
    { config_name: 'csv', data_files: { all: 'x/*.csv' } },
  ]);
  assert.deepEqual(
    configs.map((c) => [c.name, c.isDefault, names(c.splits)]),
    [
      [
        'en',
        true,
        [
          ['train', ['en/train.jsonl']],
          ['test', ['en/test.jsonl']],
        ],
      ],
      ['csv', false, [['all', ['x/all.csv']]]],
      ['fr', false, [['train', ['fr/train-00000.parquet', 'fr/train-00001.parquet']]]],
    ],
  );
  const mixed = resolveConfigs(['train/a.parquet', 'train/b.parquet', 'train/c.json', 'README.md'], undefined);
  assert.deepEqual(names(mixed[0].splits), [['train', ['train/a.parquet', 'train/b.parquet']]]);
  assert.deepEqual(mixed[0].ignored, ['train/c.json']);
  assert.throws(() => resolveConfigs(files, [{ config_name: 'a', data_files: 'nothing/*' }]), /config "a", split "train": no file matches "nothing\/\*"/);
  assert.throws(
    () =>
      resolveConfigs(files, [
        { config_name: 'a', default: true, data_files: 'x/*' },
        { config_name: 'b', default: true, data_files: 'x/*' },
      ]),
    /more than one config is marked default/,
  );
});

test('selection: the default config, all splits in order, or exit 2 naming what exists', () => {
  const configs = resolveConfigs(
    ['a/train.jsonl', 'b/train.jsonl'],
    [
      { config_name: 'a', data_files: 'a/*' },
      { config_name: 'b', data_files: 'b/*' },
    ],
  );
  assert.throws(
    () => selectSplits(configs, undefined, undefined, 'd'),
    (e: Error & { hint?: string }) => e.constructor.name === 'UsageError' && /several configs and none is the default/.test(e.message) && e.hint === 'its configs are: a, b',
  );
  assert.equal(selectSplits(configs, 'b', 'train', 'd').splits[0].files[0], 'b/train.jsonl');
  assert.throws(() => selectSplits(configs, 'b', 'test', 'd'), /d, config "b" has no split "test"; its splits are: train/);
});

test('parquet export layout: {config}/{split}/NNNN.parquet, partial- and -partK folded into the split', () => {
  const c = parquetExportConfigs(['default/train/0000.parquet', 'default/partial-test/0000.parquet', 'default/train-part1/0000.parquet', 'other/train/0000.parquet']);
  assert.deepEqual(
    c.map((x) => [x.name, x.isDefault, names(x.splits)]),
    [
      [
        'default',
        true,
        [
          ['train', ['default/train-part1/0000.parquet', 'default/train/0000.parquet']],
          ['test', ['default/partial-test/0000.parquet']],
        ],
      ],
      ['other', false, [['train', ['other/train/0000.parquet']]]],
    ],
  );
});

test('dataset card: YAML front matter, licence list and license_name', async () => {
  assert.deepEqual(await parseCard('---\nlicense: [mit, apache-2.0]\n---\n# x', 'c'), { license: 'mit, apache-2.0' });
  assert.deepEqual(await parseCard('---\nlicense: other\nlicense_name: llama3.1\n---\n', 'c'), { license: 'llama3.1' });
  assert.deepEqual(await parseCard('# no front matter', 'c'), {});
  await assert.rejects(parseCard('---\nconfigs: [\n---\n', 'x/README.md'), /x\/README\.md: invalid YAML front matter/);
});

test('DATASET argument: Hub ids, hf:// URLs with revision and path, local paths', () => {
  assert.deepEqual(parseDatasetArgs(['openai/gsm8k']), { kind: 'hub', id: 'openai/gsm8k' });
  assert.deepEqual(parseDatasetArgs(['truthful_qa']), { kind: 'hub', id: 'truthful_qa' });
  assert.deepEqual(parseHfUrl('hf://datasets/o/n@refs%2Fconvert%2Fparquet/default/train/*.parquet'), {
    kind: 'hub',
    id: 'o/n',
    revision: 'refs/convert/parquet',
    pattern: 'default/train/*.parquet',
  });
  assert.deepEqual(parseHfUrl('hf://datasets/o/n'), { kind: 'hub', id: 'o/n', revision: undefined, pattern: undefined });
  assert.throws(() => parseHfUrl('hf://models/o/n'), /not a dataset URL/);
  assert.throws(() => parseDatasetArgs(['missing.jsonl']), /missing\.jsonl: no such file or directory, and not a dataset id/);
  assert.throws(() => parseDatasetArgs([]), /missing DATASET/);
});
