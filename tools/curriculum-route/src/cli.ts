import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, readStateFile, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The seed when neither --seed nor the config gives one. */
export const DEFAULT_SEED = 1;
/** The epoch cap when neither --max-epochs nor the config gives one (Muennighoff et al. 2023: up to ~4 epochs of repeated data cost little). */
export const DEFAULT_MAX_EPOCHS = 4;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'curriculum-route',
  version,
  summary: 'route rows into training phases with exact, deterministic per-source mixing weights',
  description:
    "Reads NDJSON rows and a curriculum config (YAML or JSON: phases in order, each with match rules over meta.source globs, meta.family, kind text|chat|preference|kto|prompt_only|other, turns and length, a target in rows or tokens, and per-source weights) and writes every taken row with meta.phase to stdout, or to DIR/<phase>.jsonl with --out-dir. A row goes to the first phase whose rules and one of whose sources match it. Each phase target is split across its sources by weight exactly (largest remainder); a source with more rows than its part is downsampled by hash(seed, row), one with fewer is repeated whole epochs first and then a hash-selected remainder, with meta.repeat = 1, 2, … on the copies (up to --max-epochs copies; a source that cannot fill its part gets a warning). Rows not taken are counted as downsampled; rows no phase matches follow --unmatched. The summary on stderr gives, per phase, target vs achieved rows and tokens and each source's share. " +
    'Input is read twice (stdin is first copied to a temporary file). Memory: 26 bytes per input row (line number, phase/source, 64-bit hash, tokens, copies, sort index; up to 46 while the arrays grow by doubling). Deterministic: the same rows (in any order), config and --seed select the same rows.',
  usage: ['curriculum-route --config FILE [OPTIONS] [FILE...]', 'curriculum-route --config FILE --out-dir DIR [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    {
      name: 'config',
      type: 'string',
      arg: 'FILE',
      describe: 'The curriculum (required): YAML, or JSON by a .json extension. Errors name the config path, e.g. phases[1].sources[0].weight: must be > 0.',
    },
    sharedOption('out-dir', { describe: 'Write one file per phase, DIR/<phase>.jsonl (atomically; every phase gets a file), instead of stdout.' }),
    {
      name: 'unmatched',
      type: 'string',
      arg: 'reject|drop|PHASE',
      describe:
        'Rows no phase matches: reject (an error naming file:line; with --rejects FILE they go there verbatim, counted as unmatched), drop (counted as unmatched), or the name of a phase that takes them as they are, outside its mix.',
      default: 'reject',
    },
    sharedOption('seed', {
      describe: 'Seed of the row hash that selects rows when downsampling and for the remainder when repeating.',
      defaultText: `the config's seed, else ${DEFAULT_SEED}`,
    }),
    {
      name: 'max-epochs',
      type: 'integer',
      arg: 'N',
      min: 1,
      max: 1000,
      describe: 'Most copies of one row a source may use to reach its share.',
      defaultText: `the config's max_epochs, else ${DEFAULT_MAX_EPOCHS}`,
    },
    sharedOption('tokenizer', {
      describe:
        'Count tokens (token targets, the summary) with o200k_base or cl100k_base (gpt-tokenizer) or a Hugging Face tokenizer.json. Without it tokens are an estimate, ceil(UTF-8 bytes / 4) per text.',
    }),
    {
      name: 'counts-out',
      type: 'string',
      arg: 'FILE',
      describe:
        'Sharded form, step 1 (per shard): route the rows and write their counts (bucket, 64-bit hash, tokens: 16 bytes a row, after a JSON header line) to FILE instead of writing rows. Step 2 merges them with --plan-out.',
    },
    {
      name: 'plan-out',
      type: 'string',
      arg: 'FILE',
      describe:
        "Sharded form, step 2 (once): the FILE arguments are --counts-out files, in input order; decide every row's copies exactly as one process over the concatenated shards would, and write the plan (2 bytes a row) to FILE. Prints the phase lines.",
    },
    {
      name: 'plan',
      type: 'string',
      arg: 'FILE',
      describe:
        "Sharded form, step 3 (per shard): take the copies of this shard's rows from the plan made by --plan-out (the shard is found by the checksum of its counts) and write them as usual. The shards' outputs, concatenated in order, are the single-process output.",
    },
    sharedOption('fields', {
      describe: "The fields whose strings are the row's text (tokens and the length rule).",
      defaultText: 'by record kind (shared/schema): message contents, reasoning, tool calls and tool definitions; text; else every string outside meta',
    }),
    {
      name: 'rebalance',
      type: 'boolean',
      default: false,
      describe:
        'Give the shortfall of a source that cannot fill its part within --max-epochs to the other sources of its phase, in proportion to their weights, so the phase total is exact when the phase as a whole has enough rows (the shares then differ from the weights; the summary shows both).',
    },
    {
      name: 'strict',
      type: 'boolean',
      default: false,
      describe: 'Fail (exit 1, nothing written) when a phase target cannot be met: a SHORT source, or (with --rebalance) a phase short as a whole.',
    },
    sharedOption('tmp-dir', { describe: 'Directory for the copy of standard input read in the second pass (a private subdirectory, removed at the end).' }),
  ],
  examples: [
    [
      'curriculum-route --config configs/curriculum.example.yaml examples/curriculum-mix.ndjson > /tmp/curriculum.ndjson',
      'Route a mixed file through the three-stage example curriculum.',
    ],
    [
      'curriculum-route --config configs/curriculum.example.yaml --out-dir /tmp/phases --seed 7 --stats /tmp/curriculum-stats.json examples/curriculum-mix.ndjson',
      'One file per phase, another seed; the per-phase results go into the --stats JSON too.',
    ],
    [
      'cat examples/curriculum-mix.ndjson | curriculum-route --config configs/curriculum.example.yaml --unmatched drop --max-epochs 2 | head -1',
      'From stdin, dropping rows no phase matches, at most 2 copies of a row.',
    ],
  ],
  seeAlso: ['manifest', 'shuffle (to interleave repeats)', 'split-holdout'],
});

