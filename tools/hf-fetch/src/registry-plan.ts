import { dirname, isAbsolute, join } from 'node:path';
import { UsageError } from '@ldt/errors';
import { approvalOf, type PlanTemplate, type Registry, type RegistryEntry, refusalReasons } from './registry.js';

/** The template used when the registry has no `usage.plan_template`. */
export const DEFAULT_TEMPLATE: Required<Omit<PlanTemplate, 'manifest_args'>> & { manifest_args: string } = {
  out_dir: 'out/{category}',
  steps: ['to-chatml'],
  manifest: true,
  manifest_args: '',
};

/** One dataset of a plan: what is fetched, at which commit, and the commands of its pipeline. */
export interface PlanDataset {
  dataset: string;
  id?: string;
  path?: string;
  license: string;
  status: 'enabled' | 'disabled';
  approver: string | null;
  approved: string | null;
  decision_record: string | null;
  /** The pinned commit, or null when the registry pins none (then hf-fetch reads main, resolved when run). */
  revision: string | null;
  config: string | null;
  split: string | null;
  /** Why the gate refuses it now (empty: approved). */
  not_approved: string[];
  /** The NDJSON the pipeline writes. */
  output: string;
  /** The pipeline, one argv per command (hf-fetch first); each command's --stats file is in it. */
  commands: string[][];
  stats: string[];
}

/** An exported plan (`hf-fetch registry plan CATEGORY --format json`); the Makefile is written from it. */
export interface Plan {
  plan: 'ldt-registry-plan';
  version: 1;
  registry: string;
  category: string;
  title: string | null;
  intended_use: string | null;
  license_hints: string | null;
  /** `disabled` while the registry or any dataset of the category is not approved. */
  status: 'enabled' | 'disabled';
  registry_enabled: boolean;
  out_dir: string;
  datasets: PlanDataset[];
  /** `manifest build` over every dataset's output, with the tool chain of every --stats file; null when the template says manifest: false. */
  manifest: { out_dir: string; command: string[] } | null;
  activation_steps: string[];
}

/** A file-name-safe name for a dataset: `openai/gsm8k` → `openai--gsm8k`. */
function slug(e: RegistryEntry): string {
  const s = (e.id ?? (e.pathAsWritten ?? 'local').replace(/\/+$/, '')).replaceAll('/', '--');
  return s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]/, '_');
}

function splitWords(cmd: string): string[] {
  return cmd.trim().split(/\s+/);
}

/** Build the plan of one category. */
export function buildPlan(reg: Registry, category: string): Plan {
  const cat = reg.categories.find((c) => c.name === category);
  if (!cat)
    throw new UsageError(`the dataset registry ${reg.file} has no category ${JSON.stringify(category)}`, `categories: ${reg.categories.map((c) => c.name).join(', ') || '(none)'}`);
  if (cat.datasets.length === 0) throw new UsageError(`category ${category} of the dataset registry ${reg.file} lists no dataset; there is nothing to plan`);
  const t = { ...DEFAULT_TEMPLATE, ...(reg.usage?.plan_template ?? {}) };
  const out = t.out_dir.replaceAll('{category}', category).replace(/\/+$/, '');
  const used = new Set<string>();
  const datasets = cat.datasets.map((e): PlanDataset => {
    let name = slug(e);
    for (let i = 2; used.has(name); i++) name = `${slug(e)}-${i}`;
    used.add(name);
    const label = e.id ?? (e.pathAsWritten as string);
    const stats = [`${out}/stats/${name}.0-hf-fetch.json`];
    const fetch = [
      'hf-fetch',
      // A local path is written relative to where the plan is run (the registry's folder joined with its path there).
      e.id ?? (isAbsolute(e.pathAsWritten as string) ? (e.pathAsWritten as string) : join(dirname(reg.file), e.pathAsWritten as string)),
      ...(e.revision ? ['--revision', e.revision] : []),
      ...(e.config ? ['--config', e.config] : []),
      ...(e.split ? ['--split', e.split] : []),
      '--registry',
      reg.file,
      '--stats',
      stats[0],
    ];
    const commands = [fetch];
    t.steps.forEach((step, i) => {
      const words = splitWords(step);
      const s = `${out}/stats/${name}.${i + 1}-${words[0]}.json`;
      stats.push(s);
      commands.push([...words, '--stats', s]);
    });
    return {
      dataset: label,
      ...(approvalOf(e) as Pick<PlanDataset, 'id' | 'path' | 'license' | 'status' | 'approver' | 'approved' | 'decision_record' | 'revision'>),
      config: e.config ?? null,
      split: e.split ?? null,
      not_approved: refusalReasons(reg, e),
      output: `${out}/${name}.ndjson`,
      commands,
      stats,
    };
  });
  const manifestDir = `${out}/dataset`;
  return {
    plan: 'ldt-registry-plan',
    version: 1,
    registry: reg.file,
    category,
    title: cat.title ?? null,
    intended_use: cat.intended_use ?? null,
    license_hints: cat.license_hints ?? null,
    status: reg.enabled && datasets.every((d) => d.not_approved.length === 0) ? 'enabled' : 'disabled',
    registry_enabled: reg.enabled,
    out_dir: out,
    datasets,
    manifest: t.manifest
      ? {
          out_dir: manifestDir,
          command: [
            'manifest',
            'build',
            '--out-dir',
            manifestDir,
            ...(t.manifest_args ? splitWords(t.manifest_args) : []),
            ...datasets.flatMap((d) => d.stats.flatMap((s) => ['--stats-from', s])),
            ...datasets.map((d) => d.output),
          ],
        }
      : null,
    activation_steps: reg.usage?.activation_steps ?? [],
  };
}

