/**
 * The JSON Schema of the dataset registry, as the validator uses it at run time. configs/registry.schema.json
 * is the published copy; a test checks the two are equal (edit both).
 */
export const registrySchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/ldt/ldt/configs/registry.schema.json',
  title: 'ldt dataset registry (ldt-registry.yaml; the governance gate of hf-fetch)',
  description:
    'Datasets by category, each with its licence, status and approval. hf-fetch refuses a Hub dataset (or a listed local path) unless the registry is enabled and the dataset is enabled with an approver and an approval date.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'enabled', 'categories'],
  properties: {
    version: { const: 2, description: 'the registry format version (2)' },
    enabled: {
      type: 'boolean',
      description: 'the switch for the whole registry: while false, nothing it gates is fetched (every Hub dataset, every listed local path)',
    },
    notes: { type: ['string', 'null'] },
    legal: {
      type: 'object',
      additionalProperties: false,
      properties: {
        compliance_notes: { type: ['string', 'null'] },
        restrictions: { type: 'array', items: { type: 'string' } },
        contacts: { type: 'array', items: { type: 'string' } },
      },
    },
    usage: {
      type: 'object',
      additionalProperties: false,
      properties: {
        activation_steps: { type: 'array', items: { type: 'string' } },
        plan_template: { $ref: '#/$defs/planTemplate' },
      },
    },
    categories: {
      type: 'object',
      propertyNames: { pattern: '^[a-z0-9][a-z0-9-]*$', description: "a category name: lower-case letters, digits and '-'" },
      additionalProperties: { $ref: '#/$defs/category' },
    },
  },
  $defs: {
    planTemplate: {
      type: 'object',
      additionalProperties: false,
      description: 'how `hf-fetch registry plan` writes the fetch of each dataset: hf-fetch | each step | > OUT/<dataset>.ndjson, then manifest build',
      properties: {
        out_dir: {
          type: 'string',
          minLength: 1,
          description: "the plan's output folder; {category} is replaced by the category name",
        },
        steps: {
          type: 'array',
          items: { type: 'string', pattern: '^[a-z][a-z0-9-]*( .*)?$', description: "an ldt command and its flags, e.g. 'to-chatml' or 'dedup-exact --key messages'" },
          description: 'the commands the rows of each dataset go through after hf-fetch, in order; each also gets --stats',
        },
        manifest: { type: 'boolean', description: "end with manifest build over every dataset's output, with the tool chain from each --stats file" },
        manifest_args: { type: 'string', description: "extra flags for manifest build, e.g. '--compress zstd'" },
      },
    },
    category: {
      type: 'object',
      additionalProperties: false,
      required: ['datasets'],
      properties: {
        title: { type: 'string' },
        intended_use: { type: ['string', 'null'] },
        license_hints: { type: ['string', 'null'] },
        notes: { type: ['string', 'null'] },
        datasets: { type: 'array', items: { $ref: '#/$defs/dataset' } },
      },
    },
    dataset: {
      type: 'object',
      additionalProperties: false,
      required: ['license', 'status'],
      oneOf: [
        { required: ['id'], not: { required: ['path'] } },
        { required: ['path'], not: { required: ['id'] } },
      ],
      properties: {
        id: {
          type: 'string',
          pattern: '^[\\w.-]+(/[\\w.-]+)?$',
          description: 'a Hub dataset id: owner/name (or a legacy name-only id)',
        },
        path: { type: 'string', minLength: 1, description: 'a local dataset folder or file, relative to the registry file' },
        license: { type: 'string', minLength: 1, description: 'the licence stamped on every row as meta.license (a hint until reviewed)' },
        intended_use: { type: ['string', 'null'] },
        status: { enum: ['enabled', 'disabled'] },
        approver: { type: ['string', 'null'], minLength: 1 },
        approved: {
          type: ['string', 'null'],
          pattern: '^\\d{4}-\\d{2}-\\d{2}$',
          description: 'the approval date, YYYY-MM-DD',
        },
        decision_record: { type: ['string', 'null'], minLength: 1, description: 'a link to, or path of, the approval decision' },
        revision: {
          type: ['string', 'null'],
          pattern: '^[0-9a-f]{40}$',
          description: 'a pinned commit sha (40 hex digits): hf-fetch reads it, the plan writes it',
        },
        config: { type: ['string', 'null'], description: 'the config the plan fetches (else the default config)' },
        split: { type: ['string', 'null'], description: 'the split the plan fetches (else every split)' },
        notes: { type: ['string', 'null'] },
      },
      if: { properties: { status: { const: 'enabled' } }, required: ['status'] },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      then: {
        required: ['approver', 'approved'],
        properties: { approver: { type: 'string' }, approved: { type: 'string' } },
      },
    },
  },
};
