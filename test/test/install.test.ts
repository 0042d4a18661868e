// Issue 22: the installable package. `scripts/dist.mjs` bundles every tool into one tarball; it is
// installed with `npm install -g --prefix` into a fresh folder, and the demo runs with those bins
// only (PATH: the prefix, node's folder, /usr/bin:/bin — none of the repository's node_modules).
// Its outputs, and every tool's --version and --help, must equal the workspace build's byte for byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tmpDir } from '@ldt/testkit';

const root = repoRoot();

function run(cmd: string, args: string[], opts: { cwd?: string; path?: string } = {}) {
  const env = { ...process.env };
  if (opts.path !== undefined) env.PATH = opts.path;
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Every file below `dir`, relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return files;
}

test("the dist tarball installs with npm install -g and its bins give the workspace build's outputs byte for byte", { timeout: 600_000 }, () => {
  const work = tmpDir('ldt-install-');
  const dist = run(process.execPath, [join(root, 'scripts', 'dist.mjs'), '--out', join(work, 'build')]);
  assert.equal(dist.code, 0, dist.stderr);
  const tgz = readdirSync(join(work, 'build')).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `a tarball in ${work}/build (dist said: ${dist.stdout})`);

  const prefix = join(work, 'prefix');
  const inst = run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', join(work, 'build', tgz)]);
  assert.equal(inst.code, 0, `npm install -g failed:\n${inst.stderr}`);
  const installedPath = `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`;
  const workspaceBins = join(root, 'node_modules', '.bin');
  const workspacePath = `${workspaceBins}:${process.env.PATH}`;

  // Every tool of the workspace is a bin of the package, with the same --version and --help.
  const tools = readdirSync(join(root, 'tools')).filter((t) => existsSync(join(root, 'tools', t, 'package.json')));
  assert.ok(tools.length >= 9);
  for (const tool of tools) {
    const bin = join(prefix, 'bin', tool);
    assert.ok(existsSync(bin), `${tool} installed in ${prefix}/bin`);
    for (const flag of ['--version', '--help']) {
      const a = run(tool, [flag], { path: installedPath });
      const b = run(join(workspaceBins, tool), [flag], { path: workspacePath });
      assert.equal(a.code, 0, `${tool} ${flag} (installed): ${a.stderr}`);
      assert.equal(a.stdout, b.stdout, `${tool} ${flag}: installed and workspace outputs differ`);
    }
  }
  // A tool that installed no node_modules of the repository: it resolves its own dependencies.
  const which = run('bash', ['-c', 'command -v dedup-exact'], { path: installedPath });
  assert.equal(which.stdout.trim(), join(prefix, 'bin', 'dedup-exact'));

  // The demo over a copy of examples/, once with each set of bins.
  const outputs: Record<string, { code: number; stdout: string; files: Map<string, Buffer> }> = {};
  for (const [name, path] of [
    ['installed', installedPath],
    ['workspace', workspacePath],
  ] as const) {
    const dir = join(work, name);
    cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
    const r = run('bash', [join(dir, 'examples', 'demo.sh')], { cwd: dir, path });
    assert.equal(r.code, 0, `demo with the ${name} bins failed:\n${r.stderr}`);
    outputs[name] = { code: r.code, stdout: r.stdout, files: tree(join(dir, 'out')) };
  }
  const a = outputs.installed;
  const b = outputs.workspace;
  assert.equal(a.stdout, b.stdout);
  assert.deepEqual([...a.files.keys()], [...b.files.keys()]);
  assert.ok(a.files.size >= 5, `the demo wrote its outputs (${[...a.files.keys()].join(', ')})`);
  for (const [file, bytes] of a.files) assert.ok(bytes.equals(b.files.get(file) as Buffer), `out/${file} differs between the installed and the workspace bins`);
});
