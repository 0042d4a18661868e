export { countRowTokens, ESTIMATE, loadTokenCounter, rowTexts, type TokenCounter } from '@ldt/tokens';
export { DEFAULT_MAX_EPOCHS, DEFAULT_SEED, main, phaseLines, run, spec } from './cli.js';
export { type CurriculumConfig, globToRegExp, KINDS, type Kind, loadConfig, type MatchRules, type PhaseConfig, type SourceMix, validateConfig } from './config.js';
export { apportion, CurriculumRouter, countTurns, detectKind, type PhaseResult, type RouteOptions, rowKey, type SourceResult, withMeta } from './route.js';
