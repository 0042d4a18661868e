import { createRequire } from 'node:module';
import { defineTool, failed, type Io, type OptionSpec, type OptionsOf, runTool, sharedOption, type ToolContext } from '@ldt/cli';
import { LdtError, UsageError } from '@ldt/errors';
import { approvalOf, type Registry, type RegistryEntry } from './registry.js';

const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const REGISTRY_OPTION = {
  name: 'registry',
  type: 'string',
  arg: 'FILE',
  describe: 'The registry to read.',
  defaultText: '$LDT_REGISTRY, else ldt-registry.yaml in the working directory or the nearest parent that has one',
} as const satisfies OptionSpec;

const SHIPPED = 'configs/datasets/registry.yaml';

export const checkSpec = defineTool({
  name: 'hf-fetch registry check',
  version,
  summary: 'validate a dataset registry and list every problem',
  description:
    'Reads the registry (YAML; the schema is configs/registry.schema.json) and writes each problem to stderr as FILE:LINE: PATH: message — invalid YAML, unknown or missing keys, wrong types, a dataset listed twice, an enabled dataset without approver or approval date. Exit 1 on any problem. With --gate it also checks that each dataset named would pass the gate now (the registry enabled; the dataset listed, enabled and approved) and names each one that would not: the first target of an exported plan.',
  usage: ['hf-fetch registry check [FILE] [--gate ID,...]'],
  positional: { name: 'FILE', describe: 'The registry file (default: $LDT_REGISTRY, else ldt-registry.yaml in the working directory or the nearest parent).' },
  options: [
    { name: 'gate', type: 'paths', arg: 'ID,...', describe: 'Also fail unless each of these datasets (Hub ids, or local paths as the registry writes them) passes the gate.' },
  ],
  examples: [[`hf-fetch registry check ${SHIPPED}`, 'Validate the shipped registry.']],
  exitStatus: ['1 also: the registry has a problem, or a dataset named by --gate would be refused'],
  seeAlso: ['hf-fetch'],
});

export const listSpec = defineTool({
  name: 'hf-fetch registry list',
  version,
  summary: 'list the datasets of a registry',
  description:
    'Writes a table to stdout: category, dataset, status, approver, approval date, pinned revision, licence, and whether the gate lets it through now (gate: open/closed). --json writes one JSON object per dataset instead (NDJSON), with every field of the entry.',
  usage: ['hf-fetch registry list [--category C] [--status S] [--json] [--registry FILE]'],
  positional: { name: '(none)', describe: 'list takes no positional argument; the registry is --registry FILE.' },
  options: [
    { name: 'category', type: 'string', arg: 'C', describe: 'Only datasets of this category.' },
    { name: 'status', type: 'choice', choices: ['enabled', 'disabled'], arg: 'S', describe: 'Only datasets with this status.' },
    sharedOption('json', { describe: 'NDJSON, one object per dataset, instead of the table.' }),
    REGISTRY_OPTION,
  ],
  examples: [[`hf-fetch registry list --registry ${SHIPPED} --category math`, 'The math datasets of the shipped registry and their approval state.']],
  seeAlso: ['hf-fetch'],
});

export const planSpec = defineTool({
  name: 'hf-fetch registry plan',
  version,
  summary: 'export the fetch plan of one category: a Makefile, or Plan JSON',
  description:
    "Writes a Makefile (GNU make, bash) that fetches every dataset of CATEGORY with hf-fetch at its pinned revision and runs it through the pipeline of the registry's usage.plan_template (each step with --stats), into OUT/<dataset>.ndjson, then manifest build over all of them with the tool chain of every --stats file. The header says status: disabled while the registry or any of its datasets is not approved, and names them; running such a plan stops at its first target (hf-fetch registry check --gate), naming each dataset not approved. --format json writes the same plan as JSON. Deterministic: the same registry gives the same bytes.",
  usage: ['hf-fetch registry plan CATEGORY [-o FILE] [--format makefile|json] [--registry FILE]'],
  positional: { name: 'CATEGORY', describe: 'A category of the registry (hf-fetch registry list shows them).' },
  options: [
    { name: 'output', short: 'o', type: 'string', arg: 'FILE', describe: 'Write the plan to FILE (atomically) instead of stdout.' },
    { name: 'format', type: 'choice', choices: ['makefile', 'json'], default: 'makefile', describe: 'makefile or json (the Plan JSON the Makefile is written from).' },
    REGISTRY_OPTION,
  ],
  examples: [[`hf-fetch registry plan math --registry ${SHIPPED} | head -3`, 'The header of the math plan: status: disabled, and why.']],
  seeAlso: ['hf-fetch', 'manifest'],
});

