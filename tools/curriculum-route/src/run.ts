import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStateFile, type ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import { LineAssembler, LineWriter, parseChunk, readLineChunks, readRows, TempDir } from '@ldt/ndjson';
import { type Json, parsePaths } from '@ldt/schema';
import { loadTokenCounter } from '@ldt/tokens';
import { loadConfig } from './config.js';
import { DEFAULT_MAX_EPOCHS, DEFAULT_SEED } from './defaults.js';
import { CurriculumRouter, type PhaseResult } from './route.js';

/** Everything a curriculum-route run needs: the CLI options, typed, with defaults applied. */
export interface CurriculumRouteRunOptions {
  /** The curriculum file (YAML, or JSON by a .json extension); required. */
  config?: string;
  /** Write DIR/<phase>.jsonl per phase instead of stdout. */
  outDir?: string;
  /** Rows no phase matches: `reject`, `drop`, or the name of a phase that takes them. */
  unmatched: string;
  /** Seed of the row hash (default: the config's, else DEFAULT_SEED). */
  seed?: number;
  /** Most copies of a row (default: the config's max_epochs, else DEFAULT_MAX_EPOCHS). */
  maxEpochs?: number;
  /** Tokenizer name or tokenizer.json; undefined: the bytes/4 estimate. */
  tokenizer?: string;
  /** Sharded form, step 1: write the counts of the rows here instead of rows. */
  countsOut?: string;
  /** Sharded form, step 2: merge the counts files (the inputs) into this plan. */
  planOut?: string;
  /** Sharded form, step 3: take this shard's copies from the plan. */
  plan?: string;
  /** The fields whose strings are the row's text; undefined: by record kind. */
  fields?: string[];
  /** Give a short source's shortfall to the other sources of its phase. */
  rebalance: boolean;
  /** Fail (DataError, nothing written) when a phase target cannot be met. */
  strict: boolean;
  /** Parent of the spool of standard input (default $TMPDIR, else the OS temporary directory). */
  tmpDir?: string;
  /** No per-phase lines on stderr. */
  quiet: boolean;
}

/**
 * Route the rows of `ctx.inputs` into the phases of the curriculum and write every taken row (and
 * its repeated copies) with meta.phase to `ctx.out`, or to one atomic file per phase; or one step
 * of the sharded form (`countsOut`, `planOut`, `plan`). The input is read twice (standard input is
 * spooled to a private temporary directory). Per-phase results go to the notes, warnings to
 * `ctx.warn`, and (unless `quiet`) one line per phase to stderr.
 */
