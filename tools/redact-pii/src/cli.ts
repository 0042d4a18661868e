import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const TYPES = ['EMAIL', 'PHONE', 'IP_ADDRESS', 'CREDIT_CARD', 'IBAN', 'US_SSN', 'URL_CREDENTIALS', 'SECRET', 'STREET_ADDRESS', 'PERSON'];

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
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
});

/** Run redact-pii with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runRedactPii } = await import('./run.js');
  await runRedactPii(
    {
      mode: o.mode,
      types: o.types,
      fields: o.fields,
      placeholder: o.placeholder,
      pseudonymize: o.pseudonymize,
      keyFile: o['key-file'],
      phoneRegion: o['phone-region'],
      privateIps: o['private-ips'],
      allow: o.allow,
      threads: o.threads,
      dropped: o.dropped,
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
