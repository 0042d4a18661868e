#!/usr/bin/env node
// `pnpm dist`: the one installable package (issue 22). Every tool under tools/ is bundled with the
// workspace code it uses (@ldt/*) by esbuild into build/pkg/lib/<tool>/dist/src/, one ESM entry per
// tool plus one per worker thread; registry dependencies stay external and are declared, pinned, in
// the package's dependencies, so `npm install -g ./build/ldt-tools-<version>.tgz` fetches them
// from the registry and compiles nothing. Run after the workspace build (`pnpm dist` builds first).
//
// What the bundles find at run time, next to themselves:
// - worker threads and WebAssembly kernels, named in the compiled code as
//   `new URL('./NAME', import.meta.url)`: every such name is found by scanning the tool's compiled
//   output; .js names become bundle entries of that name, other files are copied;
// - `lib/<tool>/package.json` (name and version), read by each cli.ts as '../../package.json'
//   (from dist/src/, as in the workspace), so `--version` prints the tool's own version.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
// `--out DIR` (default build/): where the package folder (DIR/pkg) and the tarball go.
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 && process.argv[outArg + 1] ? resolve(process.argv[outArg + 1]) : join(root, 'build');
const pkgDir = join(out, 'pkg');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const NAME = 'ldt-tools';

function fail(msg) {
  process.stderr.write(`dist: ${msg}\n`);
  process.exit(1);
}

// Every workspace package, by name: where it is and what it depends on.
const workspace = new Map();
for (const group of ['shared', 'tools']) {
  for (const dir of readdirSync(join(root, group)).sort()) {
    const f = join(root, group, dir, 'package.json');
    if (!existsSync(f)) continue;
    const pkg = JSON.parse(readFileSync(f, 'utf8'));
    workspace.set(pkg.name, { dir: join(root, group, dir), pkg, group });
  }
}
const tools = [...workspace.values()].filter((w) => w.group === 'tools' && w.pkg.bin);
if (tools.length === 0) fail('no tools found under tools/');

// The version every registry dependency is pinned to, from the workspace package that declares it.
const declared = new Map();
for (const { pkg } of workspace.values()) {
  for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
    if (dep.startsWith('@ldt/')) continue;
    const had = declared.get(dep);
    if (had && had !== range) fail(`${dep} is declared as ${had} and as ${range} in the workspace: pin one version`);
    declared.set(dep, range);
  }
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const used = new Set();
// Bundle @ldt/* and relative imports; keep registry packages external (and record them).
const externals = {
  name: 'ldt-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@ldt/') || builtins.has(args.path)) return undefined;
      const name = packageName(args.path);
      if (!declared.has(name)) {
        return { errors: [{ text: `${args.importer} imports ${name}, which no workspace package.json declares` }] };
      }
      used.add(name);
      return { path: args.path, external: true };
    });
  },
};

function compiled(w) {
  const src = join(w.dir, 'dist', 'src');
  if (!existsSync(join(src, 'cli.js'))) fail(`${w.pkg.name} is not built (no ${src}/cli.js): run 'npx -y pnpm@10 build' first`);
  return src;
}

// Files a compiled module names as `new URL('./NAME', import.meta.url)`: the tool's own, and those
// of the shared packages it may bundle (e.g. @ldt/ndjson's jsoncheck.wasm). Each with the folder it
// is built in.
function runtimeFilesIn(srcDir) {
  const found = new Map();
  for (const f of readdirSync(srcDir)) {
    if (!f.endsWith('.js')) continue;
    // Line by line, skipping comment lines: a doc comment that shows the form is not a file.
    for (const line of readFileSync(join(srcDir, f), 'utf8').split('\n')) {
      const t = line.trimStart();
      if (t.startsWith('*') || t.startsWith('//') || t.startsWith('/*')) continue;
      for (const m of line.matchAll(/new URL\(['"]\.\/([^'"/]+)['"],\s*import\.meta\.url\)/g)) found.set(m[1], srcDir);
    }
  }
  return found;
}
const sharedFiles = new Map();
for (const w of workspace.values()) {
  const d = join(w.dir, 'dist', 'src');
  if (w.group === 'shared' && existsSync(d)) for (const [f, dir] of runtimeFilesIn(d)) sharedFiles.set(f, dir);
}
function runtimeFiles(srcDir) {
  const found = new Map([...sharedFiles, ...runtimeFilesIn(srcDir)]);
  return [...found.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([name, dir]) => ({ name, dir }));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(pkgDir, 'bin'), { recursive: true });
