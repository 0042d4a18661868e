// Timing of one shell pipeline for the benchmark scripts: `CMD | cat > /dev/null` under GNU time
// (bash, pipefail, LC_ALL=C, from the repository root). Plain ESM, no build.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Single-quote a word for bash. */
export const q = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

/**
 * Run `cmd` once; resolves { wall, elapsed, cpu, rss_kb }: wall seconds measured here, and from GNU
 * time its elapsed seconds, CPU seconds (user + sys) and peak RSS of the timed command (NaN without
 * /usr/bin/time). Rejects with the command's stderr when it exits non-zero.
 */
export function timeCommand(cmd, { cwd, outDir, tag = 'bench' }) {
  const timeFile = join(outDir, `.time-${tag}-${process.pid}`);
  const timed = GNU_TIME ? `${GNU_TIME} -f '%e %M %U %S' -o ${q(timeFile)} ${cmd}` : cmd;
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('bash', ['-c', `set -o pipefail; ${timed} | cat > /dev/null`], { cwd, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const text = GNU_TIME && existsSync(timeFile) ? readFileSync(timeFile, 'utf8').trim() : '';
      rmSync(timeFile, { force: true });
      const m = /(\d+(?:\.\d+)?) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(text);
      if (code !== 0 || (GNU_TIME && !m)) {
        reject(new Error(`exit ${code}: ${cmd}\n${stderr.trim()}\n${text}`.trim()));
        return;
      }
      resolve(m ? { wall, elapsed: Number(m[1]), rss_kb: Number(m[2]), cpu: Number(m[3]) + Number(m[4]) } : { wall, elapsed: wall, rss_kb: Number.NaN, cpu: Number.NaN });
    });
  });
}
