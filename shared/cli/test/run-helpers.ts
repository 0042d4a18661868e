// What the runTool tests (run*.test.ts) share: a temp dir removed after the file's tests, fixtures and checks.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Handler } from '@ldt/cli';

export const dir = mkdtempSync(join(tmpdir(), 'ldt-cli-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A fresh path in the test's temp dir. */
export const tmp = (name: string): string => join(dir, `${n++}-${name}`);
/** Write `text` to a fresh temp file and return its path. */
export const file = (name: string, text: string): string => {
  const p = tmp(name);
  writeFileSync(p, text);
  return p;
};

export const ROWS = '{"a":1}\n{"b":2}\n{"c":3}\n';
export const TRY = "Try 'fake-tool --help' for more information.\n";

/** A handler that must not run (help, version and usage errors never reach it). */
export const mustNotRun: Handler = async () => {
  throw new Error('the handler ran');
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Files in the temp dir that start with the base name of `path` (the file itself or its temporaries). */
export function leftovers(path: string): string[] {
  const base = path.slice(dir.length + 1);
  return readdirSync(dir).filter((f) => f.startsWith(base));
}

/** Every key of a JSON value, at any depth. */
export function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
  return [];
}

/** Like `leftovers`, without the file itself. */
export function temporaries(path: string): string[] {
  return leftovers(path).filter((f) => join(dir, f) !== path);
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
