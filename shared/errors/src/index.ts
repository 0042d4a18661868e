/**
 * Error classes every ldt tool and core throws. Kept tiny and dependency-free so that a core
 * can throw them without depending on the CLI harness (changesets `packages/errors`).
 *
 * The harness in `@ldt/cli` maps them to exit codes and messages:
 * - `UsageError`  → exit 2, `tool: message` + `Try 'tool --help' for more information.`
 * - `DataError`   → exit 1, `tool: file:line: message` + optional `  hint: …`
 * - `InternalError` and anything unknown → exit 1 with a stack and a request to report it.
 */

/** A position in an input: the file name as the user gave it (`<stdin>` for stdin) and a 1-based line. */
export interface Position {
  file: string;
  line: number;
}

/** Base class: every expected failure carries a stable code and an optional hint. */
export class LdtError extends Error {
  /** What the user can do about it, printed on a second line as `  hint: …`. */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** The user called the tool wrongly (unknown flag, bad value, conflicting options). Exit 2. */
export class UsageError extends LdtError {}

/** The input data is wrong (bad JSON, invalid UTF-8, missing field) or a file cannot be read/written. Exit 1. */
export class DataError extends LdtError {
  readonly position: Position | undefined;
  constructor(message: string, position?: Position, hint?: string) {
    super(message, hint);
    this.position = position;
  }
}

/** A bug in ldt. Printed with its stack and a request to report it. Exit 1. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InternalError';
  }
}

/** Quote a value for an error message, cutting long values at `max` characters (default 80). */
export function quote(value: unknown, max = 80): string {
  let s = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (s.length > max) s = `${s.slice(0, max - 1)}…`;
  return s;
}

/** Mask a secret for messages: `hf_abc…xyz` → `hf_***`. Anything that looks like a token is never printed whole. */
export function maskSecret(secret: string): string {
  if (secret.length === 0) return '';
  const prefix = /^[a-z]{2,4}_/.exec(secret)?.[0] ?? '';
  return `${prefix}***`;
}

const SYSTEM_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (the file size limit was reached)',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
};

/** A short, stable reason for a system error (`no space left on device (ENOSPC)`), for one-line messages. */
export function systemReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException | undefined;
  const code = err?.code;
  if (code && SYSTEM_REASONS[code]) return `${SYSTEM_REASONS[code]} (${code})`;
  return err?.message ?? String(e);
}
