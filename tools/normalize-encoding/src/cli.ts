import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'normalize-encoding',
  version,
  summary: 'repair mojibake and apply Unicode hygiene to every text field, without touching correct text',
  description:
    'Reads NDJSON rows and writes every row to stdout, in input order, with its string values repaired: mojibake (UTF-8 or CESU-8 read as windows-1252/latin-1, windows-1250/1251/1253/1254/1257, ISO-8859-2, MacRoman or cp437, also twice over, in part of a string, or with bytes lost to U+FFFD or ?) reversed where the text is implausible as written and the repair round-trips exactly (correct math, box drawing, symbols and all-caps text are left alone), C1 controls read as windows-1252, lone surrogates turned into U+FFFD, terminal escapes and control characters (except \\n and \\t) removed, \\r\\n and \\r turned into \\n, and NFC applied. Typography (curly quotes, ligatures, full-width forms, invisible characters, HTML entities) is kept unless a flag asks. Object keys and everything under meta are never changed; every byte outside the changed strings is written as read. No row is dropped. stderr gets one summary line counting changed rows per fix. ' +
    'Memory: one read chunk; no state grows with the input. Deterministic: the same input and flags give byte-identical output.',
  usage: ['normalize-encoding [OPTIONS] [FILE...]', 'normalize-encoding --input-encoding NAME|auto [OPTIONS] [FILE...]'],
  rejects: true,
  options: [
    sharedOption('fields', {
      describe: 'Comma-separated dotted field paths (e.g. messages.*.content,text): only strings at or under them are fixed. Strings under meta are never fixed.',
      defaultText: 'every string value outside meta',
    }),
    {
      name: 'mojibake',
      type: 'boolean',
      describe: 'Repair mojibake and C1 controls (on by default); --no-mojibake turns it off (hygiene only).',
      default: true,
    },
    {
      name: 'form',
      type: 'choice',
      choices: ['NFC', 'NFKC', 'none'],
      describe:
        'Unicode normalisation form applied last. NFKC also folds compatibility characters (ligatures, full-width forms, superscripts); none keeps code points as they are.',
      default: 'NFC',
    },
    {
      name: 'strip-invisible',
      type: 'boolean',
      describe:
        'Remove BOMs (U+FEFF), zero-width spaces (U+200B), word joiners (U+2060) and soft hyphens (U+00AD) inside text. ZWJ/ZWNJ are always kept (Persian, Indic scripts and emoji need them).',
      default: false,
    },
    { name: 'html-entities', type: 'boolean', describe: 'Decode HTML entities (&amp; &eacute; &#8217;) in text.', default: false },
    { name: 'uncurl-quotes', type: 'boolean', describe: 'Turn curly quotes (‘ ’ ‚ “ ” „) into ASCII \' and ".', default: false },
    { name: 'fold-ligatures', type: 'boolean', describe: 'Turn Latin ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) into their letters.', default: false },
    { name: 'fold-width', type: 'boolean', describe: 'Turn full-width ASCII forms (Ａ１！) and the ideographic space into ASCII.', default: false },
    {
      name: 'explain',
      type: 'boolean',
      describe: 'Add meta.fixes to every changed row: the fixes applied, e.g. ["mojibake:windows-1252","nfc"].',
      default: false,
    },
    {
      name: 'input-encoding',
      type: 'string',
      arg: 'NAME',
      describe:
        'Decode the input from NAME (windows-1252, latin1, shift_jis, gb18030, big5, euc-kr, koi8-r, utf-16le, … any iconv-lite name) instead of reading it as strict UTF-8. auto detects it per file (BOM, valid UTF-8, else chardet over the first 256 KiB; ISO-8859 answers are decoded with their Windows superset) and reports what it chose. Bytes the encoding cannot decode become U+FFFD, counted and warned about.',
      defaultText: 'UTF-8 (invalid UTF-8 is an error)',
    },
  ],
  examples: [
    ['normalize-encoding examples/normalize-encoding-mojibake.ndjson', 'Repair mojibake (xÂ² → x², â€™ → ’, Ã©tÃ© → été) and apply NFC.'],
    ['normalize-encoding --explain --fields text examples/normalize-encoding-mojibake.ndjson | head -3', 'Show which fixes each changed row got, only on the text field.'],
    ['normalize-encoding --input-encoding auto examples/normalize-encoding-windows-1252.ndjson', 'Read a windows-1252 file, detecting its encoding.'],
    [
      'normalize-encoding --strip-invisible --uncurl-quotes --fold-width --form NFKC examples/normalize-encoding-mojibake.ndjson > /tmp/ascii-ish.ndjson',
      'An aggressive profile: also fold typography (not LLM-safe).',
    ],
  ],
  seeAlso: ['dedup-exact (after normalising, exact duplicates match)', 'dedup-near', 'to-chatml'],
});

/** Run normalize-encoding with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
}

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runNormalizeEncoding } = await import('./run.js');
  await runNormalizeEncoding(
    {
      fix: {
        mojibake: o.mojibake,
        form: o.form,
        stripInvisible: o['strip-invisible'],
        htmlEntities: o['html-entities'],
        uncurlQuotes: o['uncurl-quotes'],
        foldLigatures: o['fold-ligatures'],
        foldWidth: o['fold-width'],
      },
      fields: o.fields,
      explain: o.explain,
      inputEncoding: o['input-encoding'],
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