mkdirSync(join(pkgDir, 'docs'), { recursive: true });

const bins = {};
for (const w of tools) {
  const tool = basename(w.dir);
  const src = compiled(w);
  const files = runtimeFiles(src);
  const entries = [join(src, 'cli.js'), ...files.filter((f) => f.name.endsWith('.js')).map((f) => join(f.dir, f.name))];
  for (const e of entries) if (!existsSync(e)) fail(`${w.pkg.name}: ${e} is named at run time but was not built`);
  const libDir = join(pkgDir, 'lib', tool);
  await build({
    entryPoints: entries,
    outdir: join(libDir, 'dist', 'src'),
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [externals],
  });
  for (const f of files.filter((f) => !f.name.endsWith('.js'))) {
    if (!existsSync(join(f.dir, f.name))) fail(`${w.pkg.name}: ${f.name} is named at run time but is not in ${f.dir}`);
    copyFileSync(join(f.dir, f.name), join(libDir, 'dist', 'src', f.name));
  }
  writeFileSync(join(libDir, 'package.json'), `${JSON.stringify({ name: w.pkg.name, version: w.pkg.version, private: true, type: 'module' }, null, 2)}\n`);
  for (const bin of Object.keys(w.pkg.bin)) {
    bins[bin] = `bin/${bin}.js`;
    writeFileSync(join(pkgDir, 'bin', `${bin}.js`), `#!/usr/bin/env node\nimport('../lib/${tool}/dist/src/cli.js').then((m) => m.run());\n`, { mode: 0o755 });
  }
  if (existsSync(join(w.dir, 'README.md'))) copyFileSync(join(w.dir, 'README.md'), join(pkgDir, 'docs', `${tool}.md`));
}

const dependencies = Object.fromEntries([...used].sort().map((d) => [d, declared.get(d)]));
const manifest = {
  name: NAME,
  version: rootPkg.version,
  description: rootPkg.description,
  type: 'module',
  license: rootPkg.license,
  engines: rootPkg.engines,
  bin: bins,
  files: ['bin', 'lib', 'docs', 'README.md', 'LICENSE'],
  dependencies,
};
writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const toolList = Object.keys(bins)
  .sort()
  .map((b) => `- \`${b}\`: docs/${tools.find((w) => w.pkg.bin[b]) ? basename(tools.find((w) => w.pkg.bin[b]).dir) : b}.md`)
  .join('\n');
writeFileSync(
  join(pkgDir, 'README.md'),
  `# ${NAME}\n\n${rootPkg.description}.\n\nInstall: \`npm install -g ${NAME}-${rootPkg.version}.tgz\` (Node ${rootPkg.engines.node}; nothing compiles at install).\n\nThe tools (each reads NDJSON on stdin or FILE arguments and writes NDJSON to stdout; \`TOOL --help\`):\n\n${toolList}\n`,
);
if (existsSync(join(root, 'LICENSE'))) copyFileSync(join(root, 'LICENSE'), join(pkgDir, 'LICENSE'));

// npm pack writes the tarball's file name on stdout.
const tgz = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: pkgDir, encoding: 'utf8' }).trim().split('\n').pop();
const size = statSync(join(out, tgz)).size;
process.stdout.write(`dist: ${join(out, tgz)} (${(size / 1024).toFixed(0)} KiB; ${Object.keys(bins).length} tools; dependencies: ${Object.keys(dependencies).join(', ')})\n`);
