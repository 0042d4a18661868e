import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { type DataError, type Position, UsageError } from '@ldt/errors';
import type { Rejector } from '@ldt/ndjson';
import { type FieldMap, FORMATS } from './formats.js';
import type { Role } from './messages.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const MAP_KEYS = ['messages', 'role', 'content', 'system', 'tools', 'prompt', 'response'] as const;
const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool'];

/** The option table: help, parsing, the README check and the argv tests all come from it. */
export const spec = defineTool({
  name: 'to-chatml',
  version,
  summary: 'convert instruction, chat, preference and tool-call datasets into one lossless chat schema',
  description:
    'Reads rows in any common training-data shape (OpenAI messages, also bare arrays; ShareGPT/Vicuna incl. LLaMA-Factory tool calls; Alpaca; Dolly; prompt/completion, prompt/response, query/response, question/answer, instruction/response; UltraChat; LMSYS; prosocial-dialog; HH-RLHF; DPO/UltraFeedback pairs; LLaMA-Factory preference rows (chosen/rejected one message each); Firefly/MOSS {human, assistant} turns; KTO; glaive function calling; prompt-only RL and eval rows), detects the format per row, and writes the schema of configs/chatml.schema.json to stdout: chat rows {messages, tools?, meta}, preference rows {prompt, chosen, rejected, meta}, KTO rows {prompt, completion, label, meta}, prompt-only rows {prompt, meta}; text rows pass through unchanged. meta.format names the detected format; source fields the schema does not hold go to meta.extra. ' +
    'A row that cannot be converted (unknown role, empty content, tool result without a call, bad arguments, no assistant turn, consecutive same-role turns, …) is an error naming file:line and the reason, or with --rejects goes there verbatim and is counted by reason. stderr: one summary line with rows per detected format. ' +
    'Memory: one read chunk for NDJSON; a .json document (a JSON array file) is read whole (about 4x its size). Deterministic: tool-call ids that the source lacks are call_0, call_1, … per row.',
  usage: [
    'to-chatml [OPTIONS] [FILE...]',
    'to-chatml --format NAME [OPTIONS] [FILE...]',
    'to-chatml --map messages=PATH,role=KEY,content=KEY [--role VALUE=ROLE] [OPTIONS] [FILE...]',
  ],
  rejects: true,
  options: [
    {
      name: 'format',
      type: 'choice',
      arg: 'NAME',
      choices: FORMATS,
      describe: 'Treat every row as this source format instead of detecting it per row; a row that does not fit is rejected (format_mismatch).',
      defaultText: 'detected per row',
    },
    {
      name: 'map',
      type: 'string',
      arg: 'KEY=PATH,...',
      repeatable: true,
      describe:
        'Custom shapes: where the conversation is. messages=PATH (a list of message objects, dotted path), role=KEY and content=KEY (the keys inside each message; default role, content), system=PATH, tools=PATH; or prompt=PATH,response=PATH for one exchange. Implies meta.format "custom".',
    },
    {
      name: 'role',
      type: 'string',
      arg: 'VALUE=ROLE',
      repeatable: true,
      describe:
        'Map a source role value to system, user, assistant or tool (e.g. --role bot=assistant). Checked before the built-in names (human, gpt, chatgpt, bing, bard, observation, function_call, …).',
    },
    {
      name: 'merge-consecutive',
      type: 'boolean',
      describe: 'Join consecutive user, assistant or system turns into one (contents separated by a blank line). Off: such a row is rejected (consecutive_same_role).',
      default: false,
    },
    { name: 'system', type: 'string', arg: 'TEXT', describe: 'Prepend a system message with TEXT to every conversation (and prompt) that has none.' },
    { name: 'system-override', type: 'string', arg: 'TEXT', describe: 'Like --system, but also replace an existing system message with TEXT.' },
    {
      name: 'drop-extra',
      type: 'boolean',
      describe: 'Do not keep source fields the schema does not hold (ids, categories, scores, …) under meta.extra. Counted in --stats as rows_with_dropped_extra.',
      default: false,
    },
    {
      name: 'render',
      type: 'choice',
      arg: 'STYLE',
      choices: ['chatml'],
      describe: 'Add a "text" field to chat rows: chatml is <|im_start|>role\\ncontent<|im_end|>\\n per message (tool calls as <tool_call> blocks, reasoning as <think>).',
    },
    sharedOption('template', {
      describe:
        'Add a "text" field to chat rows rendered with a chat template: chatml (as --render chatml), or a Hugging Face tokenizer_config.json (its chat_template and special tokens such as bos_token) or .jinja file; add_generation_prompt is false. A row the template refuses is rejected (template_error).',
    }),
    {
      name: 'input-format',
      type: 'choice',
      arg: 'KIND',
      choices: ['auto', 'ndjson', 'json'],
      describe:
        'How to read input files: ndjson (one row per line; a line may also be a bare array of messages), json (each file is one JSON array of rows, or one object), or auto (json for names ending in .json/.json.gz/.json.zst that parse as one JSON value, else ndjson). Rows of a JSON document are numbered by the line they start on.',
      default: 'auto',
    },
    sharedOption('field', {
      describe:
        "A .json document that is one object is one row; with --field KEY its array under KEY holds the rows (as the datasets json loader's field=). hf-fetch reads files the same way (@ldt/ndjson readJsonInput).",
    }),
    {
      name: 'reject-reasons',
      type: 'string',
      arg: 'FILE',
      describe: 'With --rejects: also write one JSON line per rejected row, in the same order, {"file","line","reason","message"}. Written atomically.',
    },
  ],
  examples: [
    ['to-chatml examples/to-chatml-mixed.ndjson', 'Convert a file that mixes Alpaca, ShareGPT, OpenAI, HH-RLHF, KTO and glaive rows.'],
    ['to-chatml --rejects /tmp/rejects.ndjson --reject-reasons /tmp/reasons.ndjson examples/to-chatml-bad.ndjson', 'Keep going past bad rows; see each one and why.'],
    ['to-chatml --merge-consecutive --rejects /tmp/rejects.ndjson examples/to-chatml-bad.ndjson', 'Join consecutive same-role turns instead of rejecting those rows.'],
    [
      'to-chatml --render chatml --system "You are a helpful assistant." examples/to-chatml-mixed.ndjson | head -1',
      'Add a system prompt where there is none and a ChatML rendering in "text".',
    ],
    [
      'to-chatml --map messages=dialog,role=speaker,content=utterance --role bot=assistant --role person=user examples/to-chatml-custom.ndjson',
      'A custom shape: messages in "dialog", roles "bot"/"person".',
    ],
    ['to-chatml examples/chat.ndjson | to-chatml | head -1', 'Converting twice changes nothing (idempotent).'],
  ],
  exitStatus: ['With --rejects, rows that cannot be converted do not change the exit status: they are counted in the summary.'],
  seeAlso: ['hf-fetch (datasets to NDJSON)', 'normalize-encoding', 'dedup-exact'],
});

