import { createRequire } from 'node:module';
import { defineTool, type Io, type OptionsOf, runProcess, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { FORMATS } from './formats.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

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

async function handler(o: OptionsOf<typeof spec.options>, ctx: ToolContext): Promise<void> {
  // Imported here, not at the top: `--help` and `--version` stay as cheap as node itself.
  const { runToChatml } = await import('./run.js');
  await runToChatml(
    {
      format: o.format,
      map: o.map,
      role: o.role ?? [],
      mergeConsecutive: o['merge-consecutive'],
      system: o.system,
      systemOverride: o['system-override'],
      dropExtra: o['drop-extra'],
      render: o.render,
      template: o.template,
      rejectReasons: o['reject-reasons'],
      inputFormat: o['input-format'],
      field: o.field,
    },
    ctx,
  );
}

/** Entry point of the bin shim. */
export function run(): void {
  runProcess(main);
}
