import { readFile } from 'node:fs/promises';
import type { ToolContext } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';
import { mapLineChunks } from '@ldt/ndjson';
import { getSupportedRegionCodes } from 'awesome-phonenumber';
import { type AllowList, DEFAULT_PHONE_REGIONS, DEFAULT_TYPES, PII_TYPES, type PiiType } from './detect.js';
import { optionsFromWire, prepareChunk, type WireOptions } from './parallel.js';
import { MIN_KEY_BYTES, Pseudonymizer } from './pseudo.js';
import { type Mode, PiiCounts } from './redact.js';

/** Everything a redact-pii run needs: the CLI options, typed, with defaults applied. */
export interface RedactPiiRunOptions {
  /** redact (placeholder or fake value), mark (meta.pii) or drop (leave the row out). */
  mode: Mode;
  /** Types to find (comma-separated entries allowed); undefined: all but PERSON. */
  types?: string[];
  /** Scan the strings at or under these dotted paths instead of the record's text fields. */
  fields?: string[];
  /** Replacement in redact mode; {type} becomes the type name. */
  placeholder: string;
  /** Replace findings by keyed fake values (needs `keyFile`). */
  pseudonymize: boolean;
  /** The secret key file of `pseudonymize` (at least MIN_KEY_BYTES bytes). */
  keyFile?: string;
  /** Regions whose national phone forms are recognised (comma-separated entries allowed); undefined: the defaults. */
  phoneRegion?: string[];
  /** Count private, shared and unique-local addresses as personal. */
  privateIps: boolean;
  /** A file of values (or /REGEX/ lines) to keep. */
  allow?: string;
  /** Worker threads; 1 = none. */
  threads: number;
  /** In drop mode, write the dropped rows here verbatim. */
  dropped?: string;
}

/**
 * Scan the rows of `ctx.inputs` for personal data and secrets and write them to `ctx.out` with
 * meta.pii_status, redacted, marked or left out by `mode`. Counts per type go to the notes and the
 * summary.
 */
