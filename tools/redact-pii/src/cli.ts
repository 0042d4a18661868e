import { createRequire } from 'node:module';
import { type Io, runProcess, runTool, sharedOption, type ToolContext, type ToolSpec } from '@ldt/cli';
import { DataError, UsageError } from '@ldt/errors';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const TYPES = ['EMAIL', 'PHONE', 'IP_ADDRESS', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'URL_CREDENTIALS', 'SECRET', 'STREET_ADDRESS', 'PERSON'];

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec: ToolSpec = {
  name: 'redact-pii',
  version,
  summary: 'find personal data and secrets in every text field, validated rather than pattern-guessed, and redact, pseudonymise, mark or drop it',
  description:
    "Reads NDJSON rows and scans the text of each row as the record model defines it (text; the content, reasoning_content and tool-call arguments of messages, prompt, chosen, rejected and completion; every string outside meta for rows with none of these), or the strings under --fields. Findings are validated, not pattern-guessed: phone numbers against each region's numbering plan (libphonenumber), IP addresses parsed, cards by Luhn and issuer range, IBANs by mod-97 and country length, SSNs by the SSA's rules, secrets by provider format and entropy. Documentation values (example.com, 192.0.2.0/24, 2001:db8::/32, 555-01xx, published test cards), loopback/private addresses, versions, dates, hashes and UUIDs are not findings. " +
    'Every row written gets meta.pii_status: clean, redacted (redact, --pseudonymize) or found (mark). Rows without findings are written as read with only meta.pii_status spliced in; in a changed row only the top-level fields holding a changed string are re-serialised. Object keys and meta are never scanned or changed. stderr gets a summary: rows scanned, rows with PII, spans per type; --stats adds spans per field. ' +
    'Memory: 1 MiB read chunks, about two per worker thread, and a memo of at most 50,000 phone candidates; no state grows with the input. Deterministic: the same input, flags and key file give byte-identical output, on any --threads.',
  usage: ['redact-pii [OPTIONS] [FILE...]', 'redact-pii --pseudonymize --key-file FILE [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    {
      name: 'mode',
      type: 'choice',
      choices: ['redact', 'mark', 'drop'],
      describe:
        'redact: replace each finding by a placeholder (--placeholder) or, with --pseudonymize, a fake value. mark: keep the text and add meta.pii, a list of {path, start, end, type} with start/end in Unicode code points of the string at path. drop: leave out rows with any finding (counted as dropped, reason pii; --dropped keeps them).',
      default: 'redact',
    },
    {
      name: 'types',
      type: 'string',
      arg: 'LIST',
      repeatable: true,
      describe: `Comma-separated types to find, from ${TYPES.join(', ')}. PERSON (English names, compromise NLP, best effort) costs an NLP pass over every string and is off unless listed.`,
      defaultText: 'all but PERSON',
    },
    sharedOption('fields', {
      describe:
        'Comma-separated dotted field paths (e.g. messages.*.content,extra.notes): scan every string at or under them instead of the text fields. Paths under meta are ignored.',
      defaultText: 'the text fields of the record model',
    }),
    {
      name: 'placeholder',
      type: 'string',
      arg: 'FORM',
      describe: 'Replacement text in redact mode; {type} becomes the type name (e.g. "[{type}]" gives [EMAIL]).',
      default: '<{type}>',
    },
    {
      name: 'pseudonymize',
      type: 'boolean',
      describe:
        'With --mode redact: replace each finding by a fake value of the same type, keyed by --key-file (HMAC-SHA-256): the same value gets the same replacement everywhere, and nothing maps back without the key. Fakes keep the shape and use reserved ranges where they exist (user.…@example.com, 10.x.x.x, fd00::, 9xx-xx-xxxx SSNs).',
      default: false,
    },
    {
      name: 'key-file',
      type: 'string',
      arg: 'FILE',
      describe: 'The secret key for --pseudonymize: the whole file, at least 16 bytes (e.g. head -c 32 /dev/urandom > key). Missing or shorter is a usage error.',
    },
    {
      name: 'phone-region',
      type: 'string',
      arg: 'CC',
      repeatable: true,
      describe:
        'Comma-separated ISO 3166 region codes whose national phone forms (without +country code) are recognised. International forms (+44 20 …, 0044 …) are recognised for every country regardless.',
      defaultText: 'US,GB,DE,FR,ES,IT,NL,IN,AU,BR',
    },
    {
      name: 'private-ips',
      type: 'boolean',
      describe:
        'Also count private (10/8, 172.16/12, 192.168/16), shared (100.64/10) and unique-local (fc00::/7) addresses as personal. Loopback, link-local, multicast and documentation ranges never are.',
      default: false,
    },
    {
      name: 'allow',
      type: 'string',
      arg: 'FILE',
      describe:
        'Values to keep, one per line: an exact value (compared case-insensitively, e.g. a public support address) or /REGEX/ matched against the whole finding. Blank lines and lines starting with # are ignored.',
    },
    sharedOption('threads', {
      max: 64,
      describe:
        'Worker threads that parse and scan rows in parallel, one 1 MiB chunk of lines at a time (counting and writing stay on the main thread, in input order). 1 = no worker threads. The output is byte-identical for any value. Off by default: the scan is cheap next to the cost of passing rows to workers and back (2 threads used 1.9x the CPU time of 1 on the chat bench corpus).',
      default: 1,
    }),
    {
      name: 'dropped',
      type: 'string',
      arg: 'FILE',
      describe: 'With --mode drop: write the dropped rows to FILE verbatim (as read). Written atomically.',
    },
  ],
  examples: [
    ['redact-pii examples/redact-pii.ndjson', 'Replace every finding by <TYPE>; every row gets meta.pii_status.'],
    ['redact-pii --mode mark --quiet examples/redact-pii.ndjson | head -2', 'Keep the text; list the findings with code-point offsets in meta.pii.'],
    [
      'head -c 32 /dev/urandom > /tmp/pii.key && redact-pii --pseudonymize --key-file /tmp/pii.key examples/redact-pii.ndjson > /tmp/pseudo.ndjson',
      'Consistent fake values instead of placeholders (same value, same fake, with the same key).',
    ],
    [
      'redact-pii --mode drop --dropped /tmp/pii-rows.ndjson --types EMAIL,PHONE examples/redact-pii.ndjson > /tmp/no-pii.ndjson',
      'Leave out rows with an email address or phone number; keep them aside.',
    ],
  ],
  exitStatus: ['2  also: --key-file missing, unreadable or shorter than 16 bytes; a bad --allow regex; an unknown --types or --phone-region value'],
  seeAlso: ['normalize-encoding (run it first: mojibake hides addresses)', 'dedup-exact', 'manifest'],
};

