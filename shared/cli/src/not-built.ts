/** Used by the committed bin shims when `dist/` is missing: say what to do, not a resolution trace. */
export function notBuilt(tool: string, e: unknown): void {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli\.js/.test(err.message ?? '')) {
    process.stderr.write(`${tool}: not built yet; run 'npx -y pnpm@10 install' (it builds) or 'npx -y pnpm@10 build' at the repository root\n`);
    process.exitCode = 1;
    return;
  }
  throw e;
}
