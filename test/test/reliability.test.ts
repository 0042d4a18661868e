// Reliability suite (issue 13): every tool under bad input, full disks, signals, tampering and
// concurrent runs. Table-driven: tool × input class, tool × signal, tool × full disk. Each case
// spawns the real bins (node_modules/.bin), as a user would run them.
//
// Speed (CI budget: under 2 minutes on 2 cores): the cases are independent (each has its own
// folder), so every section runs its cases concurrently, and all processes go through one small
// pool (LDT_TEST_JOBS, default 4) so that no more than that many tool processes run at once.
// Inputs are as small as each case allows (the full-disk input only has to exceed the limit).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { repoRoot, tmpDir, waitFor } from '@ldt/testkit';

const ROOT = repoRoot();
const BIN = join(ROOT, 'node_modules', '.bin');
const WORK = tmpDir('ldt-reliability-');
after(() => rmSync(WORK, { recursive: true, force: true }));

/** How many tool processes run at once (the machine's cores are the limit; waits overlap). */
const JOBS = Math.max(1, Number(process.env.LDT_TEST_JOBS) || 4);
/** Subtests of a section run concurrently; the pool bounds the processes. */
const CONCURRENT = { concurrency: true } as const;
let active = 0;
const queue: (() => void)[] = [];

/** Run `f` holding one of the JOBS slots. */
async function pooled<T>(f: () => Promise<T>): Promise<T> {
  if (active < JOBS) active++;
  else await new Promise<void>((resolve) => queue.push(resolve)); // the slot is handed over
  try {
    return await f();
  } finally {
    const next = queue.shift();
    if (next) next();
    else active--;
  }
}

/** A chat row every tool accepts. */
function chatRow(i: number): string {
  return JSON.stringify({
    id: i,
    messages: [
      { role: 'user', content: `Question number ${i}: how many apples are ${i} apples and ${i * 7 + 3} pears together?` },
      { role: 'assistant', content: `There are ${i} apples and ${i * 7 + 3} pears, ${i * 8 + 3} pieces of fruit in all (row ${i}).` },
    ],
  });
}

const CONFIG = join(WORK, 'curriculum.yaml');
writeFileSync(CONFIG, 'seed: 1\nphases:\n  - name: all\n    sources:\n      - name: any\n        match: "*"\n        weight: 1\n');

/** Each tool with the arguments that make it run on chat rows (`{d}` = a fresh folder of the case). */
const TOOLS: Record<string, string[]> = {
  'to-chatml': [],
  'normalize-encoding': [],
  'dedup-exact': [],
  'dedup-near': [],
  'split-holdout': [],
  shuffle: ['--seed', '1'],
  'curriculum-route': ['--config', CONFIG],
  manifest: ['build', '-o', '{d}/ds', '--compress', 'none'],
  'redact-pii': [],
};

function caseDir(name: string): string {
  const d = join(WORK, name.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  mkdirSync(d, { recursive: true });
  return d;
}

function args(tool: string, d: string): string[] {
  return TOOLS[tool].map((a) => a.replaceAll('{d}', d));
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the process itself (not the wait for a pool slot). */
  ms: number;
}

/** Spawn `cmd` (a bin of node_modules/.bin, or a path) and collect its output; one pool slot while it runs. */
function run(tool: string, argv: string[], opts: { input?: Buffer | string; cwd?: string } = {}): Promise<Result> {
  return pooled(
    () =>
      new Promise<Result>((resolve, reject) => {
        const t0 = Date.now();
        const child = spawn(tool.includes('/') ? tool : join(BIN, tool), argv, {
          cwd: opts.cwd ?? ROOT,
          env: { ...process.env, PATH: `${BIN}:${process.env.PATH}` },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => out.push(c));
        child.stderr.on('data', (c: Buffer) => err.push(c));
        child.stdin.on('error', () => {});
        child.stdin.end(opts.input ?? '');
        child.once('error', reject);
        child.once('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - t0 }));
      }),
  );
}

/** A bash command line (pipefail; the bins on PATH), in the pool. */
function runShell(command: string): Promise<Result> {
  return run('/bin/bash', ['-o', 'pipefail', '-c', command]);
}

/** Every file and folder under `dir`, relative, sorted. */
function listAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(p);
      if (e.isDirectory()) walk(p);
    }
  };
  if (existsSync(dir)) walk('');
  return out.sort();
}

