// Issue 15: `tool | head -1` ends quietly (exit 0, nothing on stderr) in every tool and every
// subcommand, including hf-fetch over a JSON array file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runShell, tmpDir } from '@ldt/testkit';

test('every tool and subcommand: | head -1 is exit 0 with an empty stderr (output larger than a pipe buffer)', () => {
  const dir = tmpDir();
  const rows = Array.from({ length: 3000 }, (_, i) => ({ text: `row ${i % 1499} ${'x'.repeat(150)}`, meta: { split: i % 2 ? 'test' : 'train', source: 'a' } }));
  const big = join(dir, 'big.ndjson');
  writeFileSync(big, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(join(dir, 'big.json'), JSON.stringify(rows));
  writeFileSync(join(dir, 'cur.yaml'), 'phases:\n  - name: all\n    sources:\n      - name: a\n        match: a\n        weight: 1\n');
  const setup = runShell(`manifest build -q -o ${dir}/ds ${big} && dedup-near sign -q ${big} > ${dir}/big.sign && dedup-near cluster -q ${dir}/big.sign > ${dir}/big.assign`);
  assert.equal(setup.code, 0, setup.stderr);
  const commands = [
    `hf-fetch ${dir}/big.json`,
    `to-chatml ${big}`,
    `normalize-encoding ${big}`,
    `dedup-exact ${big}`,
    `dedup-near --mark ${big}`,
    `dedup-near sign ${big}`,
    `dedup-near cluster ${dir}/big.sign`,
    `dedup-near apply --mark --assignment ${dir}/big.assign ${big}`,
    `split-holdout --stratify meta.source ${big}`,
    `split-holdout check ${big}`,
    `shuffle ${big}`,
    `curriculum-route --config ${dir}/cur.yaml ${big}`,
    `manifest cat ${dir}/ds`,
  ];
  for (const c of commands) {
    const r = runShell(`${c} | head -1`);
    assert.equal(r.code, 0, `${c}: exit ${r.code}\n${r.stderr}`);
    assert.equal(r.stderr, '', c);
    assert.equal(r.stdout.split('\n').length, 2, c);
  }
});
