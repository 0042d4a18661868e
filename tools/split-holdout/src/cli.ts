import { createRequire } from 'node:module';
import { type Io, type OptionSpec, runProcess, runTool, type ToolContext, type ToolSpec } from '@ldt/cli';
import { UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const groupOptions: OptionSpec[] = [
  {
    name: 'group-by',
    type: 'paths',
    arg: 'PATHS',
    describe:
      'Comma-separated dotted paths whose values form the group key (e.g. meta.cluster from dedup-near, a conversation id, meta.source). Rows with the same key always land in the same split.',
    defaultText: 'meta.content_hash if present, else the compared value of the record kind (text, messages, …; see shared/schema), canonical: keys sorted',
  },
  {
    name: 'missing-group',
    type: 'choice',
    choices: ['error', 'own'],
    default: 'error',
    describe:
      'A row without the --group-by paths: error (exit 1 naming file:line, or a missing_group reject with --rejects), or own (the row is its own group, keyed by its content).',
  },
  {
    name: 'normalize',
    type: 'choice',
    choices: ['none', 'whitespace', 'lower', 'aggressive'],
    default: 'none',
    describe:
      'Text normalisation of group key strings (and of the row text hashed as the default key), the same as dedup-exact --normalize: none, whitespace, lower or aggressive. E.g. lower makes "Alice" and "alice" one group.',
  },
];

/** The option table of `split-holdout` (splitting). */
export const spec: ToolSpec = {
  name: 'split-holdout',
  version,
  summary: 'deterministic, group-aware, leakage-proof train/val/test splits',
  description:
    'Reads NDJSON rows and writes each one with meta.split added (every byte outside meta as read) to stdout, or with --out-dir to one file per split. The split is a function of hash(seed, group key) only: x = top 53 bits of XXH3-64 of the UTF-8 text "<seed>:<group key>", divided by 2^53, and the row goes to the first split whose cumulative ratio exceeds x. So appending rows never moves existing ones, input order does not matter, and a group never straddles splits. ' +
    'Hard holdouts (--holdout, --holdout-file) send whole groups to the holdout split; they need two passes over the input (standard input is spooled to a temporary file). The summary counts rows and groups per split (and per stratum with --stratify). ' +
    'Memory: streaming; 20-24 bytes per distinct (group, split) for the group counts (the same again per stratum with --stratify, and per held-out group). Deterministic: the same input, flags and --seed give byte-identical output. ' +
    "'split-holdout check FILE...' audits finished splits for leaks (see split-holdout check --help).",
  usage: [
    'split-holdout [--ratios train=0.98,val=0.01,test=0.01] [--group-by PATHS] [--seed N] [OPTIONS] [FILE...]',
    'split-holdout --out-dir DIR [OPTIONS] [FILE...]',
    'split-holdout check [--group-by PATHS] [--near] [FILE...]',
  ],
  rejects: true,
  options: [
    {
      name: 'ratios',
      type: 'string',
      arg: 'SPEC',
      default: 'train=0.98,val=0.01,test=0.01',
      describe: 'Split names and ratios, NAME=RATIO,… in [0, 1] summing to 1; any names (letters, digits, _ . -).',
    },
    {
      name: 'seed',
      type: 'integer',
      arg: 'N',
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      default: 0,
      describe: 'Seed of the group hash. Another seed gives another, independent assignment.',
    },
    {
      name: 'threads',
      type: 'integer',
      arg: 'N',
      min: 1,
      max: 64,
      describe:
        'Worker threads that parse rows and hash their groups in parallel (one pass to stdout, without --holdout, --holdout-file or --stratify; the counting and writing stay on the main thread, in input order). 1 = no worker threads. The output is byte-identical for any value.',
      defaultText: 'the number of CPUs, at most 4',
    },
    ...groupOptions,
    {
      name: 'holdout',
      type: 'string',
      arg: 'PATH=VALUE',
      repeatable: true,
      describe:
        'Send every group with a row whose value at PATH equals VALUE (a string compared as is, anything else as JSON text; any element for a * path) to the holdout split, e.g. meta.family=sarcasm.',
    },
    {
      name: 'holdout-file',
      type: 'string',
      arg: 'FILE',
      describe: 'Ids or content hashes, one per line (blank lines and # comments ignored): every group with a row whose --holdout-key value is listed goes to the holdout split.',
    },
    {
      name: 'holdout-key',
      type: 'string',
      arg: 'PATH',
      default: 'meta.content_hash',
      describe: 'The field the --holdout-file entries are matched against (e.g. id).',
    },
    {
      name: 'holdout-split',
      type: 'string',
      arg: 'NAME',
      default: 'test',
      describe: 'The split that held-out groups go to; a name not in --ratios becomes an extra split that only holdouts fill.',
    },
    {
      name: 'stratify',
      type: 'string',
      arg: 'PATH',
      describe:
        'Count rows and groups per split within each value of PATH (e.g. meta.source) and warn when a stratum is more than 4 standard deviations off its ratios. The assignment stays hash(seed, group) only, so ratios hold within every stratum in expectation, to ±√(n·p·(1−p)) groups for a stratum of n groups.',
    },
    {
      name: 'out-dir',
      type: 'string',
      arg: 'DIR',
      describe:
        'Write one NDJSON file per split, DIR/<split>.ndjson (created if needed), instead of stdout. Atomic: the files appear complete at the end, or not at all (on error or Ctrl-C).',
    },
  ],
  examples: [
    ['split-holdout examples/chat.ndjson | head -2', 'Default 98/1/1 split by content; meta.split on every row.'],
    [
      'split-holdout --ratios train=0.8,test=0.2 --group-by meta.source --seed 4 --out-dir /tmp/splits examples/split-holdout-sources.ndjson',
      'Group by source so no source is on both sides; one file per split.',
    ],
    [
      'split-holdout --ratios train=0.9,val=0.1 --holdout meta.family=multiple-choice --holdout-split test examples/split-holdout-sources.ndjson > /tmp/split.ndjson',
      'Hard holdout: every multiple-choice question (and its group) goes to an extra test split.',
    ],
    ['split-holdout check /tmp/splits/train.ndjson /tmp/splits/test.ndjson', 'Audit the files written above for leaks (exit 1 if any).'],
  ],
  seeAlso: ['dedup-exact (meta.content_hash)', 'dedup-near (meta.cluster)', 'shuffle', 'manifest'],
};

/** The option table of `split-holdout check`. */
export const checkSpec: ToolSpec = {
  name: 'split-holdout check',
  version,
  summary: 'audit finished splits for leaks between them',
  description:
    'Reads split files (or a stream whose rows carry meta.split) and reports every leak between splits: exact duplicates (the same meta.content_hash, else the same content hash of the row without meta), --group-by keys present in more than one split, and with --near the near-duplicate clusters (meta.cluster, from dedup-near) that cross splits. The split of a row is its meta.split, else its file name without extensions (out/val.ndjson → val). ' +
    'Each leak is one line on stdout naming both rows by file:line, once per key and extra split; the summary counts them. Exit 1 if there is any leak. Memory: about 150 bytes per distinct key checked.',
  usage: ['split-holdout check [--group-by PATHS] [--near] [OPTIONS] FILE...', 'split-holdout ... | split-holdout check [OPTIONS]'],
  rejects: true,
  options: [
    ...groupOptions.map((o) =>
      o.name === 'group-by'
        ? { ...o, describe: 'Also report group keys (values at these paths) found in more than one split.', defaultText: 'no group check (exact duplicates are always checked)' }
        : o,
    ),
    {
      name: 'near',
      type: 'boolean',
      default: false,
      describe: 'Also report near-duplicate clusters (meta.cluster, as dedup-near writes it) whose rows are in more than one split.',
    },
  ],
  examples: [
    ['split-holdout --out-dir /tmp/splits examples/chat.ndjson && split-holdout check /tmp/splits/*.ndjson', 'Split by content, then audit the result.'],
    ['split-holdout check --near --group-by meta.source examples/split-holdout-leaky.ndjson || echo leaks found', 'Audit a stream carrying meta.split with planted leaks.'],
  ],
  exitStatus: ['1  also: at least one leak was found (each is printed on stdout)'],
  seeAlso: ['split-holdout', 'dedup-exact', 'dedup-near'],
};

/** Run split-holdout (or `split-holdout check ...`) with `argv` on `io`; returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === 'check') {
    let leaks = 0;
    const code = await runTool(checkSpec, argv.slice(1), io, (o, ctx) => checkHandler(o, ctx, (n) => (leaks = n)));
    return code === 0 && leaks > 0 ? 1 : code;
  }
  return runTool(spec, argv, io, splitHandler);
}

async function groupOpts(o: Record<string, unknown>) {
  const { parsePaths } = await import('@ldt/schema');
  return {
    groupBy: o['group-by'] ? parsePaths(o['group-by'] as string[]) : [],
    normalize: o.normalize as import('@ldt/text').NormalizeMode,
    missingGroup: o['missing-group'] as 'error' | 'own',
  };
}

async function splitHandler(o: Record<string, unknown>, ctx: ToolContext): Promise<void> {
  const [{ parsePath }, { readRows, LineWriter, mapLineChunks, defaultWorkers, TempDir }, { Splitter, parseHoldoutIds }, { parseRatios }, fs, { join }, { tmpdir }] =
    await Promise.all([import('@ldt/schema'), import('@ldt/ndjson'), import('./split.js'), import('./ratios.js'), import('node:fs'), import('node:path'), import('node:os')]);
  const { DataError } = await import('@ldt/errors');
  const ratios = parseRatios(o.ratios as string);
  const holdouts = ((o.holdout as string[] | undefined) ?? []).map((h) => {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new UsageError(`--holdout must be PATH=VALUE, e.g. meta.family=sarcasm; got ${JSON.stringify(h)}`);
    return { path: parsePath(h.slice(0, eq)), value: h.slice(eq + 1) };
  });
  const holdoutFile = o['holdout-file'] as string | undefined;
  let holdoutIds: Set<string> | undefined;
  if (holdoutFile) {
    let text: string;
    try {
      text = fs.readFileSync(holdoutFile, 'utf8');
    } catch (e) {
      throw new DataError(`cannot read --holdout-file ${holdoutFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    holdoutIds = parseHoldoutIds(text, holdoutFile);
  }
  const stratify = o.stratify !== undefined ? parsePath(o.stratify as string) : undefined;
  const splitter = new Splitter({
    ...(await groupOpts(o)),
    ratios,
    seed: o.seed as number,
    holdouts,
    holdoutIds,
    holdoutKey: parsePath(o['holdout-key'] as string),
    holdoutSplit: o['holdout-split'] as string,
    stratify,
  });
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(o['holdout-split'] as string))
    throw new UsageError(`--holdout-split must be letters, digits, '_', '.' or '-'; got ${JSON.stringify(o['holdout-split'])}`);

  const { report, out } = ctx;
  const temps: InstanceType<typeof TempDir>[] = [];
  try {
    // Hard holdouts need two passes; standard input is spooled (as read, compressed or not) so it can be read twice.
    let stdinFor = (): NodeJS.ReadableStream => ctx.io.stdin;
    if (splitter.needsScan && ctx.inputs.includes('-')) {
      const t = new TempDir(ctx.io.env.TMPDIR || tmpdir(), 'ldt-split-holdout-');
      temps.push(t);
      const spool = join(t.path, 'stdin');
      const { pipeline } = await import('node:stream/promises');
      await pipeline(ctx.io.stdin, fs.createWriteStream(spool));
      stdinFor = () => fs.createReadStream(spool);
    }
    if (splitter.needsScan) {
      const ignore = { reject() {} };
      const opts = { stdin: stdinFor() as import('node:stream').Readable, rejector: report.hasRejects ? ignore : undefined, counts: { lines: 0, blank: 0 } };
      for await (const batch of readRows(ctx.inputs, opts)) splitter.scan(batch);
    }

    const outDir = o['out-dir'] as string | undefined;
    let writers: InstanceType<typeof LineWriter>[] = [];
    let dirTmp: InstanceType<typeof TempDir> | undefined;
    if (outDir) {
      try {
        fs.mkdirSync(outDir, { recursive: true });
      } catch (e) {
        throw new DataError(`cannot create --out-dir ${outDir}: ${(e as Error).message}`);
      }
      dirTmp = new TempDir(outDir, '.split-holdout-');
      temps.push(dirTmp);
      const d = dirTmp.path;
      writers = splitter.names.map((n) => new LineWriter(fs.createWriteStream(join(d, `${n}.ndjson`))));
    }
    const emit = outDir ? (s: number, line: string) => writers[s].push(line) : (_s: number, line: string) => out.push(line);
    const readOptions = { ...ctx.readOptions, stdin: stdinFor() as import('node:stream').Readable };
    const threads = (o.threads as number | undefined) ?? defaultWorkers();
    if (!outDir && !splitter.needsScan && !stratify) {
      // The common one-pass case: group hashes, splits and output lines in worker threads; the
      // counting and writing here, in input order (byte-identical output for any --threads).
      const [{ prepareSplitChunk }] = await Promise.all([import('./parallel.js')]);
      const wire = {
        groupBy: (o['group-by'] as string[] | undefined) ?? [],
        normalize: splitter.opts.normalize,
        missingGroup: splitter.opts.missingGroup,
        seed: o.seed as number,
        ratios,
      };
      const chunks = mapLineChunks(ctx.inputs, readOptions, {
        threads,
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
        if (outDir) for (const w of writers) await w.flush();
        else await out.flush();
        await report.flushSinks();
      }
    }
    if (outDir && dirTmp) {
      for (const w of writers) await w.end();
      for (const n of splitter.names) fs.renameSync(join(dirTmp.path, `${n}.ndjson`), join(outDir, `${n}.ndjson`));
      ctx.summaryExtra.push(`wrote ${splitter.names.map((n) => `${n}.ndjson`).join(', ')} to ${outDir}`);
    }
  } finally {
    for (const t of temps) t.remove();
  }

  Object.assign(report.notes, splitter.toJSON());
  ctx.summaryExtra.unshift(splitter.describe());
  if (splitter.needsScan)
    ctx.summaryExtra.push(
      `held out ${splitter.heldRows + splitter.heldByGroup} rows to ${splitter.names[splitter.holdoutIndex]} (${splitter.heldRows} matching, ${splitter.heldByGroup} more of their groups)`,
    );
  if (holdoutIds && splitter.idsMatched.size < holdoutIds.size)
    ctx.warn(`${holdoutIds.size - splitter.idsMatched.size} of ${holdoutIds.size} --holdout-file ids matched no row's ${o['holdout-key'] as string}`);
  if (holdouts.length > 0 && splitter.heldRows === 0) ctx.warn('no row matched --holdout; is the PATH=VALUE right?');
  if (stratify) {
    if (o.quiet !== true) {
      const list = [...splitter.strata];
      for (const [name, c] of list.slice(0, 50)) ctx.io.stderr.write(`split-holdout: stratum ${JSON.stringify(name)}: ${splitter.describe(c)}\n`);
      if (list.length > 50) ctx.io.stderr.write(`split-holdout: … ${list.length - 50} more strata (see --stats)\n`);
    }
    for (const d of splitter.deviations()) ctx.warn(d);
  }
}

async function checkHandler(o: Record<string, unknown>, ctx: ToolContext, setLeaks: (n: number) => void): Promise<void> {
  const [{ readRows }, { LeakChecker, formatLeak }] = await Promise.all([import('@ldt/ndjson'), import('./check.js')]);
  const checker = new LeakChecker({ ...(await groupOpts(o)), near: o.near === true });
  const { report, out } = ctx;
  for await (const batch of readRows(ctx.inputs, ctx.readOptions)) {
    const leaks = checker.checkRows(batch);
    for (const l of leaks) out.push(formatLeak(l));
    report.written += leaks.length;
    await out.flush();
    await report.flushSinks();
  }
  setLeaks(checker.total);
  report.notes.splits = Object.fromEntries(checker.splits.map((s, i) => [s, checker.rowsPerSplit[i]]));
  report.notes.leaks = { ...checker.counts };
  const kinds = [`exact ${checker.counts.exact}`];
  if (o['group-by']) kinds.push(`group ${checker.counts.group}`);
  if (o.near === true) kinds.push(`near ${checker.counts.near}`);
  ctx.summaryExtra.push(`splits: ${checker.splits.map((s, i) => `${s} ${checker.rowsPerSplit[i]}`).join(', ') || 'none'}`, `leaks: ${kinds.join(', ')}`);
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
