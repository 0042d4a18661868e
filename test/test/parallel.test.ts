// End-to-end: the final-dataset pipeline sharded over GNU parallel (examples/parallel) gives byte
// for byte the outputs of the single-process pipeline (examples/final-dataset): on this machine
// with -j2, and over ssh to a second "host" (an sshd this test starts on a loopback port with a
// throwaway key). The manifest.json files differ only in what records the command lines
// (created_by, inputs, tool_chain): every data file, croissant.json and the dataset id are equal.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { runShell, tmpDir } from '@ldt/testkit';

const hasParallel = spawnSync('bash', ['-c', 'command -v parallel']).status === 0;
const skipNoParallel = hasParallel ? false : 'GNU parallel is not installed (apt-get install parallel)';
if (!hasParallel && process.env.CI === 'true') throw new Error('CI=true but GNU parallel is missing: .ci/run installs it');

const dir = tmpDir();
let single: { code: number; stderr: string };
before(() => {
  // The single-process pipeline, into a folder of its own.
  single = hasParallel ? runShell(`make -s -C examples/final-dataset OUT=${dir}/single`) : { code: 0, stderr: '' };
});

function files(root: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((n) => {
      const p = join(d, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  return walk(root)
    .map((p) => relative(root, p))
    .sort();
}

/** The outputs of a parallel run equal the single-process ones, byte for byte. */
function assertSameAsSingle(out: string) {
  assert.equal(single.code, 0, single.stderr);
  const a = join(dir, 'single');
  assert.ok(readFileSync(join(out, 'final-dataset.chatml.jsonl')).equals(readFileSync(join(a, 'final-dataset.chatml.jsonl'))), 'the ChatML export is byte-identical');
  assert.deepEqual(files(join(out, 'dataset')), files(join(a, 'dataset')));
  for (const f of files(join(a, 'dataset'))) {
    if (f === 'manifest.json') continue;
    assert.ok(readFileSync(join(out, 'dataset', f)).equals(readFileSync(join(a, 'dataset', f))), `${f} is byte-identical`);
  }
  const strip = (p: string) => {
    const m = JSON.parse(readFileSync(join(p, 'dataset', 'manifest.json'), 'utf8'));
    for (const k of ['created_by', 'inputs', 'tool_chain']) delete m[k];
    m.single.path = relative(p, m.single.path);
    return m;
  };
  assert.deepEqual(strip(out), strip(a));
  assert.equal(readFileSync(join(out, 'leakage.txt'), 'utf8'), '', 'the leakage gate over the merged shards found nothing');
}

test('examples/parallel: final-dataset over 3 shards and 2 hash partitions with parallel -j2 = the single process, byte for byte', { skip: skipNoParallel }, () => {
  const r = runShell(`make -s -C examples/parallel JOBS=2 SHARDS=3 PARTITIONS=2 OUT=${dir}/par`);
  assert.equal(r.code, 0, r.stderr);
  assertSameAsSingle(join(dir, 'par'));
  // The work really was sharded: three shards at every step.
  assert.deepEqual(readdirSync(join(dir, 'par', 'routed')).sort(), ['s0.jsonl', 's1.jsonl', 's2.jsonl']);
});

// ---- multi-host: the same Makefile over --sshlogin to an sshd on a loopback port -----------------
let sshd: ChildProcess | undefined;
let sshSkip: string | false = skipNoParallel;
const sshDir = join(dir, 'ssh');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startSshd(): Promise<string | false> {
  if (!existsSync('/usr/sbin/sshd')) return 'sshd is not installed (apt-get install openssh-server)';
  const keys = spawnSync('bash', [
    '-c',
    `mkdir -p ${sshDir} && ssh-keygen -q -t ed25519 -N '' -f ${sshDir}/host_key && ssh-keygen -q -t ed25519 -N '' -f ${sshDir}/user_key && cp ${sshDir}/user_key.pub ${sshDir}/authorized_keys && chmod 600 ${sshDir}/authorized_keys && mkdir -p /run/sshd`,
  ]);
  if (keys.status !== 0) return `could not make the throwaway keys: ${keys.stderr}`;
  const port = await freePort();
  writeFileSync(
    join(sshDir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${sshDir}/host_key`,
      `AuthorizedKeysFile ${sshDir}/authorized_keys`,
      `PidFile ${sshDir}/sshd.pid`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'PermitRootLogin prohibit-password',
      '',
    ].join('\n'),
  );
  sshd = spawn('/usr/sbin/sshd', ['-f', join(sshDir, 'sshd_config'), '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  sshd.stderr?.on('data', (b) => {
    log += b;
  });
  const ssh = `ssh -p ${port} -i ${sshDir}/user_key -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR`;
  process.env.PARALLEL_SSH = ssh;
  for (let i = 0; i < 50; i++) {
    if (sshd.exitCode !== null) return `sshd could not start: ${log.trim()}`;
    if (spawnSync('bash', ['-c', `${ssh} 127.0.0.1 true`]).status === 0) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return `sshd did not accept a login on 127.0.0.1:${port}: ${log.trim()}`;
}

before(async () => {
  if (!sshSkip) sshSkip = await startSshd();
  if (sshSkip && process.env.CI === 'true' && hasParallel) throw new Error(`CI=true: ${sshSkip}`);
});
after(() => {
  if (sshd && sshd.exitCode === null) sshd.kill('SIGTERM');
});

test('examples/parallel over ssh (PARALLEL_HOSTS, --sshlogin to a loopback sshd) = the single process, byte for byte', { skip: sshSkip }, (t) => {
  if (sshSkip) return t.skip(String(sshSkip));
  const log = join(dir, 'ssh-joblog');
  // From the shards of the -j2 run on (the fetch steps are the same jobs, only slower over ssh).
  const cp = runShell(
    `cp -a ${dir}/par ${dir}/ssh-out && cd ${dir}/ssh-out && rm -rf dataset final-dataset.chatml.jsonl normalized* keys drops unique* sign assignment.ndjson clustered* split* leakage.txt counts plan.bin routed* offsets.tsv shuffled*`,
  );
  assert.equal(cp.code, 0, cp.stderr);
  const r = runShell(`make -s -C examples/parallel JOBS=1 SHARDS=3 PARTITIONS=2 PARALLEL_HOSTS=127.0.0.1 PARALLEL_EXTRA='--joblog +${log}' OUT=${dir}/ssh-out`);
  assert.equal(r.code, 0, r.stderr);
  assertSameAsSingle(join(dir, 'ssh-out'));
  // Every job ran on the ssh "host" (the joblog's Host column).
  const hosts = new Set(
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t')[1]),
  );
  assert.deepEqual([...hosts], ['127.0.0.1']);
  assert.ok(readFileSync(log, 'utf8').includes('dedup-exact -q --partition'), 'the stateful steps ran over ssh too');
});
