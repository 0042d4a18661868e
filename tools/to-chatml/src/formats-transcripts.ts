/** The source formats that are one transcript string: HH-RLHF (`Human:`/`Assistant:`) and glaive function calling (`USER:`/`ASSISTANT:`/`<functioncall>`). */
import { assistant, type Converted, chat, type FormatContext, system, user } from './format-parts.js';
import { RowReject, type SourceMsg, toolCall } from './messages.js';

/** Parse an HH-RLHF transcript: `\n\nHuman: …\n\nAssistant: …`. */
export function parseHH(s: string, field: string): SourceMsg[] {
  const re = /(?:^|\n\n)(Human|Assistant):[ ]?/g;
  const marks = [...s.matchAll(re)];
  if (marks.length === 0 || s.slice(0, marks[0].index).trim() !== '') throw new RowReject('bad_transcript', `${field}: expected a transcript starting with "\\n\\nHuman: "`);
  const out: SourceMsg[] = [];
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i];
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1].index ?? s.length) : s.length;
    const content = s.slice(start, end);
    out.push(m[1] === 'Human' ? user(content) : assistant(content));
  }
  return out;
}

/** glaive-function-calling-v2: `SYSTEM: … -\n{function json}…` and `USER: …\n\n\nASSISTANT: <functioncall> {…} <|endoftext|>…`. */
export function glaive(sys: string, text: string, ctx: FormatContext): Converted {
  const state = ctx.state;
  let s = sys.replace(/^\s*SYSTEM:\s*/, '');
  const tools: unknown[] = [];
  const brace = s.indexOf('{');
  if (brace >= 0) {
    let rest = s.slice(brace);
    s = s.slice(0, brace).trimEnd();
    while (rest.trim() !== '') {
      rest = rest.trimStart();
      const end = jsonValueEnd(rest);
      let fn: unknown;
      try {
        fn = JSON.parse(rest.slice(0, end));
      } catch {
        throw new RowReject('bad_tools', `system: a function definition is not valid JSON: ${JSON.stringify(rest.slice(0, 60))}`);
      }
      tools.push(fn);
      rest = rest.slice(end);
    }
  }
  const src: SourceMsg[] = [];
  if (s !== '') src.push(system(s));
  const re = /(?:^|\n+)\s*(USER|ASSISTANT|FUNCTION RESPONSE):[ ]?/g;
  const marks = [...text.matchAll(re)];
  if (marks.length === 0) throw new RowReject('bad_transcript', 'chat: expected USER:/ASSISTANT: turns');
  const taken = new Set<string>();
  for (let i = 0; i < marks.length; i++) {
    const m = marks[i];
    const start = (m.index ?? 0) + m[0].length;
    const end = i + 1 < marks.length ? (marks[i + 1].index ?? text.length) : text.length;
    let content = text.slice(start, end).replace(/\s*<\|endoftext\|>\s*$/, '');
    if (m[1] === 'USER') src.push(user(content));
    else if (m[1] === 'FUNCTION RESPONSE') src.push({ item: { role: 'tool', content }, roleKey: 'role', contentKey: 'content' });
    else {
      const fc = /<functioncall>\s*/.exec(content);
      if (!fc) {
        src.push(assistant(content));
        continue;
      }
      const call = parseGlaiveCall(content.slice(fc.index + fc[0].length));
      content = content.slice(0, fc.index).trimEnd();
      const tc = toolCall(call, `chat turn ${i}`, state, taken);
      src.push({ item: { role: 'assistant', content, tool_calls: [tc] }, roleKey: 'role', contentKey: 'content' });
    }
  }
  return chat(ctx, src, 'messages', tools.length > 0 ? tools : undefined);
}

/** `{"name": "f", "arguments": '{"a": 1}'}`: glaive quotes the arguments JSON with single quotes. */
function parseGlaiveCall(s: string): unknown {
  const t = s.trim();
  try {
    return JSON.parse(t);
  } catch {}
  const m = /^(\{[\s\S]*"arguments"\s*:\s*)'([\s\S]*)'(\s*\})$/.exec(t);
  if (m) {
    try {
      return JSON.parse(`${m[1]}${JSON.stringify(m[2])}${m[3]}`);
    } catch {}
  }
  throw new RowReject('bad_tool_call', `a <functioncall> that is not {"name","arguments"}: ${JSON.stringify(t.slice(0, 80))}`);
}

/** End index of the JSON value at the start of `s` (brace/bracket matching, strings skipped). */
function jsonValueEnd(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return s.length;
}
