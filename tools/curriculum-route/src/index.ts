export { countRowTokens, ESTIMATE, loadTokenCounter, rowTexts, type TokenCounter } from '@ldt/tokens';
export { main, run, spec } from './cli.js';
export { type CurriculumConfig, globToRegExp, KINDS, type Kind, loadConfig, type MatchRules, type PhaseConfig, type SourceMix, validateConfig } from './config.js';
export { DEFAULT_MAX_EPOCHS, DEFAULT_SEED } from './defaults.js';
export { withMeta } from './meta-edit.js';
export { CurriculumRouter, type PhaseResult, type RouteOptions, type SourceResult } from './route.js';
export { countTurns, detectKind, rowKey } from './row-facts.js';
export { type CurriculumRouteRunOptions, phaseLines, runCurriculumRoute } from './run.js';
export { apportion } from './shares.js';
