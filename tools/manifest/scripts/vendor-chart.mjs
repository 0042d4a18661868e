#!/usr/bin/env node
// Build step of @ldt/manifest: copy Chart.js's minified UMD build next to the compiled report.js,
// as dist/src/chart.umd.min.js.txt, which `manifest report` inlines into every page. Bundled at
// build time, so the installed tool needs no chart.js package (and `pnpm dist` copies the file:
// report.js names it as new URL('./chart.umd.min.js.txt', import.meta.url)). The .txt suffix keeps
// it a file to copy, not a module to bundle.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const pkg = new URL('..', import.meta.url).pathname;
const from = join(dirname(createRequire(join(pkg, 'package.json')).resolve('chart.js')), 'chart.umd.min.js');
mkdirSync(join(pkg, 'dist', 'src'), { recursive: true });
copyFileSync(from, join(pkg, 'dist', 'src', 'chart.umd.min.js.txt'));
