export { countRowTokens, ESTIMATE, loadTokenCounter, rowTexts, type TokenCounter } from '@ldt/tokens';
export { main, run, spec } from './cli.js';
export { type CurriculumConfig, globToRegExp, KINDS, type Kind, loadConfig, type MatchRules, type PhaseConfig, type SourceMix, validateConfig } from './config.js';
export { DEFAULT_MAX_EPOCHS, DEFAULT_SEED } from './defaults.js';
export { apportion, CurriculumRouter, countTurns, detectKind, type PhaseResult, type RouteOptions, rowKey, type SourceResult, withMeta } from './route.js';
export { type CurriculumRouteRunOptions, phaseLines, runCurriculumRoute } from './run.js';
