export { renderHelp, wrap } from './help.js';
export { type ParsedArgs, parseArgs, parseSize, wantsHelpOrVersion } from './parse.js';
export { Progress } from './progress.js';
export { failed, type Handler, type Io, runProcess, runTool, type ToolContext } from './run.js';
export { allOptions, commonOptions, type OptionSpec, type OptionType, type ToolSpec } from './spec.js';
export { readStateFile } from './state-file.js';
