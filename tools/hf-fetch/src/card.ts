import { LdtError } from '@ldt/errors';
import type { CardConfig } from './resolve.js';

/** What hf-fetch takes from a dataset card (README.md YAML front matter). */
export interface Card {
  configs?: CardConfig[];
  license?: string;
}

/** Parse the YAML front matter of a README.md (`---` … `---`); no front matter → empty card. */
export async function parseCard(text: string, where: string): Promise<Card> {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(t);
  if (!m) return {};
  const { parse } = await import('yaml');
  let data: unknown;
  try {
    data = parse(m[1]);
  } catch (e) {
    throw new LdtError(
      `${where}: invalid YAML front matter: ${(e as Error).message.split('\n')[0]}`,
      'fix the dataset card, or read files directly (hf://datasets/OWNER/NAME/PATH)',
    );
  }
  return cardFromData(data, where);
}

/** The card fields from parsed YAML (or the Hub's `cardData`). */
export function cardFromData(data: unknown, where: string): Card {
  if (data === null || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  const card: Card = {};
  if (d.configs !== undefined) {
    if (!Array.isArray(d.configs) || !d.configs.every((c) => c !== null && typeof c === 'object'))
      throw new LdtError(`${where}: "configs" must be a list of {config_name, data_files, …}`, 'see https://huggingface.co/docs/hub/datasets-manual-configuration');
    card.configs = d.configs as CardConfig[];
  }
  card.license = licenseOf(d);
  return card;
}

function licenseOf(d: Record<string, unknown>): string | undefined {
  const lic = d.license;
  const list = typeof lic === 'string' ? [lic] : Array.isArray(lic) ? lic.filter((x): x is string => typeof x === 'string') : [];
  if (list.length === 0) return undefined;
  const named = typeof d.license_name === 'string' ? d.license_name : undefined;
  return list.map((l) => (l === 'other' && named ? named : l)).join(', ');
}
