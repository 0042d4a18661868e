import { Readable } from 'node:stream';
import type { ToolContext } from '@ldt/cli';
import { DataError } from '@ldt/errors';
import { displayName, JSON_AMPERSAND, JSON_ESCAPE_URBF, JSON_NON_ASCII, JsonChecker, parseChunk, type Row, readLineChunks, readRows, walkCheckedLines } from '@ldt/ndjson';
import { parsePaths } from '@ldt/schema';
import { FIX_KINDS, type FixOptions } from './fix.js';
import { fixRowLine } from './row.js';
import { checkEncoding, transcodeInput } from './transcode.js';

/** Everything a normalize-encoding run needs: the CLI options, typed, with defaults applied. */
export interface NormalizeEncodingRunOptions {
  /** Which repairs and hygiene steps to apply. */
  fix: FixOptions;
  /** Only strings at (or under) these dotted paths are fixed; undefined: every string outside meta. */
  fields?: string[];
  /** Add meta.fixes to changed rows. */
  explain: boolean;
  /** Decode the input from this encoding (an iconv-lite name, or `auto`); undefined: strict UTF-8. */
  inputEncoding?: string;
}

/**
 * Fix the text of every row of `ctx.inputs` (optionally decoded from another encoding first) and
 * write the rows to `ctx.out`, every byte of an unchanged row as read. Counts per fix go to
 * `ctx.report.notes` and the summary.
 */
export async function runNormalizeEncoding(o: NormalizeEncodingRunOptions, ctx: ToolContext): Promise<void> {
  const opts = { fix: o.fix, fields: o.fields ? parsePaths(o.fields) : undefined, explain: o.explain };
  const encArg = o.inputEncoding;
  const encoding = encArg === undefined ? undefined : await checkEncoding(encArg);

  const { report, out } = ctx;
  const perFix = new Map<string, number>();
  let changed = 0;
  /** Fix and queue one batch of parsed rows. */
  const fixRows = (batch: readonly Row[], file?: string) => {
    for (const row of batch) {
      if (file !== undefined) row.file = file;
      const r = fixRowLine(row.raw, row.value, opts, row);
      if (r.fixes.length > 0) {
        changed++;
        for (const f of r.fixes) perFix.set(f, (perFix.get(f) ?? 0) + 1);
      }
      out.push(r.line);
    }
    report.written += batch.length;
  };
  const process = async (batches: AsyncIterable<Row[]>, file?: string) => {
    for await (const batch of batches) {
      fixRows(batch, file);
      await out.flush();
      await report.flushSinks();
    }
  };

  if (encoding === undefined) {
    // Lines that no fix can change (printable ASCII, no \u \r \b \f escape, no & with
    // --html-entities: see RAW_NEEDS_SCAN in row.ts) are written as read once the WebAssembly
    // check has shown them to be JSON objects, without being decoded or parsed: on the bench corpus
    // 79% of the rows, and toString + JSON.parse + their garbage were ~40% of the tool's CPU
    // (issue 17). The other lines go through the reader's parse and fixRowLine, in runs, in order.
    const checker = new JsonChecker();
    const needsFix = JSON_NON_ASCII | JSON_ESCAPE_URBF | (o.fix.htmlEntities ? JSON_AMPERSAND : 0);
    const counts = ctx.readOptions.counts ?? { lines: 0, blank: 0 };
    for await (const chunk of readLineChunks(ctx.inputs, { ...ctx.readOptions, counts })) {
      const buf = chunk.buf;
      // Runs of checked lines that end in a plain \n are queued as slices of the chunk (no copy).
      let fastFrom = 0;
      let fastTo = 0;
      const passed = () => {
        if (fastTo > fastFrom) out.pushBytes(buf.subarray(fastFrom, fastTo));
        fastFrom = fastTo = 0;
      };
      walkCheckedLines(
        chunk,
        checker,
        needsFix,
        (start, stop, end) => {
          counts.lines++;
          report.written++;
          if (stop === end && end < buf.length) {
            if (fastTo !== start) {
              passed();
              fastFrom = start;
            }
            fastTo = end + 1;
          } else {
            passed();
            out.pushEdited('', buf.subarray(start, stop));
          }
          return true;
        },
        (run) => {
          passed();
          fixRows(parseChunk(run, counts, ctx.readOptions.rejector));
        },
      );
      passed();
      // One write per chunk read, as for parsed batches.
      await out.flush();
      await report.flushSinks();
    }
  } else {
    const detected: Record<string, unknown> = {};
    const transcode = { replacement: 0 };
    for (const input of ctx.inputs) {
      const name = displayName(input);
      const utf8 = transcodeInput(input, encoding, { stdin: ctx.io.stdin }, transcode, (d) => {
        detected[name] = d;
        ctx.summaryExtra.push(`${name}: detected ${d.encoding} (${d.by}${d.confidence !== undefined ? ` ${d.confidence}%` : ''})`);
      });
      try {
        // The shared reader splits and parses the UTF-8 result; its positions are renamed to the input.
        await process(readRows(['-'], { ...ctx.readOptions, stdin: Readable.from(utf8) }), name);
      } catch (e) {
        if (e instanceof DataError && e.position) throw new DataError(e.message, { file: name, line: e.position.line }, e.hint);
        // An error of the input itself, seen through the stdin the reader was given: name the input only once.
        if (e instanceof DataError && e.message.startsWith('cannot read <stdin>: ') && input !== '-')
          throw new DataError(e.message.slice('cannot read <stdin>: '.length), undefined, e.hint);
        throw e;
      }
    }
    if (encoding === 'auto') report.notes.input_encodings = detected;
    else report.notes.input_encoding = encoding;
    report.notes.replacement_characters = transcode.replacement;
    if (transcode.replacement > 0)
      ctx.warn(
        `${transcode.replacement} U+FFFD characters in the decoded input (bytes not valid in ${encoding === 'auto' ? 'the detected encoding' : encoding}, or U+FFFD already in the input)`,
      );
  }

  const ordered = [...perFix].sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  report.notes.rows_changed = changed;
  report.notes.fixes = Object.fromEntries(ordered);
  ctx.summaryExtra.unshift(`changed ${changed} row${changed === 1 ? '' : 's'}${ordered.length > 0 ? ` (${ordered.map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`);

  function rank(k: string): number {
    const i = (FIX_KINDS as readonly string[]).indexOf(k);
    return i < 0 ? FIX_KINDS.length : i;
  }
}