/** Run to-chatml with `argv` on `io`; returns the exit code. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return runTool(spec, argv, io, handler);
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

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  const [{ readJsonInput }, { ToChatml }, { renderChatml, loadTemplate, templateRenderer }] = await Promise.all([
    import('@ldt/ndjson'),
    import('./convert.js'),
    import('./render.js'),
  ]);
  if (o.system !== undefined && o['system-override'] !== undefined) throw new UsageError('give --system or --system-override, not both');
  if (o.render !== undefined && o.template !== undefined) throw new UsageError('give --render or --template, not both');
  const mapArg = o.map;
  if (mapArg && o.format !== undefined) throw new UsageError('--map and --format exclude each other (--map is the format "custom")');
  const reasonsPath = o['reject-reasons'];
  if (reasonsPath && !o.rejects) throw new UsageError('--reject-reasons needs --rejects FILE');

  let render: ((m: import('./messages.js').Msg[], t: unknown[] | undefined) => string) | undefined;
  if (o.render === 'chatml') render = (m) => renderChatml(m);
  else if (o.template === 'chatml') render = (m) => renderChatml(m);
  else if (typeof o.template === 'string') render = await templateRenderer(loadTemplate(o.template));

  const core = new ToChatml({
    format: o.format,
    map: mapArg ? parseMap(mapArg) : undefined,
    roles: parseRoles(o.role ?? []),
    mergeConsecutive: o['merge-consecutive'],
    system: o['system-override'] ?? o.system,
    systemOverride: o['system-override'] !== undefined,
    dropExtra: o['drop-extra'],
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
  const readOpts = { ...ctx.readOptions, counts: report.counts, rejector, inputFormat: o['input-format'], field: o.field };
  for await (const batch of readJsonInput(ctx.inputs, readOpts)) {
    const { bytes, written } = core.convertBatch(batch, rejector);
    if (bytes.length > 0) out.pushBytes(bytes);
    report.written += written;
    await out.flush();
    await report.flushSinks();
  }
  const formats = Object.fromEntries([...core.formats].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
  report.notes.formats = formats;
  if (core.droppedExtra > 0) report.notes.rows_with_dropped_extra = core.droppedExtra;
  if (core.formats.size > 0) ctx.summaryExtra.push(`formats: ${core.formatSummary()}`);
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