export const enableSpec = defineTool({
  name: 'hf-fetch registry enable',
  version,
  summary: 'record the approval of one dataset in the registry, in place',
  description:
    'Sets status: enabled, approver, approved (the date) and decision_record of dataset ID (a Hub id, or a local path as the registry writes it), and revision with --revision; every comment, the key order and the rest of the file are kept. The file is replaced atomically, and only if the result is a valid registry. It does not switch the registry itself on: that is the enabled: true at its top, set by hand as its usage.activation_steps say.',
  usage: ['hf-fetch registry enable ID --approver NAME --record REF [--date YYYY-MM-DD] [--revision SHA] [--registry FILE]'],
  positional: { name: 'ID', describe: 'The dataset to approve.' },
  options: [
    { name: 'approver', type: 'string', arg: 'NAME', describe: 'Who approved it (required).' },
    { name: 'record', type: 'string', arg: 'REF', describe: 'The decision record: a link or a path (required).' },
    { name: 'date', type: 'string', arg: 'YYYY-MM-DD', describe: 'The approval date.', defaultText: 'today (UTC)' },
    { name: 'revision', type: 'string', arg: 'SHA', describe: 'Pin this commit (40 hex digits): hf-fetch reads it and the plan writes it.', defaultText: 'the pinned one, if any' },
    REGISTRY_OPTION,
  ],
  examples: [],
  seeAlso: ['hf-fetch'],
});

export const registrySpecs = [checkSpec, listSpec, planSpec, enableSpec];

const COMMANDS = ['check', 'list', 'plan', 'enable'];

/** `hf-fetch registry COMMAND …`. */
export function registryMain(argv: readonly string[], io: Io): Promise<number> {
  switch (argv[0]) {
    case 'check':
      return runTool(checkSpec, argv.slice(1), io, check);
    case 'list':
      return runTool(listSpec, argv.slice(1), io, list);
    case 'plan':
      return runTool(planSpec, argv.slice(1), io, plan);
    case 'enable':
      return runTool(enableSpec, argv.slice(1), io, enable);
    case '--help':
    case '-h':
      return writeHelp(io);
    default:
      return Promise.resolve(
        failed(
          'hf-fetch registry',
          io,
          new UsageError(
            argv[0] === undefined ? `a command is needed: ${COMMANDS.join(', ')}` : `unknown command ${JSON.stringify(argv[0])}; expected ${COMMANDS.join(', ')}`,
            "hf-fetch registry COMMAND --help shows each one's options",
          ),
        ),
      );
  }
}

function writeHelp(io: Io): Promise<number> {
  const text = [
    'hf-fetch registry — review, approve and plan the datasets of the governance registry',
    '',
    'Usage:',
    ...registrySpecs.map((s) => `  ${s.usage[0]}\n      ${s.summary}`),
    '',
    'hf-fetch registry COMMAND --help shows the options of each.',
    '',
  ].join('\n');
  return new Promise((resolve) => io.stdout.write(text, () => resolve(0)));
}

async function open(file: string | undefined, ctx: ToolContext): Promise<{ file: string; text: string; registry?: Registry; problems: import('./registry.js').RegistryProblem[] }> {
  const { chooseRegistry, readRegistryFile, REGISTRY_FILE } = await import('./registry.js');
  const choice = chooseRegistry(file, ctx.io.env, process.cwd());
  if (!choice.file)
    throw new UsageError(
      `no dataset registry: none given, LDT_REGISTRY is not set, and there is no ${REGISTRY_FILE} in ${process.cwd()} or any parent`,
      `give the file (--registry FILE), or start one from ${SHIPPED}: cp ${SHIPPED} ${REGISTRY_FILE}`,
    );
  return { file: choice.file, ...(await readRegistryFile(choice.file)) };
}

/** Open a registry that must be valid (list, plan, enable): problems are an error naming each. */
async function openValid(file: string | undefined, ctx: ToolContext): Promise<{ file: string; text: string; registry: Registry }> {
  const r = await open(file, ctx);
  if (!r.registry) {
    const { problemLines } = await import('./registry.js');
    throw new LdtError(
      `the dataset registry ${r.file} is not valid (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}):\n  ${problemLines(r.file, r.problems).join('\n  ')}`,
      `fix it first (hf-fetch registry check ${r.file})`,
    );
  }
  return { ...r, registry: r.registry };
}

