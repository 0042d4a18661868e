import type { Manifest } from './format.js';

/** The JSON-LD context of MLCommons Croissant 1.0 (http://mlcommons.org/croissant/1.0, section "Croissant context"). */
export const CROISSANT_CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  dct: 'http://purl.org/dc/terms/',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  path: 'cr:path',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  repeated: 'cr:repeated',
  replace: 'cr:replace',
  sc: 'https://schema.org/',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
} as const;

const ENCODING: Record<Manifest['compression'], string> = { none: 'application/jsonlines', gzip: 'application/gzip', zstd: 'application/zstd' };

/** Croissant data type of a field from the JSON types seen. */
function dataType(types: Record<string, number>): string {
  const ks = Object.keys(types).filter((k) => k !== 'null');
  if (ks.length === 1) {
    switch (ks[0]) {
      case 'integer':
        return 'sc:Integer';
      case 'number':
        return 'sc:Float';
      case 'boolean':
        return 'sc:Boolean';
    }
  }
  if (ks.length === 2 && ks.includes('integer') && ks.includes('number')) return 'sc:Float';
  return 'sc:Text';
}

/**
 * A Croissant 1.0 description of the shards: one `cr:FileObject` per shard (contentUrl relative to
 * the manifest folder, sha256), a `cr:FileSet` over them, a `cr:RecordSet` "records" with one field
 * per top-level key (nested values as JSON text via jsonPath), and, when rows carry meta.split, a
 * `cr:Split` record set listing the splits, referenced by the records' `split` field.
 */
export function croissantFor(m: Manifest): Record<string, unknown> {
  const fileObjects = m.shards.map((s) => ({
    '@type': 'cr:FileObject',
    '@id': s.path,
    name: s.path,
    description: `${s.rows} rows of partition ${s.partition}`,
    contentUrl: s.path,
    contentSize: `${s.stored_bytes} B`,
    encodingFormat: ENCODING[m.compression],
    sha256: s.sha256,
  }));
  const topLevel = Object.keys(m.fields).filter((k) => !k.includes('.') || k.includes('\\.'));
  const source = (jsonPath: string) => ({ fileSet: { '@id': 'shards' }, extract: { jsonPath } });
  const fields: Record<string, unknown>[] = topLevel.map((k) => {
    const name = k.replaceAll('\\.', '.');
    return {
      '@type': 'cr:Field',
      '@id': `records/${name}`,
      name,
      description: `rows: ${m.fields[k].rows}; JSON types: ${Object.entries(m.fields[k].types)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
      dataType: dataType(m.fields[k].types),
      source: source(`$[${JSON.stringify(name)}]`),
    };
  });
  const splits = [...new Set(m.groups.map((g) => g.key.split).filter((s): s is string => typeof s === 'string'))].sort();
  const recordSets: Record<string, unknown>[] = [];
  if (splits.length > 0) {
    recordSets.push({
      '@type': 'cr:RecordSet',
      '@id': 'splits',
      name: 'splits',
      description: 'The splits of the dataset (meta.split).',
      dataType: 'cr:Split',
      key: { '@id': 'splits/name' },
      field: [{ '@type': 'cr:Field', '@id': 'splits/name', name: 'name', dataType: 'sc:Text' }],
      data: splits.map((s) => ({ 'splits/name': s })),
    });
    fields.push({
      '@type': 'cr:Field',
      '@id': 'records/split',
      name: 'split',
      description: 'The split of the row (meta.split).',
      dataType: 'sc:Text',
      source: source('$.meta.split'),
      references: { field: { '@id': 'splits/name' } },
    });
  }
  recordSets.push({ '@type': 'cr:RecordSet', '@id': 'records', name: 'records', description: `${m.totals.rows} rows`, field: fields });
  const suffix = m.compression === 'none' ? '.jsonl' : m.compression === 'gzip' ? '.jsonl.gz' : '.jsonl.zst';
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: 'http://mlcommons.org/croissant/1.0',
    name: m.name,
    description: `${m.totals.rows} rows in ${m.totals.shards} shards; ${m.tokenizer.estimate ? 'estimated ' : ''}tokens ${m.totals.tokens} (${m.tokenizer.name}); written by ldt manifest.`,
    identifier: m.dataset_id,
    version: '1.0.0',
    distribution: [
      ...fileObjects,
      {
        '@type': 'cr:FileSet',
        '@id': 'shards',
        name: 'shards',
        description: 'Every shard of the dataset.',
        encodingFormat: ENCODING[m.compression],
        includes: `**/*${suffix}`,
      },
    ],
    recordSet: recordSets,
  };
}
