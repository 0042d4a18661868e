// `tool | head -1` with the real bin: the reader goes away after one line, and the tool must end
// with exit 0 and say nothing (xsv does; qsv's exit 255 and Node's EPIPE trace are what we avoid).
// The input is big enough (~200k lines, ~7 MB) that the tool is still writing when head exits.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file with pnpm-workspace.yaml. */
function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'pnpm-workspace.yaml'))) {
    const up = dirname(d);
    if (up === d) throw new Error('pnpm-workspace.yaml not found above the test file');
    d = up;
  }
  return d;
}

const root = repoRoot();
const bin = 'node_modules/.bin/dedup-exact';
const ROWS = 200_000;
let dir = '';
let input = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ldt-cli-epipe-'));
  input = join(dir, 'big.ndjson');
  const lines: string[] = [];
  for (let i = 0; i < ROWS; i++) lines.push(`{"id":${i},"text":"row number ${i} of the pipe test"}`);
  writeFileSync(input, `${lines.join('\n')}\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Run `cmd` under bash with pipefail from the repository root: a failing tool fails the pipeline. */
function pipeline(cmd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', cmd], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

test('the dedup-exact bin exists at the repository root', () => {
  assert.ok(existsSync(join(root, bin)), `${bin} under ${root}`);
});

test('dedup-exact --fields line FILE | head -1: exit 0, one line, empty stderr', () => {
  const r = pipeline(`${bin} --fields line ${quote(input)} | head -1`);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '{"id":0,"text":"row number 0 of the pipe test"}\n');
});

test('dedup-exact FILE | head -1 (JSON mode): exit 0, one line, empty stderr', () => {
  const r = pipeline(`${bin} ${quote(input)} | head -1`);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 2, 'exactly one line');
  assert.equal(lines[1], '');
  const row = JSON.parse(lines[0]);
  assert.equal(row.id, 0);
  assert.match(row.meta.content_hash, /^[0-9a-f]{32}$/);
});

test('dedup-exact < FILE | head -1 (stdin): exit 0, one line, empty stderr', () => {
  const r = pipeline(`${bin} --fields line < ${quote(input)} | head -1`);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.split('\n').length, 2);
});

test('the same run without head writes every row and the summary (the pipe test is not vacuous)', () => {
  const r = pipeline(`${bin} --fields line ${quote(input)} | wc -l`);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), String(ROWS));
  assert.equal(r.stderr, `dedup-exact: read ${ROWS}, wrote ${ROWS}, dropped 0\n`);
});
