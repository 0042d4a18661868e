import type { ToolContext } from '@ldt/cli';
import { type DataError, type Position, UsageError } from '@ldt/errors';
import { JsonChecker, parseLines, type Rejector, readJsonInput, readLineChunks, readsAsLines, walkCheckedLines } from '@ldt/ndjson';
import { fastOpenaiChecked, ToChatml } from './convert.js';
import type { FieldMap } from './format-parts.js';
import type { FormatName } from './formats.js';
import type { Msg, Role } from './messages.js';
import { loadTemplate, renderChatml, templateRenderer } from './render.js';

const MAP_KEYS = ['messages', 'role', 'content', 'system', 'tools', 'prompt', 'response'] as const;
const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** Everything a to-chatml run needs: the CLI options, typed, with defaults applied. */
export interface ToChatmlRunOptions {
  /** One source format for every row; undefined: detected per row. */
  format?: FormatName;
  /** `KEY=PATH` field mappings of a custom shape (`messages=dialog,role=speaker`); see parseMap. */
  map?: string[];
  /** `VALUE=ROLE` role-name mappings; see parseRoles. */
  role: string[];
  /** Merge consecutive messages of one role. */
  mergeConsecutive: boolean;
  /** A system message for conversations that have none. */
  system?: string;
  /** A system message for every conversation, replacing an existing one. */
  systemOverride?: string;
  /** Drop fields that are not part of the record. */
  dropExtra: boolean;
  /** Render chat rows into `text` with the built-in ChatML template. */
  render?: 'chatml';
  /** Render chat rows into `text` with this chat template file. */
  template?: string;
  /** Also write one JSON line (file, line, reason, message) per rejected row here; needs a rejects sink. */
  rejectReasons?: string;
  /** How input files are read: auto (by content), ndjson or json. */
  inputFormat: 'auto' | 'ndjson' | 'json';
  /** The key of a JSON document whose array holds the rows. */
  field?: string;
}

/** Parse `--map` values (`messages=dialog,role=speaker`) into a FieldMap. */
export function parseMap(items: readonly string[]): FieldMap {
  const map: FieldMap = {};
  for (const item of items.flatMap((s) => s.split(','))) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq) as (typeof MAP_KEYS)[number];
    const value = item.slice(eq + 1);
    if (eq < 1 || value === '') throw new UsageError(`--map takes KEY=PATH pairs; got ${JSON.stringify(item)}`, `keys: ${MAP_KEYS.join(', ')}`);
    if (!MAP_KEYS.includes(key)) throw new UsageError(`--map: unknown key ${JSON.stringify(key)}`, `keys: ${MAP_KEYS.join(', ')}`);
    map[key] = value;
  }
  if (!map.messages && !(map.prompt && map.response)) throw new UsageError('--map needs messages=PATH, or both prompt=PATH and response=PATH');
  if (map.messages && (map.prompt || map.response)) throw new UsageError('--map: give messages=PATH or prompt=/response=, not both');
  return map;
}

/** Parse `--role VALUE=ROLE` values. */
export function parseRoles(items: readonly string[]): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    const role = item.slice(eq + 1) as Role;
    if (eq < 1 || !ROLES.includes(role)) throw new UsageError(`--role takes VALUE=ROLE with ROLE one of ${ROLES.join(', ')}; got ${JSON.stringify(item)}`);
    roles.set(item.slice(0, eq), role);
  }
  return roles;
}

/**
 * Convert every row of `ctx.inputs` (NDJSON or JSON documents) to a ChatML record on `ctx.out`;
 * rows that cannot be converted go to the rejects sink by reason. Formats seen go to the notes
 * and the summary.
 */
export async function runToChatml(o: ToChatmlRunOptions, ctx: ToolContext): Promise<void> {
  if (o.system !== undefined && o.systemOverride !== undefined) throw new UsageError('give --system or --system-override, not both');
  if (o.render !== undefined && o.template !== undefined) throw new UsageError('give --render or --template, not both');
  const mapArg = o.map;
  if (mapArg && o.format !== undefined) throw new UsageError('--map and --format exclude each other (--map is the format "custom")');
  const reasonsPath = o.rejectReasons;
  if (reasonsPath && !ctx.report.hasRejects) throw new UsageError('--reject-reasons needs --rejects FILE');

  let render: ((m: Msg[], t: unknown[] | undefined) => string) | undefined;
  if (o.render === 'chatml') render = (m) => renderChatml(m);
  else if (o.template === 'chatml') render = (m) => renderChatml(m);
  else if (typeof o.template === 'string') render = await templateRenderer(loadTemplate(o.template));

  const core = new ToChatml({
    format: o.format,
    map: mapArg ? parseMap(mapArg) : undefined,
    roles: parseRoles(o.role),
    mergeConsecutive: o.mergeConsecutive,
    system: o.systemOverride ?? o.system,
    systemOverride: o.systemOverride !== undefined,
    dropExtra: o.dropExtra,
    render,
  });

  const { report, out } = ctx;
  let rejector: Rejector = report;
  if (reasonsPath) {
    const reasons = ctx.openOutputFile(reasonsPath);
    rejector = {
      reject(reason: string, raw: string | Buffer, pos: Position, error: DataError) {
        report.reject(reason, raw, pos, error);
        reasons.push(JSON.stringify({ file: pos.file, line: pos.line, reason, message: error.message }));
      },
    };
    const flush = report.flushSinks.bind(report);
    report.flushSinks = async () => {
      await flush();
      if (reasons.pending) await reasons.flush();
    };
  }
  const readOpts = { ...ctx.readOptions, counts: report.counts, rejector, inputFormat: o.inputFormat, field: o.field };
  // JSON Lines, when OpenAI rows may take the fast path: a line the JsonChecker passes is offered
  // to fastOpenaiChecked, which writes it from its bytes without a parse; every other line is
  // parsed and converted as readJsonInput + convertBatch would, in input order (issue 17).
  const checker = core.fast ? new JsonChecker() : undefined;
  for (const input of ctx.inputs) {
    if (checker && readsAsLines(input, readOpts)) {
      for await (const chunk of readLineChunks([input], readOpts)) {
        const parts: Buffer[] = [];
        let fastRows = 0;
        walkCheckedLines(
          chunk,
          checker,
          0,
          (start, stop) => {
            if (!fastOpenaiChecked(chunk.buf.subarray(start, stop), parts)) return false;
            fastRows++;
            return true;
          },
          (run) => {
            const batch = parseLines(run, report.counts, rejector, true, true);
            if (batch.length === 0) return;
            const { bytes, written } = core.convertBatch(batch, rejector);
            if (bytes.length > 0) parts.push(bytes);
            report.written += written;
          },
        );
        report.counts.lines += fastRows;
        report.written += fastRows;
        core.addFast(fastRows);
        if (parts.length > 0) out.pushBytes(parts.length === 1 ? parts[0] : Buffer.concat(parts));
        await out.flush();
        await report.flushSinks();
      }
      continue;
    }
    for await (const batch of readJsonInput([input], readOpts)) {
      const { bytes, written } = core.convertBatch(batch, rejector);
      if (bytes.length > 0) out.pushBytes(bytes);
      report.written += written;
      await out.flush();
      await report.flushSinks();
    }
  }
  const formats = Object.fromEntries([...core.formats].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  report.notes.formats = formats;
  if (core.droppedExtra > 0) report.notes.rows_with_dropped_extra = core.droppedExtra;
  if (core.formats.size > 0) ctx.summaryExtra.push(`formats: ${core.formatSummary()}`);
}
