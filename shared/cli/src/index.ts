export { allowedRejects, overBudget, parseRejectBudget, type RejectBudget } from './budget.js';
export { type ContextOptions, type ContextScope, createToolContext } from './context.js';
export { renderHelp, renderOptionsTable, tableCells, wrap } from './help.js';
export { deprecatedSpellings, SHARED_OPTIONS, type SharedOptionName, type SharedOverrides, sharedOption } from './options.js';
export { checkOutputs } from './outputs.js';
export { type ParsedArgs, parseArgs, parseSize, rewriteDeprecated, wantsHelpOrVersion } from './parse.js';
export { Progress } from './progress.js';
export { commandTypo, failed, type Handler, type Io, runProcess, runTool, type ToolContext } from './run.js';
export {
  allOptions,
  type CommonOptionValues,
  commonOptions,
  defineTool,
  type OptionSpec,
  type OptionsOf,
  type OptionType,
  type OptionValue,
  type ToolSpec,
} from './spec.js';
export { readStateFile } from './state-file.js';
export { FullWriteStream, isBlocking, PipeWriteStream, stdoutStream } from './stdout.js';
export { didYouMean, editDistance } from './suggest.js';
