import { writeFileSync } from 'node:fs';
import { inspect } from 'node:util';

/** What a fast-check run reports (the fields of its RunDetails used here). */
export interface PropertyRunDetails {
  failed: boolean;
  interrupted: boolean;
  numRuns: number;
  numSkips: number;
  seed: number;
  counterexample: unknown;
  counterexamplePath: string | null;
  errorInstance: unknown;
}

/**
 * Parameters for `fc.assert` of a property test (issue 13): a fixed seed unless `FC_SEED` says
 * another (`FC_SEED=random` draws one), `defaultRuns` runs unless `FC_RUNS` says more, and with
 * `FC_TIME_MS` a time limit after which the run stops (not a failure). With `FC_LOG=FILE` each
 * property appends one JSON line (name, runs, seed, time, failure) to FILE: scripts/fuzz-long.mjs
 * reads them. A failure throws with the seed and path that replay it
 * (`FC_SEED=<seed> FC_PATH=<path> node --test --test-name-pattern=<the test> FILE`: the path is one property's).
 */
export function fcParams(name: string, defaultRuns: number) {
  const env = process.env;
  const seed = env.FC_SEED === 'random' ? (Math.random() * 2 ** 31) | 0 : Number(env.FC_SEED ?? 20261207) | 0;
  const numRuns = env.FC_RUNS ? Number(env.FC_RUNS) : defaultRuns;
  const t0 = Date.now();
  return {
    seed,
    numRuns,
    ...(env.FC_PATH ? { path: env.FC_PATH } : {}),
    ...(env.FC_TIME_MS ? { interruptAfterTimeLimit: Number(env.FC_TIME_MS), markInterruptAsFailure: false } : {}),
    endOnFailure: env.FC_SHRINK === '0',
    reporter(d: PropertyRunDetails): void {
      if (env.FC_LOG) {
        const line = {
          name,
          runs: d.numRuns,
          skips: d.numSkips,
          seed: d.seed,
          ms: Date.now() - t0,
          interrupted: d.interrupted,
          failed: d.failed,
          path: d.counterexamplePath,
          error: d.failed ? String(d.errorInstance).slice(0, 2000) : undefined,
          counterexample: d.failed ? short(d.counterexample) : undefined,
        };
        writeFileSync(env.FC_LOG, `${JSON.stringify(line)}\n`, { flag: 'a' });
      }
      if (d.failed)
        throw new Error(
          `property "${name}" failed after ${d.numRuns} runs (replay: FC_SEED=${d.seed} FC_PATH=${d.counterexamplePath})\ncounterexample: ${short(d.counterexample)}\n${d.errorInstance instanceof Error ? (d.errorInstance.stack ?? d.errorInstance.message) : String(d.errorInstance)}`,
        );
    },
  };
}

function short(v: unknown): string {
  const s = inspect(v, { depth: 6, maxArrayLength: 64, maxStringLength: 400, breakLength: 160 });
  return s.length > 3000 ? `${s.slice(0, 3000)}…` : s;
}