function onePositional(ctx: ToolContext, what: string, optional: boolean): string | undefined {
  if (ctx.inputs.length > 1) throw new UsageError(`one ${what} is expected; got ${ctx.inputs.length}: ${ctx.inputs.join(' ')}`);
  if (ctx.inputs.length === 0 && !optional) throw new UsageError(`${what} is required`);
  return ctx.inputs[0];
}

async function check(o: OptionsOf<typeof checkSpec.options>, ctx: ToolContext): Promise<void> {
  const { problemLines, findEntry, refusalReasons } = await import('./registry.js');
  const { resolve } = await import('node:path');
  const r = await open(onePositional(ctx, 'registry FILE', true), ctx);
  const say = (line: string) => ctx.io.stderr.write(`${checkSpec.name}: ${line}\n`);
  if (!r.registry) {
    for (const l of problemLines(r.file, r.problems)) say(l);
    throw new LdtError(`${r.file}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`, `the schema is configs/registry.schema.json; ${SHIPPED} is a valid example`);
  }
  const reg = r.registry;
  ctx.report.counts.lines = reg.entries.length;
  const gate = o.gate ?? [];
  const refused: string[] = [];
  for (const id of gate) {
    // A Hub id, a path as the registry writes it, or a path from here.
    const e = reg.entries.find((x) => x.id === id || x.pathAsWritten === id) ?? findEntry(reg, { path: resolve(id) });
    const why = refusalReasons(reg, e);
    if (why.length > 0) refused.push(`${id}: ${why.join('; ')}`);
  }
  for (const l of refused) say(`${r.file}: not approved: ${l}`);
  if (refused.length > 0)
    throw new LdtError(
      `the gate of ${r.file} refuses ${refused.length} of the ${gate.length} dataset${gate.length === 1 ? '' : 's'} named`,
      'approve each (hf-fetch registry enable ID --approver NAME --record REF) after review, and set enabled: true in the registry as its usage.activation_steps say',
    );
  const enabled = reg.entries.filter((e) => e.status === 'enabled').length;
  ctx.summaryExtra.push(
    `${r.file} is valid: ${reg.categories.length} categor${reg.categories.length === 1 ? 'y' : 'ies'}, ${reg.entries.length} dataset${reg.entries.length === 1 ? '' : 's'} (${enabled} enabled); the registry is ${reg.enabled ? 'enabled' : 'disabled'}${gate.length > 0 ? `; the gate lets through all ${gate.length} named` : ''}`,
  );
}

function listRow(reg: Registry, e: RegistryEntry, open: boolean): Record<string, unknown> {
  return {
    category: e.category,
    ...approvalOf(e),
    intended_use: e.intended_use ?? null,
    ...(e.config ? { config: e.config } : {}),
    ...(e.split ? { split: e.split } : {}),
    ...(e.notes ? { notes: e.notes } : {}),
    gate: open ? 'open' : 'closed',
    line: e.line,
    registry: reg.file,
  };
}