const TEMP_NAME = /\.tmp-\d+|\.split-holdout-|ldt-|curriculum-route-|\.lock$/;

function leftovers(dir: string): string[] {
  return listAll(dir).filter((p) => TEMP_NAME.test(p));
}

/** What no run may print: a stack trace or an internal error. */
function assertNoTrace(tool: string, stderr: string): void {
  assert.doesNotMatch(stderr, /internal error|^\s+at .*\(.*:\d+:\d+\)$|node:internal/m, `${tool} printed a trace:\n${stderr}`);
}

/** A PID that is certainly not alive: a process that has exited. */
function deadPid(): number {
  const r = spawnSync('true');
  assert.ok(r.pid && r.pid > 0);
  return r.pid as number;
}

// All sections at once too (each case has its own folder); the pool bounds the processes.
describe('reliability', CONCURRENT, () => {
  // ---------------------------------------------------------------------------------------------
  // Tool × input class: bad lines are counted in "read", rejected with --rejects, and an error with
  // file:line without it; never an internal error.

  const GOOD = [chatRow(1), chatRow(2), chatRow(3)];
  const DEEP = `{"messages":[{"role":"user","content":"deep"}],"d":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
  const INPUT_CLASSES: Record<string, Buffer> = {
    invalid_utf8: Buffer.concat([Buffer.from(`${GOOD[0]}\n{"t":"`), Buffer.from([0xff, 0xfe]), Buffer.from(`"}\n${GOOD[1]}\n`)]),
    overlong_utf8: Buffer.concat([Buffer.from(`${GOOD[0]}\n{"t":"`), Buffer.from([0xc0, 0xaf]), Buffer.from(`"}\n${GOOD[1]}\n`)]),
    too_deep: Buffer.from(`${GOOD[0]}\n${DEEP}\n${GOOD[1]}\n`),
  };

  describe('tool × input class', CONCURRENT, () => {
    const reEscape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    /** The bad line of a class input (its line 2), verbatim with its newline. */
    const badLine = (input: Buffer) => input.subarray(input.indexOf(10) + 1, input.indexOf(10, input.indexOf(10) + 1) + 1);
    for (const tool of Object.keys(TOOLS)) {
      // shuffle keeps rows as opaque lines (it parses nothing without --validate): nesting is data to it.
      const classes = Object.entries(INPUT_CLASSES).filter(([cls]) => !(tool === 'shuffle' && cls === 'too_deep'));
      const names = classes.map(([cls]) => cls).join(', ');
      test(`${tool} ${names}: counted in read, rejected verbatim with --rejects; file:line without`, async () => {
        const d = caseDir(`input-${tool}`);
        const files = classes.map(([cls, input]) => {
          const file = join(d, `${cls}.ndjson`);
          writeFileSync(file, input);
          return file;
        });
        // One run over every class file with --rejects (each file: 3 lines, line 2 bad), and one
        // run per class file without it (each its own output folder), all at once.
        const sub = (name: string) => caseDir(`input-${tool}/${name}`);
        const [r, ...stricts] = await Promise.all([
          run(tool, [...args(tool, sub('all')), '--rejects', join(d, 'rej'), '--stats', join(d, 'stats.json'), ...files]),
          ...files.map((file, i) => run(tool, [...args(tool, sub(`strict-${i}`)), file])),
        ]);
        assertNoTrace(tool, r.stderr);
        assert.equal(r.code, 0, r.stderr);
        const s = JSON.parse(readFileSync(join(d, 'stats.json'), 'utf8'));
        assert.equal(s.read, 3 * files.length, `${tool}: read counts every non-blank line\n${r.stderr}`);
        assert.equal(s.rejected_total, files.length, r.stderr);
        const byReason: Record<string, number> = {};
        for (const [cls] of classes) byReason[cls === 'too_deep' ? 'too_deep' : 'invalid_utf8'] = (byReason[cls === 'too_deep' ? 'too_deep' : 'invalid_utf8'] ?? 0) + 1;
        assert.deepEqual(s.rejected, byReason, r.stderr);
        assert.equal(s.written + s.dropped_total + s.rejected_total, s.read, JSON.stringify(s));
        assert.deepEqual(readFileSync(join(d, 'rej')), Buffer.concat(classes.map(([, input]) => badLine(input))), 'the bad lines, verbatim, in input order');
        for (const [i, strict] of stricts.entries()) {
          assertNoTrace(tool, strict.stderr);
          assert.equal(strict.code, 1, strict.stderr);
          assert.match(strict.stderr, new RegExp(`^${tool}: ${reEscape(files[i])}:2: `, 'm'));
        }
        assert.deepEqual(leftovers(d), []);
      });
    }

    test('shuffle too_deep: passed through as an opaque line', async () => {
      const d = caseDir('input-shuffle-opaque');
      const file = join(d, 'in.ndjson');
      writeFileSync(file, INPUT_CLASSES.too_deep);
      const r = await run('shuffle', [...args('shuffle', d), file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n').filter(Boolean).length, 3);
    });

    // The .zst input is written by ldt's own encoder (manifest build --single X.zst): no zstd binary needed.
    const cutZst = async (): Promise<Buffer> => {
      const src = caseDir('zst-source');
      writeFileSync(join(src, 'rows.ndjson'), `${[...GOOD, ...GOOD].join('\n')}\n`.repeat(50));
      const made = await run('manifest', ['build', '-o', join(src, 'ds'), '--single', join(src, 'rows.ndjson.zst'), join(src, 'rows.ndjson')]);
      assert.equal(made.code, 0, made.stderr);
      const zst = readFileSync(join(src, 'rows.ndjson.zst'));
      return zst.subarray(0, Math.floor(zst.length / 2));
    };
    const cutGz = async () => gzipSync(Buffer.from(`${GOOD.join('\n')}\n`.repeat(50))).subarray(0, 200);
    for (const [kind, make] of [
      ['zst', cutZst],
      ['gz', cutGz],
    ] as const) {
      test(`a truncated .${kind} input is an error naming the file, in every tool`, async () => {
        const d = caseDir(`truncated-${kind}`);
        const file = join(d, `cut.ndjson.${kind}`);
        writeFileSync(file, await make());
        const tools = Object.keys(TOOLS);
        const rs = await Promise.all(tools.map((tool) => run(tool, [...args(tool, caseDir(`truncated-${kind}/${tool}`)), file])));
        for (const [i, r] of rs.entries()) {
          const tool = tools[i];
          assertNoTrace(tool, r.stderr);
          assert.equal(r.code, 1, `${tool}: ${r.stderr}`);
          assert.ok(r.stderr.includes(file) && /corrupt or truncated/.test(r.stderr), `${tool}: ${r.stderr}`);
        }
      });
    }

    // Issue 13 bug 2 as reported: the deep value under the very key a tool reads (split-holdout's
    // default group, dedup-exact --fields (the issue's --key), dedup-near --fields) is a data error with file:line.
    test('a 10,000-level value under the key a tool reads (and a deep .json element, tool-call arguments) is rejected at read, with file:line', async () => {
      const d = caseDir('deep-keys');
      const file = join(d, 'in.ndjson');
      writeFileSync(file, `{"t":"x","d":${'['.repeat(10_000)}${']'.repeat(10_000)}}\n`);
      // to-chatml reads with the JSON/JSONL reader: a tool call's arguments (which it serialises)
      // 100,000 levels deep in a .jsonl line, and a deep element of a .json document.
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      const chat = (extra: string) => `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"${extra}}]}`;
      writeFileSync(join(d, 'in.jsonl'), `${chat(`,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"x":${deep}}}}]`)}\n`);
      writeFileSync(join(d, 'in.json'), `[${chat('')},\n${chat('').slice(0, -1)},"d":${deep}}]`);
      const cases = [
        ['split-holdout', [file]],
        ['dedup-exact', ['--fields', 'd', file]],
        ['dedup-near', ['--fields', 'd', file]],
        ['to-chatml', [join(d, 'in.jsonl')]],
        ['to-chatml', [join(d, 'in.json')]],
      ] as const;
      const rs = await Promise.all(cases.map(([tool, argv]) => run(tool, [...argv])));
      for (const [i, r] of rs.entries()) {
        const tool = cases[i][0];
        assertNoTrace(tool, r.stderr);
        assert.equal(r.code, 1, r.stderr);
        const where = cases[i][1].at(-1)?.replace(/.*\//, '').replace('.', '\\.');
        assert.match(r.stderr, new RegExp(`^${tool}: .*${where}:${where === 'in\\.json' ? 2 : 1}: row is nested more than 1000 levels deep`, 'm'));
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Outputs that are inputs or each other: usage error (exit 2) before anything is read or written.

  describe('an output that is an input or another output', CONCURRENT, () => {
    for (const tool of Object.keys(TOOLS)) {
      test(`${tool}: --rejects naming the input (or a hard link to it) is exit 2; the input is kept`, async () => {
        const d = caseDir(`same-${tool}`);
        const file = join(d, 'a.ndjson');
        const text = `${GOOD.join('\n')}\n{"bad\n`;
        writeFileSync(file, text);
        linkSync(file, join(d, 'b.ndjson'));
        const [same, link, both] = await Promise.all([
          ...[file, join(d, 'b.ndjson')].map((rej) => run(tool, [...args(tool, d), '--rejects', rej, file])),
          run(tool, [...args(tool, d), '--rejects', join(d, 'x'), '--stats', join(d, 'x'), file]),
        ]);
        for (const r of [same, link]) {
          assert.equal(r.code, 2, `${tool}: ${r.stderr}`);
          assert.match(r.stderr, /is also the input/);
        }
        assert.equal(readFileSync(file, 'utf8'), text);
        assert.equal(both.code, 2, both.stderr);
        assert.match(both.stderr, /--rejects .*x and --stats .*x are the same file/);
        assert.ok(!existsSync(join(d, 'x')));
        assert.ok(!existsSync(join(d, 'ds')));
      });
    }

    test('dedup-exact --dups naming an input, and stdout appended to an input, are refused', async () => {
      const d = caseDir('same-dups');
      const file = join(d, 'a.ndjson');
      writeFileSync(file, `${GOOD.join('\n')}\n`);
      const [r, sh] = await Promise.all([run('dedup-exact', ['--dups', file, file]), runShell(`dedup-exact ${file} >> ${file}`)]);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(sh.code, 2, sh.stderr);
      assert.match(sh.stderr, /standard output is also the input/);
      assert.equal(readFileSync(file, 'utf8'), `${GOOD.join('\n')}\n`);
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Full disk: `ulimit -f` (EFBIG) on stdout and on side files; a small tmpfs (ENOSPC) where the
  // machine allows mounting.

  // 1,000 rows (about 210 KB): over three times the 64 KiB of `ulimit -f 64` and over the 128 KiB tmpfs.
  const BIG = join(WORK, 'big.ndjson');
  writeFileSync(BIG, `${Array.from({ length: 1000 }, (_, i) => chatRow(i)).join('\n')}\n`);
  const GOODFILE = join(WORK, 'good.ndjson');
  writeFileSync(GOODFILE, `${GOOD.join('\n')}\n`);

  describe('full disk', CONCURRENT, () => {
    for (const tool of Object.keys(TOOLS)) {
      test(`${tool}: a write error on its output is one line naming it, exit 1, nothing left behind`, async () => {
        const d = caseDir(`efbig-${tool}`);
        const argv = [...args(tool, d), '--stats', `${d}/stats.json`, BIG].map((a) => `'${a}'`).join(' ');
        const r = await runShell(`cd '${d}' && ulimit -f 64 && ${tool} ${argv} > '${d}/out.ndjson'`);
        assertNoTrace(tool, r.stderr);
        assert.equal(r.code, 1, `${tool}: ${r.stderr}`);
        const first = r.stderr.split('\n')[0];
        // dedup-near may hit the limit first in its own temporary files (its shingle spill), and says so.
        assert.match(first, new RegExp(`^${tool}: cannot write .*(file too large.*EFBIG|EFBIG: file too large)`), r.stderr);
        assert.doesNotMatch(r.stderr, /read \d+, wrote/, 'no summary claims rows were written');
        assert.ok(!existsSync(`${d}/stats.json`));
        assert.deepEqual(leftovers(d), []);
      });
    }

    test('dedup-exact: a full disk on --dups names the file and removes its temporary', async () => {
      const d = caseDir('efbig-dups');
      const r = await runShell(`cd '${d}' && ulimit -f 64 && dedup-exact --dups '${d}/dups.ndjson' '${BIG}' '${BIG}' > /dev/null`);
      assertNoTrace('dedup-exact', r.stderr);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^dedup-exact: cannot write ${d}/dups.ndjson: file too large`));
      assert.deepEqual(listAll(d), []);
    });

    test('a 128 KiB tmpfs: ENOSPC on stdout and side files; EROFS for manifest on a read-only mount', async (t) => {
      const d = caseDir('tmpfs');
      const mnt = join(d, 'mnt');
      mkdirSync(mnt);
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', mnt], { encoding: 'utf8' });
      if (m.status !== 0) return t.skip(`cannot mount a tmpfs here (${(m.stderr || m.error?.message || '').trim()}); the ulimit -f cases cover write errors`);
      try {
        const r = await runShell(`shuffle --seed 1 '${BIG}' > '${mnt}/out.ndjson'`);
        assertNoTrace('shuffle', r.stderr);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^shuffle: cannot write standard output: no space left on device \(ENOSPC\)/);
        rmSync(join(mnt, 'out.ndjson'));
        const dups = await run('dedup-exact', ['--dups', join(mnt, 'dups.ndjson'), BIG, BIG]);
        assert.equal(dups.code, 1);
        assert.match(dups.stderr, /^dedup-exact: cannot write .*dups\.ndjson: no space left on device/);
        assert.deepEqual(listAll(mnt), []);
        const mb = await run('manifest', ['build', '-o', join(mnt, 'ds'), '--compress', 'none', BIG]);
        assertNoTrace('manifest', mb.stderr);
        assert.equal(mb.code, 1);
        assert.match(mb.stderr, /no space left on device/);
        assert.deepEqual(listAll(mnt), []);
        assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
        const ro = await run('manifest', ['build', '-o', join(mnt, 'ds'), GOODFILE]);
        assertNoTrace('manifest', ro.stderr);
        assert.equal(ro.code, 1);
        assert.match(ro.stderr, /read-only file system \(EROFS\)/);
      } finally {
        spawnSync('umount', [mnt]);
      }
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Signals: SIGINT / SIGTERM / SIGHUP in the middle of a run remove every temporary file and folder.

  /** A tool run reading standard input that stays open, with its temporaries in `d`. */
  const SIGNAL_CASES: Record<string, (d: string) => string[]> = {
    'dedup-exact': (d) => ['--dups', `${d}/dups.ndjson`, '--rejects', `${d}/rej.ndjson`, '--save-index', `${d}/idx`],
    'dedup-near': (d) => ['--rejects', `${d}/rej.ndjson`, '--dups', `${d}/dups.ndjson`, '--tmp-dir', d],
    'split-holdout': (d) => ['--out-dir', `${d}/split`],
    shuffle: (d) => ['--seed', '1', '--memory', '1M', '--tmpdir', d],
    'curriculum-route': (d) => ['--config', CONFIG, '-o', `${d}/routed`],
    manifest: (d) => ['build', '-o', `${d}/ds`],
    'to-chatml': (d) => ['--rejects', `${d}/rej.ndjson`],
    'normalize-encoding': (d) => ['--rejects', `${d}/rej.ndjson`],
    'redact-pii': (d) => ['--rejects', `${d}/rej.ndjson`],
  };

  function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  describe('signals', CONCURRENT, () => {
    // 3,000 rows, sent twice on an open standard input: enough for every tool to make its temporaries (shuffle spills past --memory 1M).
    const rows = Buffer.from(`${Array.from({ length: 3000 }, (_, i) => chatRow(i)).join('\n')}\n`);
    for (const tool of Object.keys(SIGNAL_CASES)) {
      // Every tool under SIGTERM; SIGINT and SIGHUP (the same handler) on the tools with the most temporaries.
      const signals = ['dedup-exact', 'manifest', 'split-holdout'].includes(tool) ? (['SIGINT', 'SIGTERM', 'SIGHUP'] as const) : (['SIGTERM'] as const);
      for (const sig of signals) {
        test(`${tool} ${sig}: every temporary file and folder is removed`, () =>
          pooled(async () => {
            const d = caseDir(`sig-${tool}-${sig}`);
            const child = spawn(join(BIN, tool), [...SIGNAL_CASES[tool](d), '-'], { cwd: d, env: { ...process.env, TMPDIR: d }, stdio: ['pipe', 'ignore', 'pipe'] });
            const guard = setTimeout(() => child.kill('SIGKILL'), 120_000); // never left behind
            child.once('exit', () => clearTimeout(guard));
            let stderr = '';
            child.stderr?.on('data', (c) => (stderr += c));
            child.stdin?.on('error', () => {});
            child.stdin?.write(rows);
            child.stdin?.write(rows);
            const appeared = await waitFor(() => leftovers(d).length > 0 || child.exitCode !== null, 30_000);
            assert.ok(appeared && child.exitCode === null, `${tool} made a temporary in ${d} while running (${listAll(d).join(', ')}; ${stderr})`);
            child.kill(sig);
            const r = await exited(child);
            assert.equal(r.signal, sig, `${tool} ends by the signal (${JSON.stringify(r)}, ${stderr})`);
            assert.deepEqual(leftovers(d), [], `${tool} left temporaries`);
            assertNoTrace(tool, stderr);
          }));
      }
    }

    test('a stale NAME.tmp-PID of a dead run is removed by the next run into the same place; a live one is kept', async () => {
      const d = caseDir('stale');
      const dead = deadPid();
      writeFileSync(`${d}/dups.ndjson.tmp-${dead}`, 'half');
      writeFileSync(`${d}/rej.ndjson.tmp-${process.pid}`, 'live');
      mkdirSync(`${d}/ds.tmp-${dead}/all`, { recursive: true });
      writeFileSync(`${d}/ds.tmp-${dead}/all/part-00000.jsonl.zst`, 'x'.repeat(1000));
      mkdirSync(`${d}/routed`);
      writeFileSync(`${d}/routed/all.jsonl.tmp-${dead}`, 'half');
      writeFileSync(`${d}/idx.tmp-${dead}`, 'half');
      const rs = await Promise.all([
        run('dedup-exact', ['--dups', `${d}/dups.ndjson`, '--rejects', `${d}/rej.ndjson`, '--save-index', `${d}/idx`, GOODFILE]),
        run('manifest', ['build', '-o', `${d}/ds`, GOODFILE]),
        run('curriculum-route', ['--config', CONFIG, '-o', `${d}/routed`, GOODFILE]),
      ]);
      for (const r of rs) assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(leftovers(d), [`rej.ndjson.tmp-${process.pid}`]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Concurrent writers of persistent outputs: the second fails at once; stale locks are taken over.

  describe('concurrent writers', CONCURRENT, () => {
    const cases: Record<string, { argv: (d: string) => string[]; target: (d: string) => string }> = {
      'dedup-exact': { argv: (d) => ['--save-index', `${d}/idx`], target: (d) => `${d}/idx` },
      'dedup-near': { argv: (d) => ['--save-index', `${d}/idx`], target: (d) => `${d}/idx` },
      manifest: { argv: (d) => ['build', '-o', `${d}/ds`], target: (d) => `${d}/ds` },
    };
    for (const [tool, c] of Object.entries(cases)) {
      test(`${tool}: a second writer of ${c.target('DIR').replace('DIR/', '')} fails at once naming the first; stale locks are taken over`, async (t) => {
        const d = caseDir(`lock-${tool}`);
        const first = spawn(join(BIN, tool), [...c.argv(d), '-'], { cwd: d, stdio: ['pipe', 'ignore', 'pipe'] });
        t.after(() => first.kill()); // not left waiting on its input when an assertion fails
        first.stdin?.write(`${GOOD.join('\n')}\n`);
        assert.ok(await waitFor(() => existsSync(`${c.target(d)}.lock`), 15_000), 'the first run holds a lock');
        const second = await run(tool, [...c.argv(d), GOODFILE]);
        assert.equal(second.code, 1, second.stderr);
        assert.match(second.stderr, new RegExp(`is being written by another run \\(PID ${first.pid} on host `));
        assert.ok(second.ms < 10_000, `the second writer failed at once (${second.ms} ms)`);
        first.stdin?.end();
        const r = await exited(first);
        assert.equal(r.code, 0);
        assert.ok(!existsSync(`${c.target(d)}.lock`));
        // A lock left by a dead run on this host is stale; one from another host is not.
        writeFileSync(`${c.target(d)}.lock`, JSON.stringify({ host: hostname(), pid: deadPid(), started: 'x' }));
        assert.equal((await run(tool, [...c.argv(d), GOODFILE])).code, 0);
        writeFileSync(`${c.target(d)}.lock`, JSON.stringify({ host: 'elsewhere.example', pid: 1, started: 'x' }));
        const other = await run(tool, [...c.argv(d), GOODFILE]);
        assert.equal(other.code, 1);
        assert.match(other.stderr, /on host elsewhere\.example/);
        assert.match(other.stderr, /remove .*\.lock/);
      });
    }
  });

  // ---------------------------------------------------------------------------------------------
  // Manifest tampering and rebuilds.

  describe('manifest folders', CONCURRENT, () => {
    test('a rebuild over a folder holding a file its manifest does not list is a usage error naming it', async () => {
      const d = caseDir('rebuild');
      assert.equal((await run('manifest', ['build', '-o', `${d}/ds`, GOODFILE])).code, 0);
      writeFileSync(`${d}/ds/notes.txt`, 'mine');
      const r = await run('manifest', ['build', '-o', `${d}/ds`, GOODFILE]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /holds notes\.txt, which its manifest\.json does not list/);
      assert.equal(readFileSync(`${d}/ds/notes.txt`, 'utf8'), 'mine');
      rmSync(`${d}/ds/notes.txt`);
      assert.equal((await run('manifest', ['build', '-o', `${d}/ds`, GOODFILE])).code, 0);
      assert.deepEqual(leftovers(d), []);
      assert.ok(statSync(`${d}/ds/manifest.json`).isFile());
    });
  });

  describe('manifest tampering', CONCURRENT, () => {
    const d = caseDir('tamper');
    const ds = `${d}/ds`;
    const MIX = join(ROOT, 'examples', 'manifest-mix.ndjson');
    // Each edit of manifest.json, and what verify must say about it.
    const TAMPERS: [string, (m: Record<string, any>) => void, RegExp][] = [
      ['a shard token count', (m) => (m.shards[0].tokens += 1), /shards\[0\]\.tokens .* but its rows hold/],
      ['totals.tokens', (m) => (m.totals.tokens += 1), /totals\.tokens \d+ but the rows hold/],
      ['totals.raw_bytes', (m) => (m.totals.raw_bytes += 1), /totals\.raw_bytes/],
      ['totals.stored_bytes', (m) => (m.totals.stored_bytes += 1), /totals\.stored_bytes/],
      ['totals.shards', (m) => (m.totals.shards += 1), /totals\.shards/],
      ['totals.partitions', (m) => (m.totals.partitions += 1), /totals\.partitions/],
      ['sources', (m) => (m.sources[0].rows += 1), /sources do not match/],
      ['fields', (m) => (m.fields[Object.keys(m.fields)[0]].count += 1), /fields do not match/],
      ['an unknown counting rule', (m) => (m.tokenizer.count_rule = 'other/9'), /counting rule "other\/9" is not known/],
      ['a shard path out of the folder', (m) => (m.shards[0].path = '../../etc/hostname'), /shards\[0\]\.path "\.\.\/\.\.\/etc\/hostname" leaves the dataset folder/],
      ['an absolute shard path', (m) => (m.shards[0].path = '/etc/hostname'), /is absolute/],
    ];
    // The dataset every tamper case copies, built once (the first case to need it starts the build).
    let base: Promise<Result> | undefined;
    const baseBuilt = async () => {
      base ??= run('manifest', ['build', '-o', ds, MIX]);
      const b = await base;
      assert.equal(b.code, 0, b.stderr);
    };
    test('a clean build verifies; verify recounts with the rule the manifest records (none recorded: the legacy rule)', async () => {
      await baseBuilt();
      const r = await run('manifest', ['verify', ds]);
      assert.equal(r.code, 0, r.stderr);
      const m = JSON.parse(readFileSync(`${ds}/manifest.json`, 'utf8'));
      assert.equal(m.tokenizer.count_rule, 'record-model-v2');
      // A manifest written before the rule was recorded counted by messages-content-v1: verify
      // recounts its rows that way, so the same figures under the legacy rule verify only when
      // both rules give the same counts (here: text rows only).
      const textOnly = `${d}/text-only.ndjson`;
      writeFileSync(textOnly, '{"text":"an old dataset of plain text","meta":{"source":"hf://datasets/a/b"}}\n{"text":"a second row","meta":{"source":"hf://datasets/a/b"}}\n');
      const built = `${d}/text-ds`;
      assert.equal((await run('manifest', ['build', '-o', built, textOnly])).code, 0);
      const tm = JSON.parse(readFileSync(`${built}/manifest.json`, 'utf8'));
      delete tm.tokenizer.count_rule;
      writeFileSync(`${built}/manifest.json`, JSON.stringify(tm));
      const v = await run('manifest', ['verify', built]);
      assert.equal(v.code, 0, v.stderr);
      // A chat row with a tool call: the legacy rule counts other texts than record-model-v2, so the
      // recorded figures no longer match once the rule is said to be the legacy one.
      const tools = `${d}/tools.ndjson`;
      const toolRow = {
        messages: [
          { role: 'user', content: 'weather in Paris?' },
          { role: 'assistant', content: '', tool_calls: [{ id: 'c0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'c0', content: '18C' },
        ],
        meta: { source: 'hf://datasets/a/c' },
      };
      writeFileSync(tools, `${JSON.stringify(toolRow)}\n`);
      const td = `${d}/tools-ds`;
      assert.equal((await run('manifest', ['build', '-o', td, tools])).code, 0);
      assert.equal((await run('manifest', ['verify', td])).code, 0);
      const om = JSON.parse(readFileSync(`${td}/manifest.json`, 'utf8'));
      om.tokenizer.count_rule = 'messages-content-v1';
      writeFileSync(`${td}/manifest.json`, JSON.stringify(om));
      const o = await run('manifest', ['verify', td]);
      assert.equal(o.code, 1);
      assert.match(o.stderr, /tokens .* but its rows hold/);
    });
    for (const [what, edit, says] of TAMPERS) {
      test(`verify names an edited ${what}; cat refuses paths out of the folder`, async () => {
        const t = `${d}/t-${what.replace(/\W+/g, '_')}`;
        await baseBuilt();
        rmSync(t, { recursive: true, force: true });
        spawnSync('cp', ['-r', ds, t]);
        const m = JSON.parse(readFileSync(`${t}/manifest.json`, 'utf8'));
        edit(m);
        writeFileSync(`${t}/manifest.json`, JSON.stringify(m, null, 2));
        const r = await run('manifest', ['verify', t]);
        assertNoTrace('manifest', r.stderr);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, says);
        if (/path/.test(what)) {
          const c = await run('manifest', ['cat', t]);
          assert.equal(c.code, 1);
          assert.equal(c.stdout, '', 'nothing of the outside file is printed');
        }
      });
    }
    test('a shard that is a symbolic link out of the folder is refused by cat and verify', async () => {
      const t = `${d}/t-link`;
      await baseBuilt();
      spawnSync('cp', ['-r', ds, t]);
      const m = JSON.parse(readFileSync(`${t}/manifest.json`, 'utf8'));
      const shard = `${t}/${m.shards[0].path}`;
      const outside = `${d}/outside.jsonl.zst`;
      spawnSync('mv', [shard, outside]);
      spawnSync('ln', ['-s', outside, shard]);
      for (const r of await Promise.all(['cat', 'verify'].map((cmd) => run('manifest', [cmd, t])))) {
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /leads outside the dataset folder/);
      }
    });
  });
});
