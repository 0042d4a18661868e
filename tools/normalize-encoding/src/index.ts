export { CODEPAGES, CP437, ISO_8859_2, MACROMAN, WHOLE_PAGES, WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1253, WINDOWS_1254, WINDOWS_1257 } from './charmaps.js';
export { main, spec } from './cli.js';
export { DEFAULT_FIX_OPTIONS, FIX_KINDS, type FixOptions, type FixResult, fixText, type NormalForm } from './fix.js';
export { fixC1, type MojibakeFix, mightBeMojibake, mojibakeSuspects, repairMojibake } from './mojibake.js';
export { fixRowLine, type RowFixOptions, type RowFixResult } from './row.js';
export { type NormalizeEncodingRunOptions, runNormalizeEncoding } from './run.js';
export { checkEncoding, DETECT_SAMPLE_BYTES, type Detection, detectEncoding, type TranscodeStats, transcodeInput } from './transcode.js';