export async function runRedactPii(o: RedactPiiRunOptions, ctx: ToolContext): Promise<void> {
  const typesArg = o.types;
  let types: Set<PiiType>;
  if (typesArg === undefined) types = new Set(DEFAULT_TYPES);
  else {
    types = new Set();
    for (const t of typesArg.flatMap((s) => s.split(','))) {
      const u = t.trim().toUpperCase();
      if (!(PII_TYPES as readonly string[]).includes(u)) throw new UsageError(`--types: unknown type ${JSON.stringify(t)}`, `the types are ${PII_TYPES.join(', ')}`);
      types.add(u as PiiType);
    }
  }

  const regionsArg = o.phoneRegion;
  const supported = new Set(getSupportedRegionCodes());
  const phoneRegions = regionsArg === undefined ? [...DEFAULT_PHONE_REGIONS] : regionsArg.flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase());
  for (const r of phoneRegions)
    if (!supported.has(r)) throw new UsageError(`--phone-region: unknown region ${JSON.stringify(r)}`, 'use ISO 3166-1 alpha-2 codes such as US, GB, DE, IN');

  const mode = o.mode;
  const pseudo = o.pseudonymize;
  const keyFile = o.keyFile;
  if (pseudo && mode !== 'redact') throw new UsageError(`--pseudonymize replaces findings; it cannot be used with --mode ${mode}`);
  if (keyFile !== undefined && !pseudo) throw new UsageError('--key-file is only used with --pseudonymize');
  let pseudonymizer: Pseudonymizer | undefined;
  let keyBytes: Buffer = Buffer.alloc(0);
  if (pseudo) {
    if (keyFile === undefined) throw new UsageError('--pseudonymize needs --key-file FILE', 'create a key once and keep it secret: head -c 32 /dev/urandom > pii.key');
    try {
      keyBytes = await readFile(keyFile);
    } catch (e) {
      throw new UsageError(
        `cannot read --key-file ${keyFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'create a key once and keep it secret: head -c 32 /dev/urandom > pii.key',
      );
    }
    if (keyBytes.length < MIN_KEY_BYTES)
      throw new UsageError(`--key-file ${keyFile} has ${keyBytes.length} bytes; at least ${MIN_KEY_BYTES} are needed`, 'create a key: head -c 32 /dev/urandom > pii.key');
    pseudonymizer = new Pseudonymizer(keyBytes);
  }
  const dropped = o.dropped;
  if (dropped !== undefined && mode !== 'drop') throw new UsageError('--dropped is only used with --mode drop');
  const placeholder = o.placeholder;

  const allowPath = o.allow;
  const allow = allowPath === undefined ? undefined : await loadAllow(allowPath);

  const wire: WireOptions = {
    types: [...types],
    phoneRegions,
    privateIps: o.privateIps,
    allow: allow && { values: [...allow.values], patterns: allow.patterns.map((re) => [re.source, re.flags]) },
    mode,
    placeholder,
    key: pseudonymizer ? keyBytes : undefined,
    fields: o.fields,
  };
  const opts = await optionsFromWire(wire);

  const { report, out } = ctx;
  if (dropped !== undefined) report.setDropsSink(ctx.openOutputFile(dropped));
  const counts = new PiiCounts();
  const chunks = mapLineChunks(ctx.inputs, ctx.readOptions, {
    // One thread unless asked: 16 MB of the chat bench corpus took 1.7 s of CPU time with 1 thread
    // and 3.3 s with 2 (user + sys; worker start-up and structured cloning of every row's result)
    // for no wall-time gain on the shared 2-core machine, load ≈ 47.
    threads: o.threads,
    workerUrl: new URL('./worker.js', import.meta.url),
    workerData: wire,
    inline: (chunk) => prepareChunk(chunk, opts),
    rejector: report.hasRejects ? report : undefined,
  });
  for await (const { result, before } of chunks) {
    for (const r of before) report.reject(r.reason, r.raw, r.pos, r.error);
    report.counts.lines += result.lines;
    report.counts.blank += result.blank;
    for (const x of result.outcomes) {
      const pos = { file: result.file, line: x.line };
      if (x.kind === 'reject') report.reject(x.reason, x.raw, pos, new DataError(x.message, pos, x.hint));
      else if (x.kind === 'error') {
        // The rows before the bad one are written first, as with any bad line.
        await out.flush();
        throw new DataError(x.message, pos, x.hint);
      } else {
        counts.add(x.found);
        if (x.out === undefined) report.drop('pii', x.raw);
        else {
          out.push(x.out);
          report.written++;
        }
      }
    }
    await out.flush();
    await report.flushSinks();
  }

  Object.assign(report.notes, counts.toJSON(), { mode: pseudo ? 'pseudonymize' : mode, types: PII_TYPES.filter((t) => types.has(t)) });
  const spans = PII_TYPES.filter((t) => counts.byType.has(t)).map((t) => `${t} ${counts.byType.get(t)}`);
  ctx.summaryExtra.push(`scanned ${counts.rowsScanned}, with PII ${counts.rowsWithPii}${spans.length > 0 ? ` (spans: ${spans.join(', ')})` : ''}`);
}

async function loadAllow(path: string): Promise<AllowList> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --allow ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const values = new Set<string>();
  const patterns: RegExp[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    const m = /^\/(.*)\/([a-z]*)$/.exec(l);
    if (m) {
      try {
        patterns.push(new RegExp(`^(?:${m[1]})$`, m[2].replace(/[gy]/g, '')));
      } catch (e) {
        throw new UsageError(`--allow ${path}:${i + 1}: bad regex ${l}: ${(e as Error).message}`);
      }
    } else values.add(l.toLowerCase());
  });
  return { values, patterns };
}
