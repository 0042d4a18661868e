import { UsageError } from '@ldt/errors';

/** `--max-rejects N|P%`: at most `count` rejected rows, or at most `percent` % of the rows read. */
export type RejectBudget = { count: number; text: string } | { percent: number; text: string };

/** Parse `--max-rejects`: a whole number (`0`, `100`) or a percentage (`1%`, `0.5%`). */
export function parseRejectBudget(s: string): RejectBudget {
  const t = s.trim();
  if (/^\d+$/.test(t) && Number.isSafeInteger(Number(t))) return { count: Number(t), text: t };
  const m = /^(\d+(?:\.\d+)?|\.\d+)%$/.exec(t);
  if (m && Number(m[1]) <= 100) return { percent: Number(m[1]), text: t };
  throw new UsageError(`--max-rejects must be a number of rows (e.g. 100) or a percentage of the rows read (e.g. 1%); got ${JSON.stringify(s)}`);
}

/** The largest number of rejected rows the budget allows when `read` rows were read. */
export function allowedRejects(budget: RejectBudget, read: number): number {
  return 'count' in budget ? budget.count : Math.floor((budget.percent * read) / 100 + 1e-9);
}

/** A message when `rejected` rows exceed the budget, else undefined. */
export function overBudget(budget: RejectBudget, rejected: number, read: number): string | undefined {
  const allowed = allowedRejects(budget, read);
  if (rejected <= allowed) return undefined;
  const of = 'percent' in budget ? ` (${budget.text} of ${read} rows read = ${allowed})` : '';
  return `rejected ${rejected} row${rejected === 1 ? '' : 's'}, more than --max-rejects ${budget.text} allows${of}`;
}