async function list(o: OptionsOf<typeof listSpec.options>, ctx: ToolContext): Promise<void> {
  const { refusalReasons } = await import('./registry.js');
  if (ctx.inputs.length > 0) throw new UsageError(`hf-fetch registry list takes no positional argument; got ${ctx.inputs[0]} (the registry is --registry FILE)`);
  const { registry: reg } = await openValid(o.registry, ctx);
  const cat = o.category;
  if (cat !== undefined && !reg.categories.some((c) => c.name === cat))
    throw new UsageError(`the dataset registry ${reg.file} has no category ${JSON.stringify(cat)}`, `categories: ${reg.categories.map((c) => c.name).join(', ')}`);
  ctx.report.counts.lines = reg.entries.length;
  const rows = reg.entries.filter((e) => (cat === undefined || e.category === cat) && (o.status === undefined || e.status === o.status));
  if (o.json === true) for (const e of rows) ctx.out.push(JSON.stringify(listRow(reg, e, refusalReasons(reg, e).length === 0)));
  else {
    const head = ['CATEGORY', 'DATASET', 'STATUS', 'APPROVER', 'APPROVED', 'REVISION', 'GATE', 'LICENSE'];
    const table = rows.map((e) => [
      e.category,
      e.id ?? e.pathAsWritten ?? '',
      e.status,
      e.approver ?? '-',
      e.approved ?? '-',
      e.revision ? e.revision.slice(0, 12) : '-',
      refusalReasons(reg, e).length === 0 ? 'open' : 'closed',
      e.license,
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    for (const r of [head, ...table]) ctx.out.push(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  '));
  }
  ctx.report.written = rows.length;
  ctx.summaryExtra.push(`${reg.file}: the registry is ${reg.enabled ? 'enabled' : 'disabled (nothing is fetched from the Hub)'}`);
}

async function plan(o: OptionsOf<typeof planSpec.options>, ctx: ToolContext): Promise<void> {
  const { buildPlan, planMakefile } = await import('./registry-plan.js');
  const category = onePositional(ctx, 'CATEGORY', false) as string;
  const { registry: reg } = await openValid(o.registry, ctx);
  const p = buildPlan(reg, category);
  const text = o.format === 'json' ? `${JSON.stringify(p, null, 2)}\n` : planMakefile(p);
  const out = o.output ? ctx.openOutputFile(o.output) : ctx.out;
  out.push(text.replace(/\n$/, ''));
  ctx.report.counts.lines = reg.entries.length;
  ctx.report.written = p.datasets.length;
  ctx.report.notes.status = p.status;
  ctx.summaryExtra.push(
    `plan of ${category}: ${p.datasets.length} dataset${p.datasets.length === 1 ? '' : 's'}, status: ${p.status}${p.status === 'disabled' ? ` (${p.datasets.filter((d) => d.not_approved.length > 0).length} not approved${p.registry_enabled ? '' : '; the registry is disabled'})` : ''}`,
  );
}

async function enable(o: OptionsOf<typeof enableSpec.options>, ctx: ToolContext): Promise<void> {
  const { entryNamed, applyApproval } = await import('./registry-edit.js');
  const { parseRegistry, problemLines } = await import('./registry.js');
  const { rename, writeFile, unlink } = await import('node:fs/promises');
  const id = onePositional(ctx, 'ID (the dataset to approve)', false) as string;
  const approver = o.approver?.trim() ?? '';
  const record = o.record?.trim() ?? '';
  const missing = Object.entries({ approver, record }).flatMap(([k, v]) => (v === '' ? [k] : []));
  if (missing.length > 0) throw new UsageError(`an approval needs ${missing.map((k) => `--${k}`).join(' and ')}`, 'who approved it, and the decision record (a link or a path)');
  const date = o.date ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date)
    throw new UsageError(`--date must be a date YYYY-MM-DD; got ${JSON.stringify(date)}`);
  const rev = o.revision;
  if (rev !== undefined && !/^[0-9a-f]{40}$/.test(rev))
    throw new UsageError(`--revision must be a commit sha (40 hex digits); got ${JSON.stringify(rev)}`, 'hf-fetch DATASET --list --no-registry shows the commit main resolves to');
  const { file, text, registry: reg } = await openValid(o.registry, ctx);
  const e = entryNamed(reg, id);
  const next = await applyApproval(text, e, { approver: approver, approved: date, decision_record: record, revision: rev });
  const checked = await parseRegistry(next, file);
  if (!checked.registry) throw new LdtError(`the approval would leave ${file} invalid; it is unchanged:\n  ${problemLines(file, checked.problems).join('\n  ')}`);
  // Through a symbolic link the registry it points at is replaced, not the link.
  const { outputTarget } = await import('@ldt/ndjson');
  const target = outputTarget(file).path;
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, next);
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new LdtError(`cannot write the registry ${file}: ${(err as Error).message}`);
  }
  ctx.report.counts.lines = reg.entries.length;
  ctx.report.written = 1;
  const label = e.id ?? e.pathAsWritten;
  ctx.summaryExtra.push(`${label} enabled in ${file} (approver ${approver}, ${date}, record ${record}${rev ? `, revision ${rev}` : ''})`);
  if (!reg.enabled) ctx.warn(`the registry ${file} itself is still disabled (enabled: false): nothing is fetched until it is set to true, as its usage.activation_steps say`);
  if (e.id !== undefined && !rev && !e.revision) ctx.warn(`${label} has no pinned revision: it is read at main, resolved when fetched; pin one with --revision SHA`);
}
