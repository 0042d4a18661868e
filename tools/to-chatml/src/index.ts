export { main, spec } from './cli.js';
export { convertRow, fastOpenaiBytes, fastOpenaiChecked, type RowResult, ToChatml, type ToChatmlOptions } from './convert.js';
export { type Converted, type FieldMap, joinInput } from './format-parts.js';
export { convertAs, detectFormat, FORMATS, type FormatName } from './formats.js';
export { splitPrompt } from './formats-preference.js';
export { parseHH } from './formats-transcripts.js';
export { applySystem, ConvState, MERGE_SEPARATOR, type Msg, normalizeMessages, normalizeTools, ROLE_ALIASES, type Role, RowReject, type ToolCall } from './messages.js';
export { type ChatTemplate, loadTemplate, renderChatml, templateRenderer } from './render.js';
export { parseMap, parseRoles, runToChatml, type ToChatmlRunOptions } from './run.js';
