import { UsageError } from '@ldt/errors';

/** Split names and ratios, in the order given. */
export interface Ratios {
  names: string[];
  ratios: number[];
  /** Upper bounds of each split's interval in [0, 1): cumulative sums, the last forced to 1. */
  bounds: number[];
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Parse `train=0.98,val=0.01,test=0.01`: any names, ratios ≥ 0 summing to 1 (±1e-9). */
export function parseRatios(text: string): Ratios {
  const names: string[] = [];
  const ratios: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)\s*=\s*([^\s]+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--ratios must look like train=0.98,val=0.01,test=0.01; got ${JSON.stringify(text)}`);
    const [, name, value] = m;
    if (!NAME.test(name)) throw new UsageError(`--ratios: split name ${JSON.stringify(name)} must be letters, digits, '_', '.' or '-' (it becomes a file name with --out-dir)`);
    if (names.includes(name)) throw new UsageError(`--ratios: split ${JSON.stringify(name)} is given twice`);
    const r = Number(value);
    if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) || !Number.isFinite(r) || r < 0 || r > 1)
      throw new UsageError(`--ratios: the ratio of ${JSON.stringify(name)} must be a number between 0 and 1; got ${JSON.stringify(value)}`);
    names.push(name);
    ratios.push(r);
  }
  const sum = ratios.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-9) throw new UsageError(`--ratios must sum to 1; ${ratios.join(' + ')} = ${sum}`, 'e.g. --ratios train=0.98,val=0.01,test=0.01');
  const bounds: number[] = [];
  let acc = 0;
  for (const r of ratios) {
    acc += r;
    bounds.push(acc);
  }
  // The last split with a positive ratio takes everything up to 1, so rounding never leaves a gap.
  for (let i = bounds.length - 1; i >= 0; i--) {
    bounds[i] = 1;
    if (ratios[i] > 0) break;
  }
  return { names, ratios, bounds };
}

/** The split index for a point `x` in [0, 1): the first split whose upper bound exceeds it. */
export function pick(r: Ratios, x: number): number {
  const b = r.bounds;
  for (let i = 0; i < b.length; i++) if (x < b[i]) return i;
  return b.length - 1;
}
