import { readlinkSync, type Stats, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '@ldt/errors';
import type { Io } from './run.js';
import { allOptions, type ToolSpec } from './spec.js';

interface Named {
  /** How messages name it: `--rejects a.ndjson`, `input a.ndjson`, `standard output`. */
  label: string;
  path?: string;
  stat: Stats | undefined;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The file behind a standard stream, when it is a regular file. Found through /proc/self/fd
 * (Linux; elsewhere the check is skipped), not fstat: an fstat of a pipe on fd 1, sync or async,
 * left Node 20.20's module resolution returning unresolved symlink paths afterwards (so two
 * copies of @ldt/errors were loaded and a DataError printed as an internal error).
 */
function fdStat(stream: unknown): Stats | undefined {
  const fd = (stream as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return undefined;
  try {
    const target = readlinkSync(`/proc/self/fd/${fd}`);
    if (!target.startsWith('/')) return undefined;
    const st = statSync(`/proc/self/fd/${fd}`);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

function sameFile(a: Stats | undefined, b: Stats | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

function values(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/**
 * Refuse, before anything is read or created, an output that is also an input (the same file by
 * device and inode, whatever its name) or another output, which would destroy the input or
 * silently overwrite the other output. Outputs are the options marked `file: 'output'` and
 * standard output when it is a regular file; inputs are the input files (`inputs`), the options
 * marked `file: 'input'` and standard input when it is a regular file and `-` is read.
 */
export async function checkOutputs(spec: ToolSpec, options: Record<string, unknown>, inputs: readonly string[], io: Io): Promise<void> {
  const outs: Named[] = [];
  const ins: Named[] = [];
  for (const o of allOptions(spec)) {
    if (!o.file) continue;
    for (const p of values(options[o.name])) {
      if (p === '-' && o.file === 'input') continue;
      (o.file === 'output' ? outs : ins).push({ label: `--${o.name} ${p}`, path: p, stat: statOf(p) });
    }
  }
  if (outs.length === 0 && inputs.length === 0) return;
  for (const p of inputs) {
    if (p === '-') {
      const st = fdStat(io.stdin);
      if (st) ins.push({ label: 'standard input', stat: st });
    } else ins.push({ label: `input ${p}`, path: p, stat: statOf(p) });
  }
  const stdout = fdStat(io.stdout);
  if (stdout) outs.push({ label: 'standard output', stat: stdout });

  for (let i = 0; i < outs.length; i++) {
    const a = outs[i];
    for (let j = i + 1; j < outs.length; j++) {
      const b = outs[j];
      if ((a.path !== undefined && b.path !== undefined && resolve(a.path) === resolve(b.path)) || sameFile(a.stat, b.stat)) {
        throw new UsageError(`${a.label} and ${b.label} are the same file: one would overwrite the other`, 'give each output its own file');
      }
    }
    for (const inp of ins) {
      if (sameFile(a.stat, inp.stat)) {
        throw new UsageError(
          `${a.label} is also ${inp.label === 'standard input' ? 'standard input' : `the ${inp.label}`}: writing it would destroy what is read`,
          'write the output to another file',
        );
      }
    }
  }
}