/** Run curriculum-route with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const [{ parsePaths }, { readRows, readLineChunks, LineWriter, TempDir }, { CurriculumRouter }, { loadConfig }, { loadTokenCounter }, fs, path, os] = await Promise.all([
    import('@ldt/schema'),
    import('@ldt/ndjson'),
    import('./route.js'),
    import('./config.js'),
    import('@ldt/tokens'),
    import('node:fs'),
    import('node:path'),
    import('node:os'),
  ]);
  const configPath = o.config;
  if (!configPath) throw new UsageError('curriculum-route needs --config FILE', 'see configs/curriculum.example.yaml');
  const config = await loadConfig(configPath);
  const unmatched = o.unmatched;
  if (unmatched !== 'reject' && unmatched !== 'drop' && !config.phases.some((p) => p.name === unmatched))
    throw new UsageError(`--unmatched must be reject, drop or a phase of the config (${config.phases.map((p) => p.name).join(', ')}); got ${JSON.stringify(unmatched)}`);
  const seed = o.seed ?? config.seed ?? DEFAULT_SEED;
  const maxEpochs = o['max-epochs'] ?? config.max_epochs ?? DEFAULT_MAX_EPOCHS;
  const tokens = await loadTokenCounter(o.tokenizer);
  const textField = o.fields;
  const router = new CurriculumRouter({ config, seed, maxEpochs, unmatched, tokens, textFields: textField ? parsePaths(textField) : undefined, rebalance: o.rebalance });

  // The sharded (two-step) form: counts per shard, one merged plan, select per shard.
  const countsOut = o['counts-out'];
  const planOut = o['plan-out'];
  const planIn = o.plan;
  if ([countsOut, planOut, planIn].filter((x) => x !== undefined).length > 1)
    throw new UsageError('--counts-out, --plan-out and --plan are the three steps of the sharded form; give one of them');
  if ((countsOut || planOut) && o['out-dir']) throw new UsageError(`--out-dir writes rows; --${countsOut ? 'counts-out' : 'plan-out'} writes none`);
  const { createHash } = await import('node:crypto');
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
    ctx.report.notes.phases = results as unknown as import('@ldt/schema').Json;
    for (const wn of router.warnings) ctx.warn(wn);
    if (o.quiet !== true) for (const line of phaseLines(results, tokens.estimate)) ctx.io.stderr.write(`curriculum-route: ${line}\n`);
    return;
  }

  // Output: stdout, or one atomic file per phase.
  const outDir = o['out-dir'];
  let writers: import('@ldt/ndjson').LineWriter[] | undefined;
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    writers = config.phases.map((p) => ctx.openOutputFile(path.join(outDir, `${p.name}.jsonl`)));
  }

  // Pass 1. Standard input is spooled (rows only, one per line) to a temporary file for pass 2.
  const { report } = ctx;
  const spoolDir = ctx.inputs.includes('-') ? new TempDir(o['tmp-dir'] ?? (ctx.io.env.TMPDIR || os.tmpdir()), 'curriculum-route-') : undefined;
  const spool = spoolDir ? path.join(spoolDir.path, 'rows.ndjson') : undefined;
  try {
    const spoolWriter = spool ? new LineWriter(fs.createWriteStream(spool), undefined, `the spool of standard input ${spool}`) : undefined;
    for (const input of ctx.inputs) {
      router.startInput();
      for await (const batch of readRows([input], spoolWriter ? { ...ctx.readOptions, withBytes: true } : ctx.readOptions)) {
        router.observe(batch, report);
        if (spoolWriter) {
          for (const r of batch) spoolWriter.pushEdited(r.raw, r.bytes);
          await spoolWriter.flush();
        }
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
    let results: import('./route.js').PhaseResult[];
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
      results = head.phases as import('./route.js').PhaseResult[];
      router.useCopies(copies, results);
      ctx.report.notes.shard = at[0];
    } else results = router.plan();
    if (o.strict) assertTargets(results, o.rebalance);

    // Pass 2, on bytes: the taken lines are copied into one output buffer per phase and chunk.
    const nPhases = config.phases.length;
    let pieces: Buffer[][] = Array.from({ length: nPhases }, () => []);
    // On stdout, one list keeps input order across phases.
    const emit = writers ? (p: number, piece: Buffer) => pieces[p].push(piece) : (_p: number, piece: Buffer) => pieces[0].push(piece);
    const flush = async () => {
      for (let p = 0; p < nPhases; p++) {
        if (pieces[p].length === 0) continue;
        (writers ? writers[p] : ctx.out).pushBytes(Buffer.concat(pieces[p]));
      }
      pieces = Array.from({ length: nPhases }, () => []);
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
    report.notes.phases = results as unknown as import('@ldt/schema').Json;
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
function assertTargets(results: import('./route.js').PhaseResult[], rebalance: boolean): void {
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
export function phaseLines(results: import('./route.js').PhaseResult[], estimate: boolean): string[] {
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

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