/** Run redact-pii with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: Record<string, unknown>, ctx: ToolContext): Promise<void> {
  const [{ mapLineChunks }, { PiiCounts }, { optionsFromWire, prepareChunk }, detectMod, { Pseudonymizer, MIN_KEY_BYTES }, { readFile }, phone] = await Promise.all([
    import('@ldt/ndjson'),
    import('./redact.js'),
    import('./parallel.js'),
    import('./detect.js'),
    import('./pseudo.js'),
    import('node:fs/promises'),
    import('awesome-phonenumber'),
  ]);
  const { DEFAULT_TYPES, DEFAULT_PHONE_REGIONS, PII_TYPES } = detectMod;
  type PiiType = import('./detect.js').PiiType;

  const typesArg = o.types as string[] | undefined;
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

  const regionsArg = o['phone-region'] as string[] | undefined;
  const supported = new Set(phone.getSupportedRegionCodes());
  const phoneRegions = regionsArg === undefined ? [...DEFAULT_PHONE_REGIONS] : regionsArg.flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase());
  for (const r of phoneRegions)
    if (!supported.has(r)) throw new UsageError(`--phone-region: unknown region ${JSON.stringify(r)}`, 'use ISO 3166-1 alpha-2 codes such as US, GB, DE, IN');

  const mode = o.mode as import('./redact.js').Mode;
  const pseudo = o.pseudonymize as boolean;
  const keyFile = o['key-file'] as string | undefined;
  if (pseudo && mode !== 'redact') throw new UsageError(`--pseudonymize replaces findings; it cannot be used with --mode ${mode}`);
  if (keyFile !== undefined && !pseudo) throw new UsageError('--key-file is only used with --pseudonymize');
  let pseudonymizer: InstanceType<typeof Pseudonymizer> | undefined;
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
  const dropped = o.dropped as string | undefined;
  if (dropped !== undefined && mode !== 'drop') throw new UsageError('--dropped is only used with --mode drop');
  const placeholder = o.placeholder as string;

  const allowPath = o.allow as string | undefined;
  const allow = allowPath === undefined ? undefined : await loadAllow(allowPath, readFile);

  const wire: import('./parallel.js').WireOptions = {
    types: [...types],
    phoneRegions,
    privateIps: o['private-ips'] as boolean,
    allow: allow && { values: [...allow.values], patterns: allow.patterns.map((re) => [re.source, re.flags]) },
    mode,
    placeholder,
    key: pseudonymizer ? keyBytes : undefined,
    fields: o.fields as string[] | undefined,
  };
  const opts = await optionsFromWire(wire);

  const { report, out } = ctx;
  if (dropped !== undefined) report.setDropsSink(ctx.openOutputFile(dropped));
  const counts = new PiiCounts();
  const chunks = mapLineChunks(ctx.inputs, ctx.readOptions, {
    // One thread unless asked: 16 MB of the chat bench corpus took 1.7 s of CPU time with 1 thread
    // and 3.3 s with 2 (user + sys; worker start-up and structured cloning of every row's result)
    // for no wall-time gain on the shared 2-core machine, load ≈ 47.
    threads: o.threads as number,
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

async function loadAllow(path: string, readFile: typeof import('node:fs/promises').readFile): Promise<import('./detect.js').AllowList> {
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

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
