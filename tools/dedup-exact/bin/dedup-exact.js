#!/usr/bin/env node
// Committed shim (pnpm/pnpm#1801, #10524: bins are linked before anything is built).
import('../dist/src/cli.js').then((m) => m.run(), (e) => import('@ldt/cli/not-built').then((n) => n.notBuilt('dedup-exact', e)));
