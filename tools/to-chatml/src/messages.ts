/**
 * Message-level normalisation and validation: role mapping, content, tool calls and results,
 * consecutive same-role turns, system prompts. Everything that is wrong with a row is a
 * `RowReject` with a snake_case reason; nothing is repaired silently.
 */

/** A reason a row cannot be converted; counted under `reason` and written to --rejects. */
export class RowReject extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** An output message in the OpenAI/TRL conversational form. */
export interface Msg {
  role: Role;
  content: string;
  reasoning_content?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/**
 * Source role values and what they mean. `function_call` (LLaMA-Factory ShareGPT) is an assistant
 * turn holding a tool call; `observation`, `function` and `tool` are tool results.
 */
export const ROLE_ALIASES: Readonly<Record<string, Role>> = {
  system: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  gpt: 'assistant',
  chatgpt: 'assistant',
  bing: 'assistant',
  bard: 'assistant',
  function_call: 'assistant',
  tool: 'tool',
  observation: 'tool',
  function: 'tool',
};

/** Options of message normalisation. */
export interface MessageOptions {
  /** Extra role aliases from `--role VALUE=ROLE` (checked before the built-in ones). */
  roles: ReadonlyMap<string, Role>;
  /** Join consecutive same-role turns (user, assistant, system) instead of rejecting the row. */
  mergeConsecutive: boolean;
}

/** A message as read from a source, with its role and content keys already known. */
export interface SourceMsg {
  item: Record<string, unknown>;
  roleKey: string;
  contentKey: string;
}

/** Mutable state across the messages of one conversation (tool-call ids, pending calls). */
export class ConvState {
  nextCall = 0;
  /** Calls issued and not yet answered, in order. */
  pending: string[] = [];
  /** True once anything differs from the input's own message objects (no byte-preserving output then). */
  changed = false;