export async function runCurriculumRoute(o: CurriculumRouteRunOptions, ctx: ToolContext): Promise<void> {
  const configPath = o.config;
  if (!configPath) throw new UsageError('curriculum-route needs --config FILE', 'see configs/curriculum.example.yaml');
  const config = await loadConfig(configPath);
  const unmatched = o.unmatched;
  if (unmatched !== 'reject' && unmatched !== 'drop' && !config.phases.some((p) => p.name === unmatched))
    throw new UsageError(`--unmatched must be reject, drop or a phase of the config (${config.phases.map((p) => p.name).join(', ')}); got ${JSON.stringify(unmatched)}`);
  const seed = o.seed ?? config.seed ?? DEFAULT_SEED;
  const maxEpochs = o.maxEpochs ?? config.max_epochs ?? DEFAULT_MAX_EPOCHS;
  const tokens = await loadTokenCounter(o.tokenizer);
  const textField = o.fields;
  const router = new CurriculumRouter({ config, seed, maxEpochs, unmatched, tokens, textFields: textField ? parsePaths(textField) : undefined, rebalance: o.rebalance });

  // The sharded (two-step) form: counts per shard, one merged plan, select per shard.
  const countsOut = o.countsOut;
  const planOut = o.planOut;
  const planIn = o.plan;
  if ([countsOut, planOut, planIn].filter((x) => x !== undefined).length > 1)
    throw new UsageError('--counts-out, --plan-out and --plan are the three steps of the sharded form; give one of them');
  if ((countsOut || planOut) && o.outDir) throw new UsageError(`--out-dir writes rows; --${countsOut ? 'counts-out' : 'plan-out'} writes none`);
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  // Everything the copies depend on besides the rows: counts and plans must agree on it.
  const fingerprint = sha256(JSON.stringify({ config, seed, maxEpochs, unmatched, tokenizer: tokens.name, textField: textField ?? null, rebalance: o.rebalance }));
  const readHeaded = (file: string, format: string) =>
    readStateFile(
      file,
      format,
      fingerprint,
      format.includes('counts') ? 'write it with curriculum-route --counts-out' : 'write it with curriculum-route --plan-out',
      '--config, --seed, --max-epochs, --unmatched, --tokenizer, --fields or --rebalance',
    );
  if (planOut) {
    const shards: { rows: number; counts_sha256: string }[] = [];
    for (const input of ctx.inputs) {
      if (input === '-') throw new UsageError('--plan-out reads --counts-out files, not standard input');
      const { head, body } = readHeaded(input, 'ldt-curriculum-counts/1');
      const rows = Number(head.rows);
      router.addCounts(body, rows);
      shards.push({ rows, counts_sha256: sha256(body) });
    }
    const results = router.plan();
    if (o.strict) assertTargets(results, o.rebalance);
    const copies = router.plannedCopies;
    const w = ctx.openOutputFile(planOut);
    w.pushBytes(Buffer.from(`${JSON.stringify({ format: 'ldt-curriculum-plan/1', fingerprint, shards, phases: results })}\n`));
    const le = Buffer.alloc(2 * copies.length);
    for (let i = 0; i < copies.length; i++) le.writeUInt16LE(copies[i], 2 * i);
    w.pushBytes(le);
    await w.flush();
    ctx.report.notes.shards = shards.length;
    ctx.report.notes.phases = results as unknown as Json;
    for (const wn of router.warnings) ctx.warn(wn);
    if (!o.quiet) for (const line of phaseLines(results, tokens.estimate)) ctx.io.stderr.write(`curriculum-route: ${line}\n`);
    return;
  }

  // Output: stdout, or one atomic file per phase.
  const outDir = o.outDir;
  let writers: LineWriter[] | undefined;
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    writers = config.phases.map((p) => ctx.openOutputFile(join(outDir, `${p.name}.jsonl`)));
  }

  // Pass 1. Standard input is spooled (rows only, one per line) to a temporary file for pass 2.
  const { report } = ctx;
  const spoolDir = ctx.inputs.includes('-') ? new TempDir(o.tmpDir ?? (ctx.io.env.TMPDIR || tmpdir()), 'curriculum-route-') : undefined;
  const spoolFile = spoolDir?.createFile('rows.ndjson');
  const spool = spoolFile?.path;
  try {
    const spoolWriter = spoolFile ? new LineWriter(spoolFile.stream, undefined, `the spool of standard input ${spoolFile.path}`) : undefined;
    for (const input of ctx.inputs) {
      router.startInput();
      if (!spoolWriter) {
        for await (const batch of readRows([input], ctx.readOptions)) {
          router.observe(batch, report);
          await report.flushSinks();
        }
        continue;
      }
      // Standard input, chunk by chunk (readRows' loop, which hides the chunks): a chunk whose
      // every line is a row as read (no blank or rejected line, no CR, ending in \n) is spooled as
      // it is, one buffer handed over; otherwise row by row (issue 17: the per-row copy was ~10% of
      // the stage in a CPU profile).
      const counts = ctx.readOptions.counts ?? { lines: 0, blank: 0 };
      for await (const chunk of readLineChunks([input], { ...ctx.readOptions, counts })) {
        const batch = parseChunk(chunk, counts, ctx.readOptions.rejector, true);
        if (batch.length === 0) continue;
        router.observe(batch, report);
        let asRead = 0;
        for (const r of batch) asRead += r.bytes ? r.bytes.length + 1 : Number.NaN;
        if (asRead === chunk.buf.length) spoolWriter.pushBytes(chunk.buf);
        else for (const r of batch) spoolWriter.pushEdited(r.raw, r.bytes);
        await spoolWriter.flush();
        await report.flushSinks();
      }
    }
    await spoolWriter?.end();
    if (countsOut) {
      const body = router.countsBytes();
      const w = ctx.openOutputFile(countsOut);
      w.pushBytes(Buffer.from(`${JSON.stringify({ format: 'ldt-curriculum-counts/1', fingerprint, rows: router.line.n })}\n`));
      w.pushBytes(body);
      await w.flush();
      ctx.summaryExtra.push(`counted ${router.line.n} rows into ${countsOut}`);
      return;
    }
    let results: PhaseResult[];
    if (planIn) {
      const { head, body } = readHeaded(planIn, 'ldt-curriculum-plan/1');
      const mine = sha256(router.countsBytes());
      const shards = head.shards as { rows: number; counts_sha256: string }[];
      const at = shards.flatMap((s, k) => (s.counts_sha256 === mine ? [k] : []));
      if (at.length !== 1)
        throw new DataError(
          at.length === 0 ? 'this input is not one of the shards the plan was made from' : `this input matches ${at.length} shards of the plan (identical shards)`,
          { file: planIn, line: 1 },
          'give the plan the --counts-out files of exactly these shards',
        );
      const from = shards.slice(0, at[0]).reduce((n, s) => n + s.rows, 0);
      const copies = new Uint16Array(shards[at[0]].rows);
      for (let i = 0; i < copies.length; i++) copies[i] = body.readUInt16LE(2 * (from + i));
      results = head.phases as PhaseResult[];
      router.useCopies(copies, results);
      ctx.report.notes.shard = at[0];
    } else results = router.plan();
    if (o.strict) assertTargets(results, o.rebalance);

    // Pass 2, on bytes: the taken lines are assembled (copied, with their new meta) into one output
    // buffer per phase and chunk, sized by the chunk. (It was a list of pieces per line joined by
    // Buffer.concat: ~15% of the stage in a CPU profile, issue 17.)
    const nPhases = config.phases.length;
    let asms: (LineAssembler | undefined)[] = new Array(nPhases);
    let chunkBytes = 1 << 20;
    // On stdout, one assembler keeps input order across phases.
    const emit = (p: number): LineAssembler => {
      const k = writers ? p : 0;
      let a = asms[k];
      if (!a) asms[k] = a = new LineAssembler(chunkBytes + (chunkBytes >> 3) + 4096);
      return a;
    };
    const flush = async () => {
      for (let p = 0; p < nPhases; p++) {
        const a = asms[p];
        if (a && a.lines > 0) (writers ? writers[p] : ctx.out).pushBytes(a.take().bytes);
      }
      asms = new Array(nPhases);
      if (writers) for (const w of writers) await w.flush();
      else await ctx.out.flush();
    };
    const META = Buffer.from('"meta"');
    const noReject = { reject() {} };
    const passes = spool ? [[spool, 0, router.line.n] as const] : ctx.inputs.map((f, k) => [f, router.inputStart[k], router.inputStart[k + 1] ?? router.line.n] as const);
    // One pass per epoch: copy k of every row of a file is written in pass k over that file, so
    // repeats are spread through the phase (an epoch apart from their original, in the same order).
    const epochs = Math.max(1, router.maxCopies);
    // Per input file, so the sharded form (one file per shard) gives the same bytes.
    for (const [file, from, to] of passes)
      for (let epoch = 0; epoch < epochs; epoch++) {
        let i = from;
        for await (const chunk of readLineChunks([file], { stdin: ctx.io.stdin, rejector: noReject })) {
          const buf = chunk.buf;
          chunkBytes = buf.length;
          let line = spool ? i + 1 - from : chunk.firstLine;
          let start = 0;
          let nextMeta = buf.indexOf(META);
          while (start < buf.length && i < to) {
            let end = buf.indexOf(10, start);
            if (end < 0) end = buf.length;
            const want = spool ? i + 1 - from : router.line.a[i];
            if (line === want) {
              let stop = end;
              if (stop > start && buf[stop - 1] === 13) stop--;
              if (nextMeta >= 0 && nextMeta < start) nextMeta = buf.indexOf(META, start);
              router.emitBytes(i, buf, start, stop, nextMeta >= 0 && nextMeta < stop, emit, report, epoch);
              i++;
            }
            start = end + 1;
            line++;
          }
          await flush();
        }
        if (i !== to)
          throw new DataError(`${file} changed between the two passes (found ${i - from} of ${to - from} rows)`, undefined, 'do not modify an input while curriculum-route runs');
      }

    // Summary.
    report.notes.seed = seed;
    report.notes.max_epochs = maxEpochs;
    report.notes.tokenizer = tokens.name;
    report.notes.repeats = router.repeats;
    report.notes.phases = results as unknown as Json;
    // The per-phase lines are printed here, so first make sure stdout took everything: a reader gone away is a quiet exit.
    await ctx.out.settle();
    for (const w of router.warnings) ctx.warn(w);
    // Settle stdout first: a failed write (full disk) must not be preceded by a report of rows written.
    if (!writers) await ctx.out.settle();
    if (!o.quiet && !planIn) for (const line of phaseLines(results, tokens.estimate)) ctx.io.stderr.write(`curriculum-route: ${line}\n`);
    report.repeated = router.repeats;
  } finally {
    spoolDir?.remove();
  }
}

