import { createReadStream, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import { defaultWorkers, LineWriter, mapLineChunks, readRows, TempDir } from '@ldt/ndjson';
import { parsePath, parsePaths } from '@ldt/schema';
import type { NormalizeMode } from '@ldt/text';
import { formatLeak, LeakChecker } from './check.js';
import { prepareSplitChunk } from './parallel.js';
import { parseRatios } from './ratios.js';
import { type Holdout, parseHoldoutIds, Splitter } from './split.js';

/** Grouping options shared by splitting and `check`. */
export interface GroupRunOptions {
  /** Dotted paths of the group key; none: meta.content_hash, else the row's content. */
  groupBy?: string[];
  normalize: NormalizeMode;
  missingGroup: 'error' | 'own';
}

/** Everything a split run needs (the CLI options, typed, with defaults applied). */
export interface SplitRunOptions extends GroupRunOptions {
  /** `train=0.98,val=0.01,test=0.01`. */
  ratios: string;
  seed: number;
  /** Worker threads for the one-pass case (default: CPUs, at most 4). */
  threads?: number;
  /** `PATH=GLOB` rules. */
  holdout: string[];
  holdoutFile?: string;
  holdoutKey: string;
  holdoutSplit: string;
  /** A --holdout rule that matches no row is an error unless this is set (shards under GNU parallel). */
  allowEmptyHoldout: boolean;
  stratify?: string;
  outDir?: string;
  /** Parent of the stdin spool (default $TMPDIR, else the OS temporary directory). */
  tmpDir?: string;
  quiet: boolean;
}

/** Parse `--holdout PATH=GLOB` rules. */
export function parseHoldouts(rules: readonly string[]): Holdout[] {
  return rules.map((h) => {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--holdout must be PATH=GLOB, e.g. meta.family=sarcasm or meta.source=hf://datasets/org/*; got ${JSON.stringify(h)}`);
    return { path: parsePath(h.slice(0, eq)), value: h.slice(eq + 1) };
  });
}

/**
 * Split the rows of `ctx.inputs`: one pass to stdout through worker threads in the common case;
 * with hard holdouts a first pass over the input (standard input spooled to a private temporary
 * directory) finds the held-out groups; with --out-dir one atomic file per split. Counts, notes,
 * warnings and summary facts go to `ctx`.
 */
export async function runSplit(o: SplitRunOptions, ctx: ToolContext): Promise<void> {
  const ratios = parseRatios(o.ratios);
  const holdouts = parseHoldouts(o.holdout);
  let holdoutIds: Set<string> | undefined;
  if (o.holdoutFile) {
    let text: string;
    try {
      text = readFileSync(o.holdoutFile, 'utf8');
    } catch (e) {
      throw new DataError(`cannot read --holdout-file ${o.holdoutFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    holdoutIds = parseHoldoutIds(text, o.holdoutFile);
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(o.holdoutSplit))
    throw new UsageError(`--holdout-split must be letters, digits, '_', '.' or '-'; got ${JSON.stringify(o.holdoutSplit)}`);
  const stratify = o.stratify !== undefined ? parsePath(o.stratify) : undefined;
  const splitter = new Splitter({
    groupBy: o.groupBy ? parsePaths(o.groupBy) : [],
    normalize: o.normalize,
    missingGroup: o.missingGroup,
    ratios,
    seed: o.seed,
    holdouts,
    holdoutIds,
    holdoutKey: parsePath(o.holdoutKey),
    holdoutSplit: o.holdoutSplit,
    stratify,
  });

  const { report, out } = ctx;
  const temps: TempDir[] = [];
  try {
    // Hard holdouts need two passes; standard input is spooled (as read, compressed or not) so it can be read twice.
    let stdinFor = (): Readable => ctx.io.stdin;
    if (splitter.needsScan && ctx.inputs.includes('-')) {
      const t = new TempDir(o.tmpDir ?? (ctx.io.env.TMPDIR || tmpdir()), 'ldt-split-holdout-', { label: '--tmp-dir ', hint: 'give --tmp-dir DIR with free space' });
      temps.push(t);
      const spool = t.createFile('stdin');
      await pipeline(ctx.io.stdin, spool.stream);
      stdinFor = () => createReadStream(spool.path);
    }
    if (splitter.needsScan) {
      const ignore = { reject() {} };
      const opts = { stdin: stdinFor(), rejector: report.hasRejects ? ignore : undefined, counts: { lines: 0, blank: 0 } };
      for await (const batch of readRows(ctx.inputs, opts)) splitter.scan(batch);
      // A rule that matches nothing is most likely a typo that would silently put the family in train.
      const empty = holdouts.map((h, i) => (splitter.holdoutHits[i] === 0 ? `${h.path.text}=${h.value}` : undefined)).filter((x) => x !== undefined);
      if (empty.length > 0) {
        const what = `--holdout ${empty.map((e) => JSON.stringify(e)).join(', ')} matched no row`;
        if (!o.allowEmptyHoldout)
          throw new DataError(what, undefined, 'check the PATH and the GLOB (* any run of characters, ? one); pass --allow-empty-holdout when a shard may lack them');
        ctx.warn(what);
      }
    }

    let writers: LineWriter[] = [];
    let dirTmp: TempDir | undefined;
    if (o.outDir) {
      try {
        mkdirSync(o.outDir, { recursive: true });
      } catch (e) {
        throw new DataError(`cannot create --out-dir ${o.outDir}: ${(e as Error).message}`);
      }
      const t = new TempDir(o.outDir, '.split-holdout-');
      dirTmp = t;
      temps.push(t);
      writers = splitter.names.map((n) => new LineWriter(t.createFile(`${n}.ndjson`).stream));
    }
    const emit = o.outDir ? (s: number, line: string) => writers[s].push(line) : (_s: number, line: string) => out.push(line);
    const readOptions = { ...ctx.readOptions, stdin: stdinFor() };
    if (!o.outDir && !splitter.needsScan && !stratify) {
      // The common one-pass case: group hashes, splits and output lines in worker threads; the
      // counting and writing here, in input order (byte-identical output for any --threads).
      const wire = { groupBy: o.groupBy ?? [], normalize: o.normalize, missingGroup: o.missingGroup, seed: o.seed, ratios };
      const chunks = mapLineChunks(ctx.inputs, readOptions, {
        threads: o.threads ?? defaultWorkers(ctx.inputs),
        workerUrl: new URL('./split-worker.js', import.meta.url),
        workerData: wire,
        inline: (chunk) => prepareSplitChunk(chunk, splitter),
        rejector: report.hasRejects ? report : undefined,
      });
      for await (const { result, before } of chunks) {
        for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
        for (const b of splitter.applyPrepared(result, report)) out.pushBytes(b);
        await out.flush();
        await report.flushSinks();
      }
    } else {
      for await (const batch of readRows(ctx.inputs, readOptions)) {
        splitter.splitRows(batch, report, emit);
        if (o.outDir) for (const w of writers) await w.flush();
        else await out.flush();
        await report.flushSinks();
      }
    }
    if (o.outDir && dirTmp) {
      for (const w of writers) await w.end();
      for (const n of splitter.names) renameSync(join(dirTmp.path, `${n}.ndjson`), join(o.outDir, `${n}.ndjson`));
      ctx.summaryExtra.push(`wrote ${splitter.names.map((n) => `${n}.ndjson`).join(', ')} to ${o.outDir}`);
    }
  } finally {
    for (const t of temps) t.remove();
  }

  Object.assign(report.notes, splitter.toJSON());
  if (holdouts.length > 0) report.notes.holdout_rules = Object.fromEntries(holdouts.map((h, i) => [`${h.path.text}=${h.value}`, splitter.holdoutHits[i]]));
  ctx.summaryExtra.unshift(splitter.describe());
  if (splitter.needsScan)
    ctx.summaryExtra.push(
      `held out ${splitter.heldRows + splitter.heldByGroup} rows to ${splitter.names[splitter.holdoutIndex]} (${splitter.heldRows} matching, ${splitter.heldByGroup} more of their groups)`,
    );
  if (holdoutIds && splitter.idsMatched.size < holdoutIds.size)
    ctx.warn(`${holdoutIds.size - splitter.idsMatched.size} of ${holdoutIds.size} --holdout-file ids matched no row's ${o.holdoutKey}`);
  if (stratify) {
    await out.settle(); // per-stratum lines follow: a reader gone away is a quiet exit
    if (!o.quiet) {
      const list = [...splitter.strata];
      for (const [name, c] of list.slice(0, 50)) ctx.io.stderr.write(`split-holdout: stratum ${JSON.stringify(name)}: ${splitter.describe(c)}\n`);
      if (list.length > 50) ctx.io.stderr.write(`split-holdout: … ${list.length - 50} more strata (see --stats)\n`);
    }
    for (const d of splitter.deviations()) ctx.warn(d);
  }
}

/**
 * Audit split files for leaks (`split-holdout check`): writes one line per leak to stdout and
 * returns the number of leaks (the CLI exits 1 when it is not 0).
 */
export async function runCheck(o: GroupRunOptions & { near: boolean }, ctx: ToolContext): Promise<number> {
  const checker = new LeakChecker({ groupBy: o.groupBy ? parsePaths(o.groupBy) : [], normalize: o.normalize, missingGroup: o.missingGroup, near: o.near });
  const { report, out } = ctx;
  report.audit = true;
  for await (const batch of readRows(ctx.inputs, ctx.readOptions)) {
    const leaks = checker.checkRows(batch);
    for (const l of leaks) out.push(formatLeak(l));
    await out.flush();
    await report.flushSinks();
  }
  report.notes.splits = Object.fromEntries(checker.splits.map((s, i) => [s, checker.rowsPerSplit[i]]));
  report.notes.leaks = { ...checker.counts };
  const kinds = [`exact ${checker.counts.exact}`];
  if (o.groupBy) kinds.push(`group ${checker.counts.group}`);
  if (o.near) kinds.push(`near ${checker.counts.near}`);
  ctx.summaryExtra.push(`splits: ${checker.splits.map((s, i) => `${s} ${checker.rowsPerSplit[i]}`).join(', ') || 'none'}`, `leaks: ${kinds.join(', ')}`);
  // A reader gone away (`check | head -1`) is a quiet exit 0, not the leak exit 1: find out here.
  await out.settle();
  return checker.total;
}
