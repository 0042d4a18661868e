import { UsageError } from '@ldt/errors';
import type { Registry, RegistryEntry } from './registry.js';

/** The order fields of a dataset are written in when one is added (after the nearest earlier one present). */
const FIELD_ORDER = ['id', 'path', 'license', 'intended_use', 'status', 'approver', 'approved', 'decision_record', 'revision', 'config', 'split', 'notes'];

/** What `enable` records. */
export interface Approval {
  approver: string;
  /** YYYY-MM-DD. */
  approved: string;
  decision_record: string;
  /** Pin this commit (else the pinned revision, if any, is kept). */
  revision?: string;
}

/** The dataset `ref` names: a Hub id, or a local path as the registry writes it. */
export function entryNamed(reg: Registry, ref: string): RegistryEntry {
  const e = reg.entries.find((x) => x.id === ref || (x.pathAsWritten !== undefined && x.pathAsWritten.replace(/\/+$/, '') === ref.replace(/\/+$/, '')));
  if (!e) {
    const all = reg.entries.map((x) => x.id ?? x.pathAsWritten);
    const near = all.filter((x) => x !== undefined && (x.toLowerCase().includes(ref.toLowerCase()) || ref.toLowerCase().includes(x.split('/').pop()?.toLowerCase() ?? '\0')));
    throw new UsageError(
      `${ref} is not in the dataset registry ${reg.file}`,
      near.length > 0 ? `did you mean ${near.slice(0, 3).join(', ')}?` : 'hf-fetch registry list shows the datasets it holds; add a new one under a category first',
    );
  }
  return e;
}

/**
 * Write an approval into registry text in place: status: enabled, approver, approved,
 * decision_record (and revision when given) of one dataset. The `yaml` Document API finds each
 * field's node and its source range; only those ranges are rewritten (or a line inserted after
 * the nearest earlier field), so every other byte — comments, key order, blank lines, folded
 * text, quoting — stays as it was (re-stringifying the document would re-fold long text).
 */
export async function applyApproval(text: string, e: RegistryEntry, a: Approval): Promise<string> {
  const { parseDocument, isMap, isScalar, stringify } = await import('yaml');
  const doc = parseDocument(text);
  const node = doc.getIn(['categories', e.category, 'datasets', e.index], true);
  if (!isMap(node) || node.flow) throw new UsageError(`${e.id ?? e.pathAsWritten} (line ${e.line}) is not a block mapping; write its approval by hand`);
  const fields: [string, string][] = [
    ['status', 'enabled'],
    ['approver', a.approver],
    ['approved', a.approved],
    ['decision_record', a.decision_record],
    ...(a.revision !== undefined ? [['revision', a.revision] as [string, string]] : []),
  ];
  const scalar = (v: string) => stringify(v, { lineWidth: 0 }).trimEnd();
  const edits: { at: number; end: number; text: string }[] = [];
  for (const [key, value] of fields) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair) {
      const v = pair.value;
      if (!isScalar(v) || !v.range) throw new UsageError(`${key} of ${e.id ?? e.pathAsWritten} (line ${e.line}) is not a plain value; write its approval by hand`);
      // `approver:` with nothing after it is null too: then the value needs its space.
      if (v.value !== value) edits.push({ at: v.range[0], end: v.range[1], text: `${text[v.range[0] - 1] === ':' ? ' ' : ''}${scalar(value)}` });
      continue;
    }
    // A new field: on its own line after the nearest earlier field (in FIELD_ORDER) present, at its indent.
    const rank = FIELD_ORDER.indexOf(key);
    let after = node.items[node.items.length - 1];
    for (const p of node.items) {
      const r = isScalar(p.key) ? FIELD_ORDER.indexOf(String(p.key.value)) : -1;
      if (r !== -1 && r < rank) after = p;
    }
    const k = after.key as { range?: [number, number, number] };
    const v = after.value as { range?: [number, number, number] } | null;
    const keyAt = k.range?.[0] ?? 0;
    const indent = keyAt - (text.lastIndexOf('\n', keyAt - 1) + 1);
    const endOfValue = v?.range?.[1] ?? k.range?.[1] ?? keyAt;
    let eol = text.indexOf('\n', endOfValue);
    if (eol === -1) eol = text.length;
    edits.push({ at: eol, end: eol, text: `\n${' '.repeat(indent)}${key}: ${scalar(value)}` });
  }
  let out = text;
  // Same-position inserts keep their field order: apply from the end, later fields first.
  for (const ed of edits.map((x, i) => ({ ...x, i })).sort((x, y) => y.at - x.at || y.i - x.i)) out = out.slice(0, ed.at) + ed.text + out.slice(ed.end);
  return out;
}