/** --strict: a DataError (exit 1, before anything is written) when a phase target cannot be met. */
function assertTargets(results: PhaseResult[], rebalance: boolean): void {
  const short = results.filter((r) => r.short);
  if (short.length > 0)
    throw new DataError(
      `--strict: ${short
        .map(
          (r) =>
            `phase ${r.phase} gets ${r.unit === 'tokens' ? r.tokens : r.rows} of its ${r.target} ${r.unit}${
              rebalance
                ? ''
                : ` (short: ${r.sources
                    .filter((x) => x.short)
                    .map((x) => x.name)
                    .join(', ')})`
            }`,
        )
        .join('; ')}`,
      undefined,
      rebalance
        ? 'add rows, lower the target or raise --max-epochs'
        : 'add rows, lower the target, raise --max-epochs, or pass --rebalance to give the shortfall to the other sources',
    );
}

function rowsText(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

function pct(x: number | null): string {
  return x === null ? '-' : `${(100 * x).toFixed(1)}%`;
}

/** One line per phase: `phase sft: target 300 rows, got 300 rows / 45678 tokens; chat 150 (50.0%, want 50.0%), …`. */
export function phaseLines(results: PhaseResult[], estimate: boolean): string[] {
  const t = estimate ? 'tokens (estimate)' : 'tokens';
  return results.map((r) => {
    const head = `phase ${r.phase}: ${r.target === null ? 'no target' : `target ${r.target} ${r.unit}`}, got ${rowsText(r.rows)} / ${r.tokens} ${t}`;
    const srcs = r.sources.map(
      (s) =>
        `${s.name} ${r.unit === 'tokens' ? `${s.tokens} tokens` : rowsText(s.rows)} (${pct(s.share)}${s.share_target === null ? '' : `, want ${pct(s.share_target)}`}${s.short ? ', SHORT' : ''})`,
    );
    return `${head}; ${srcs.join(', ')}${r.unmatched_rows > 0 ? `; unmatched rows taken as they are: ${r.unmatched_rows}` : ''}`;
  });
}