  newCallId(taken: ReadonlySet<string>): string {
    let id: string;
    do id = `call_${this.nextCall++}`;
    while (taken.has(id));
    return id;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema role of a source role value (`--role` aliases first); an unknown one is a `RowReject`. */
export function mapRole(raw: unknown, opts: MessageOptions, where: string): { role: Role; sourceRole: string } {
  if (typeof raw !== 'string') throw new RowReject('unknown_role', `${where}: expected a role string, got ${describe(raw)}`, 'map other role fields with --map role=FIELD');
  const role = opts.roles.get(raw) ?? ROLE_ALIASES[raw] ?? ROLE_ALIASES[raw.toLowerCase()];
  if (!role)
    throw new RowReject(
      'unknown_role',
      `${where}: unknown role ${JSON.stringify(raw).slice(0, 60)}`,
      `known roles: ${Object.keys(ROLE_ALIASES).join(', ')}; map others with --role ${JSON.stringify(raw).slice(0, 30)}=user|assistant|system|tool`,
    );
  return { role, sourceRole: raw };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Content as a string: strings as they are; an array of text parts joined; anything else rejected. */
function contentText(v: unknown, where: string, state: ConvState): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v) && v.every((p) => isObj(p) && p.type === 'text' && typeof p.text === 'string')) {
    state.changed = true;
    return v.map((p) => (p as { text: string }).text).join('');
  }
  throw new RowReject(
    'unsupported_content',
    `${where}: content must be a string or a list of text parts, got ${describe(v)}`,
    'image/audio parts have no place in a text chat schema',
  );
}

/** Turn a source tool call (OpenAI `{id,type,function:{name,arguments}}`, or `{name,arguments}`) into the schema's form. */
export function toolCall(raw: unknown, where: string, state: ConvState, taken: Set<string>): ToolCall {
  if (!isObj(raw)) throw new RowReject('bad_tool_call', `${where}: a tool call must be an object, got ${describe(raw)}`);
  const fn = isObj(raw.function) ? raw.function : raw;
  if (fn !== raw.function || raw.type !== 'function') state.changed = true;
  const name = fn.name;
  if (typeof name !== 'string' || name === '') throw new RowReject('bad_tool_call', `${where}: a tool call needs a function name, got ${describe(name)}`);
  let args = fn.arguments ?? fn.parameters;
  if (args === undefined) {
    args = '{}';
    state.changed = true;
  } else if (typeof args === 'string') {
    try {
      JSON.parse(args);
    } catch {
      throw new RowReject('bad_arguments', `${where}: arguments of ${JSON.stringify(name)} are not valid JSON: ${JSON.stringify(args).slice(0, 80)}`);
    }
  } else {
    // Typed columns break on mixed argument shapes: arguments are always a JSON string.
    args = JSON.stringify(args);
    state.changed = true;
  }
  let id = raw.id;
  if (typeof id !== 'string' || id === '') {
    id = state.newCallId(taken);
    state.changed = true;
  }
  taken.add(id as string);
  const extraKeys = Object.keys(raw).filter((k) => k !== 'id' && k !== 'type' && k !== 'function' && k !== 'name' && k !== 'arguments' && k !== 'parameters');
  const out: ToolCall & Record<string, unknown> = { id: id as string, type: 'function', function: { name, arguments: args as string } };
  for (const k of extraKeys) out[k] = raw[k];
  return out;
}

/**
 * Normalise a list of source messages into schema messages, then validate the conversation:
 * roles, empty content, tool results matching a call, consecutive same-role turns (merged with
 * `mergeConsecutive`, else rejected). Does not require an assistant turn (callers decide).
 */
export function normalizeMessages(src: readonly SourceMsg[], opts: MessageOptions, state: ConvState, field: string): Msg[] {
  const taken = new Set<string>();
  const out: Msg[] = [];
  for (let i = 0; i < src.length; i++) {
    const { item, roleKey, contentKey } = src[i];
    const where = `${field}[${i}]`;
    const { role, sourceRole } = mapRole(item[roleKey], opts, where);
    if (roleKey !== 'role' || contentKey !== 'content' || sourceRole !== role) state.changed = true;
    const keys = Object.keys(item);
    const msg: Msg = { role, content: '' };
    let content = contentText(item[contentKey], `${where}.${contentKey}`, state);
    let calls: ToolCall[] | undefined;
    if (sourceRole === 'function_call') {
      // LLaMA-Factory: the value is a JSON string {"name","arguments"} (or a list of them).
      let parsed: unknown;
      try {
        parsed = JSON.parse(content ?? '');
      } catch {
        throw new RowReject('bad_tool_call', `${where}: a function_call turn must hold JSON {"name","arguments"}, got ${JSON.stringify(content ?? null).slice(0, 80)}`);
      }
      calls = (Array.isArray(parsed) ? parsed : [parsed]).map((c, k) => toolCall(c, `${where}.tool_calls[${k}]`, state, taken));
      content = '';
    }
    if (Array.isArray(item.tool_calls)) calls = [...(calls ?? []), ...item.tool_calls.map((c, k) => toolCall(c, `${where}.tool_calls[${k}]`, state, taken))];
    else if (item.tool_calls !== undefined && item.tool_calls !== null)
      throw new RowReject('bad_tool_call', `${where}.tool_calls: expected a list, got ${describe(item.tool_calls)}`);
    if (isObj(item.function_call)) {
      // OpenAI's legacy assistant function_call.
      calls = [...(calls ?? []), toolCall(item.function_call, `${where}.function_call`, state, taken)];
      state.changed = true;
    }
    if (content === undefined) {
      if (role === 'assistant' && calls && calls.length > 0) {
        content = '';
        state.changed = true;
      } else throw new RowReject('empty_content', `${where}: ${role} message has no ${contentKey}`);
    }
    msg.content = content;
    // Other keys of the message are kept on it (name, weight, …); thinking/reasoning become reasoning_content.
    for (const k of keys) {
      if (k === roleKey || k === contentKey || k === 'tool_calls' || k === 'function_call' || k === 'tool_call_id') continue;
      if ((k === 'reasoning' || k === 'thinking') && item.reasoning_content === undefined && typeof item[k] === 'string') {
        msg.reasoning_content = item[k] as string;
        state.changed = true;
        continue;
      }
      if (k === 'role' || k === 'content') {
        // a source key that collides with the schema's names (e.g. --map role=from leaves a "role" key)
        msg[`source_${k}`] = item[k];
        state.changed = true;
        continue;
      }
      msg[k] = item[k];
    }
    if (calls) {
      if (role !== 'assistant') throw new RowReject('bad_tool_call', `${where}: only assistant messages may hold tool calls, got a ${role} message`);
      if (calls.length > 0) msg.tool_calls = calls;
      else state.changed = true;
      state.pending.push(...calls.map((c) => c.id));
    }
    if (role === 'tool') {
      let id = item.tool_call_id;
      if (typeof id === 'string' && id !== '') {
        const at = state.pending.indexOf(id);
        if (at < 0)
          throw new RowReject('tool_result_without_call', `${where}: tool result for ${JSON.stringify(id)}, which no earlier assistant message called (or was answered already)`);
        state.pending.splice(at, 1);
      } else {
        if (state.pending.length === 0) throw new RowReject('tool_result_without_call', `${where}: a tool result with no pending tool call before it`);
        id = state.pending.shift();
        state.changed = true;
      }
      msg.tool_call_id = id as string;
    } else if (item.tool_call_id !== undefined) {
      msg.tool_call_id = item.tool_call_id as string;
    }
    out.push(msg);
  }
  return checkConversation(out, opts, state, field);
}

/** Empty content and consecutive same-role turns. */
export function checkConversation(msgs: Msg[], opts: MessageOptions, state: ConvState, field: string): Msg[] {
  const out: Msg[] = [];
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i];
    const empty = m.content.trim() === '';
    if (empty && !(m.role === 'assistant' && m.tool_calls && m.tool_calls.length > 0)) {
      throw new RowReject('empty_content', `${field}[${i}]: ${m.role} message has empty content`, 'drop or fill such turns upstream; empty turns train the model to say nothing');
    }
    const prev = out[out.length - 1];
    if (prev && prev.role === m.role && m.role !== 'tool') {
      if (!opts.mergeConsecutive)
        throw new RowReject(
          'consecutive_same_role',
          `${field}[${i}]: two ${m.role} messages in a row`,
          'use --merge-consecutive to join them (contents separated by a blank line)',
        );
      mergeInto(prev, m);
      state.changed = true;
      continue;
    }
    out.push(m);
  }
  return out;
}