/** Quote a word for the shell, and its `$` for make. */
function q(w: string): string {
  const sh = /^[\w./@%+=:,-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
  return sh.replaceAll('$', '$$$$');
}

function comment(text: string, indent = '#   '): string[] {
  return text
    .trim()
    .split('\n')
    .map((l) => `${indent}${l}`.trimEnd());
}

/** The plan as a Makefile (GNU make, bash): a gate check first, one pipeline per dataset, then manifest build. */
export function planMakefile(p: Plan): string {
  const L: string[] = [];
  const sub = (s: string) => (s.startsWith(`${p.out_dir}/`) ? `$(OUT)/${q(s.slice(p.out_dir.length + 1))}` : q(s));
  const render = (cmd: readonly string[]) =>
    cmd
      .map((w, i) => (i === 0 && w === 'hf-fetch' ? '$(HF_FETCH)' : w === p.registry ? '$(REGISTRY)' : p.manifest && w === p.manifest.out_dir ? '$(OUT)/dataset' : sub(w)))
      .join(' ');
  L.push(`# Plan for the category ${p.category}${p.title ? ` (${p.title})` : ''} of the dataset registry ${p.registry}`);
  L.push(`# status: ${p.status}`);
  L.push('# Written by `hf-fetch registry plan`; export it again after every change to the registry.');
  L.push('#');
  const blocked = p.datasets.filter((d) => d.not_approved.length > 0);
  if (!p.registry_enabled) L.push('# The registry is disabled (enabled: false): nothing it gates is fetched.');
  if (blocked.length > 0) {
    L.push('# Not approved: running this plan stops at the gate (target `gate`), naming each of them:');
    for (const d of blocked) L.push(`#   ${d.dataset}: ${d.not_approved.join('; ')}`);
  }
  const unpinned = p.datasets.filter((d) => d.revision === null && d.id !== undefined);
  if (unpinned.length > 0) {
    L.push('# Not pinned (read at main, resolved to a commit when run; pin one with revision: SHA in the registry):');
    for (const d of unpinned) L.push(`#   ${d.dataset}`);
  }
  if (p.intended_use) L.push('#', '# Intended use:', ...comment(p.intended_use));
  if (p.license_hints) L.push('#', '# Licence hints:', ...comment(p.license_hints));
  L.push('#', '# Datasets:');
  for (const d of p.datasets)
    L.push(
      `#   ${d.dataset}  licence: ${d.license}  revision: ${d.revision ?? '(main)'}  status: ${d.status}  approver: ${d.approver ?? '-'}  approved: ${d.approved ?? '-'}  record: ${d.decision_record ?? '-'}`,
    );
  if (p.activation_steps.length > 0) {
    L.push('#', '# Activation steps (usage.activation_steps):');
    p.activation_steps.forEach((s, i) => {
      L.push(...comment(`${i + 1}. ${s}`));
    });
  }
  L.push('#', '# Run from the folder the plan was exported in: make -f THIS_FILE [-j N]. HF_FETCH, REGISTRY and OUT can be overridden.', '');
  L.push('SHELL := /bin/bash', '.SHELLFLAGS := -eu -o pipefail -c', '.DELETE_ON_ERROR:', '');
  L.push(`REGISTRY ?= ${q(p.registry)}`, `OUT ?= ${q(p.out_dir)}`, 'HF_FETCH ?= hf-fetch', '');
  L.push(`DATASETS := ${p.datasets.map((d) => sub(d.output)).join(' ')}`, '');
  L.push('.PHONY: all gate', `all: ${p.manifest ? sub(`${p.manifest.out_dir}/manifest.json`) : '$(DATASETS)'}`, '');
  L.push('# The governance gate for every dataset at once (hf-fetch checks each again when it fetches).');
  L.push('gate:', `\t$(HF_FETCH) registry check $(REGISTRY) --gate ${p.datasets.map((d) => q(d.dataset)).join(',')}`, '');
  for (const d of p.datasets) {
    L.push(`${sub(d.output)}: | gate`, '\t@mkdir -p $(OUT)/stats');
    const lines = d.commands.map(render);
    L.push(`\t${lines[0]} \\`);
    for (const l of lines.slice(1)) L.push(`\t  | ${l} \\`);
    L.push('\t  > $@', '');
  }
  if (p.manifest) {
    // One line per dataset's --stats files, then the outputs (the command as in the Plan JSON).
    const cmd = p.manifest.command;
    const head = cmd.slice(0, cmd.indexOf('--stats-from') === -1 ? cmd.length - p.datasets.length : cmd.indexOf('--stats-from'));
    L.push(`${sub(`${p.manifest.out_dir}/manifest.json`)}: $(DATASETS)`, '\trm -rf $(OUT)/dataset', `\t${render(head)} \\`);
    for (const d of p.datasets) L.push(`\t  ${d.stats.map((s) => `--stats-from ${sub(s)}`).join(' ')} \\`);
    L.push('\t  $(DATASETS)', '');
  }
  return `${L.join('\n').replace(/\n+$/, '')}\n`;
}
