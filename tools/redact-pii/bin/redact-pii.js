#!/usr/bin/env node
// Committed shim (pnpm/pnpm#1801, #10524: bins are linked before anything is built).
import('../dist/src/cli.js').then(
  (m) => m.run(),
  (e) => {
    if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
    process.stderr.write(`redact-pii: not built yet (${String(e.message).split('\n')[0]})\n  hint: run 'npx -y pnpm@10 install' (it builds) at the repository root\n`);
    process.exitCode = 1;
  },
);
