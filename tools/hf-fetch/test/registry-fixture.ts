// The registry tests' mock Hub, helpers and registry texts (registry-gate.test.ts, registry-commands.test.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '@ldt/hf-fetch';
import { type RunResult, repoRoot, runInProcess, tmpDir } from '@ldt/testkit';
import { MockHub } from './mock-hub.js';
export const fixtures = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
export const SHIPPED = join(repoRoot(), 'configs', 'datasets', 'registry.yaml');
export const GSM8K_DIR = join(repoRoot(), 'examples', 'hf-fetch-gsm8k');
export const BIN = join(repoRoot(), 'node_modules', '.bin');

/** The mock Hub of the registry tests and the commits of acme/chat (an older one and main). */
export interface RegistryHub {
  hub: MockHub;
  chatOld: string;
  chatSha: string;
}

/**
 * Start the mock Hub with the registry tests' datasets before the calling file's tests and close
 * it after them. The fields are set once the file's `before` hook has run.
 */
export function useRegistryHub(): RegistryHub {
  const fx = {} as RegistryHub;
  before(async () => {
    const hub = await new MockHub().start();
    fx.hub = hub;
    const train = readFileSync(join(fixtures, 'gsm8k-train.jsonl'));
    fx.chatOld = hub.addRepo('acme/chat', { 'train.jsonl': '{"question":"old?","answer":"0"}\n' }, { cardData: { license: 'apache-2.0' } });
    fx.chatSha = hub.addRepo('acme/chat', { 'train.jsonl': train });
    const chat = hub.repos.get('acme/chat');
    assert.ok(chat);
    chat.refs.main = fx.chatSha;
    hub.addRepo('acme/math', { 'test.jsonl': '{"question":"1+1?","answer":"2"}\n{"question":"2+2?","answer":"4"}\n' }, { cardData: { license: 'mit' } });
    hub.addRepo('acme/other', { 'train.jsonl': '{"a":1}\n' });
  });
  after(async () => {
    await fx.hub.close();
  });
  return fx;
}

/** A child process (asynchronous, so the mock Hub in this process keeps answering). */
export function spawnAsync(cmd: string, argv: readonly string[], opts: { cwd: string; env?: Record<string, string> }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, LDT_HF_BACKOFF_MS: '5', ...opts.env };
    for (const k of ['LDT_REGISTRY', 'HF_TOKEN']) if (opts.env?.[k] === undefined) delete env[k];
    const c = spawn(cmd, argv, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => out.push(b));
    c.stderr.on('data', (b: Buffer) => err.push(b));
    c.on('error', reject);
    c.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

export const hubEnv = (hub: MockHub) => ({ HF_ENDPOINT: hub.hubUrl, HF_HUB_CACHE: tmpDir('hf-cache-'), LDT_HF_BACKOFF_MS: '5' });

/**
 * hf-fetch in-process with `cwd` as the working directory (discovery starts there). Tests in a file
 * run one at a time, so changing the directory for the length of one call is safe; it is restored.
 */
export async function hfFetch(hub: MockHub, argv: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  const back = process.cwd();
  process.chdir(cwd);
  try {
    return await runInProcess(main, argv, { env: { ...hubEnv(hub), ...env } });
  } finally {
    process.chdir(back);
  }
}

export interface DatasetSpec {
  id?: string;
  path?: string;
  status?: 'enabled' | 'disabled';
  approver?: string | null;
  approved?: string | null;
  revision?: string;
  license?: string;
  extra?: string;
}

/** A registry text: `enabled` and the datasets of one category (`chat`), with a small pipeline template. */
export function registryText(enabled: boolean, datasets: DatasetSpec[], category = 'chat'): string {
  const items = datasets.map((d) =>
    [
      d.id !== undefined ? `      - id: ${d.id}` : `      - path: ${d.path}`,
      `        license: ${d.license ?? 'mit (registry)'}`,
      `        status: ${d.status ?? 'disabled'}`,
      ...(d.approver !== undefined ? [`        approver: ${d.approver ?? 'null'}`] : []),
      ...(d.approved !== undefined ? [`        approved: ${d.approved ?? 'null'}`] : []),
      ...(d.revision !== undefined ? [`        revision: ${d.revision}`] : []),
      ...(d.extra ? [d.extra] : []),
    ].join('\n'),
  );
  return `# a test registry\nversion: 2\nenabled: ${enabled}\nusage:\n  plan_template:\n    out_dir: out/{category}\n    steps:\n      - to-chatml\n      - dedup-exact\ncategories:\n  ${category}:\n    title: Chat\n    datasets:\n${items.join('\n')}\n`;
}

export const approved = (id: string, extra: Partial<DatasetSpec> = {}): DatasetSpec => ({ id, status: 'enabled', approver: 'Data Gov', approved: '2026-12-01', ...extra });

/** A project folder holding `ldt-registry.yaml` (and a nested sub/deeper folder). */
export function project(text: string): string {
  const dir = tmpDir('ldt-proj-');
  writeFileSync(join(dir, 'ldt-registry.yaml'), text);
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  return dir;
}