/** Separator placed between the contents of merged consecutive turns. */
export const MERGE_SEPARATOR = '\n\n';

function mergeInto(a: Msg, b: Msg): void {
  a.content = a.content === '' ? b.content : b.content === '' ? a.content : `${a.content}${MERGE_SEPARATOR}${b.content}`;
  if (b.reasoning_content !== undefined)
    a.reasoning_content = a.reasoning_content === undefined ? b.reasoning_content : `${a.reasoning_content}${MERGE_SEPARATOR}${b.reasoning_content}`;
  if (b.tool_calls) a.tool_calls = [...(a.tool_calls ?? []), ...b.tool_calls];
  for (const k of Object.keys(b)) {
    if (k === 'role' || k === 'content' || k === 'reasoning_content' || k === 'tool_calls') continue;
    if (!(k in a)) a[k] = b[k];
    else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) throw new RowReject('consecutive_same_role', `cannot merge two ${a.role} messages whose ${JSON.stringify(k)} differ`);
  }
}

/** Apply `--system` (prepend when there is none) or `--system-override` (replace or prepend). */
export function applySystem(msgs: Msg[], system: string | undefined, override: boolean, state: ConvState): Msg[] {
  if (system === undefined) return msgs;
  if (msgs[0]?.role === 'system') {
    if (!override || msgs[0].content === system) return msgs;
    state.changed = true;
    return [{ ...msgs[0], content: system }, ...msgs.slice(1)];
  }
  state.changed = true;
  return [{ role: 'system', content: system }, ...msgs];
}

/**
 * `tools` as a parsed array of OpenAI function tools (`{type:"function", function:{…}}`), also
 * when the source stores a JSON string (LLaMA-Factory) or bare function schemas.
 * Returns undefined for an absent/empty value.
 */
export function normalizeTools(v: unknown, state: ConvState): unknown[] | undefined {
  if (v === undefined || v === null || v === '') {
    if (v !== undefined) state.changed = true;
    return undefined;
  }
  let list = v;
  if (typeof v === 'string') {
    try {
      list = JSON.parse(v);
    } catch {
      throw new RowReject('bad_tools', `tools: a string that is not JSON: ${JSON.stringify(v).slice(0, 80)}`);
    }
    state.changed = true;
  }
  if (isObj(list)) {
    list = [list];
    state.changed = true;
  }
  if (!Array.isArray(list)) throw new RowReject('bad_tools', `tools: expected a list of function schemas, got ${describe(list)}`);
  if (list.length === 0) {
    state.changed = true;
    return undefined;
  }
  return list.map((t, i) => {
    if (isObj(t) && t.type === 'function' && isObj(t.function) && typeof t.function.name === 'string') return t;
    if (isObj(t) && typeof t.name === 'string' && t.type === undefined) {
      state.changed = true;
      return { type: 'function', function: t };
    }
    throw new RowReject('bad_tools', `tools[${i}]: expected a function schema with a name, got ${JSON.stringify(t).slice(0, 80)}`);
  });
}
