/**
 * The JSON Schema of `a0vault.config.yaml`: the single definition behind
 * schemas/config.schema.json (written by scripts/write-config-schema.ts; a test fails when the
 * file differs) and behind validation in ./load.ts. The TypeScript types in ./types.ts are
 * checked against it by tsc (src/config/schema.test.ts). Unknown keys are errors everywhere.
 */

/** An inline string, or exactly one of `{ env: NAME }`, `{ file: path }`, `{ value: text }`. */
const source = (description: string) =>
  ({
    description,
    type: ['string', 'object'],
    minLength: 1,
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    properties: {
      env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of an environment variable holding the value' },
      file: { type: 'string', minLength: 1, description: 'path of a file holding the value (trailing newline ignored); relative to the config file' },
      value: { type: 'string', minLength: 1, description: 'the value itself (for secrets: warned about)' },
    },
  }) as const;

const keepCount = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: '^unlimited$',
  description: 'a non-negative integer, or "unlimited"',
} as const;

const locationName = '^[A-Za-z0-9][A-Za-z0-9_.-]*$';
const domain = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$' } as const;

export const configSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://a0vault.dev/schemas/config.schema.json',
  title: 'a0vault configuration file (a0vault.config.yaml)',
  description: 'Named storage locations, tenants and where their credentials come from, API budgets, retention and clone mappings. See docs/configuration.md.',
  type: 'object',
  additionalProperties: false,
  required: [],
  properties: {
    version: { const: 1, description: 'format version of this file' },
    locations: {
      type: 'object',
      description: 'named storage locations: `--from <name>` / `--to <name>` use them',
      propertyNames: { pattern: locationName },
      additionalProperties: { $ref: '#/$defs/location' },
    },
    tenants: { type: 'array', items: { $ref: '#/$defs/tenant' } },
    budgets: { $ref: '#/$defs/budgets' },
    retention: { $ref: '#/$defs/retention' },
    mappings: {
      type: 'object',
      description: 'clone mapping file per target tenant domain (paths relative to the config file)',
      propertyNames: domain,
      additionalProperties: { type: 'string', minLength: 1 },
    },
  },
  $defs: {
    location: {
      description: 'a location URL or path, or { url, gcsEndpoint }',
      type: ['string', 'object'],
      minLength: 1,
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1, description: 'a path, file:///…, gs://bucket/prefix' },
        gcsEndpoint: { type: 'string', pattern: '^https?://', description: 'Google Cloud Storage API endpoint for this location' },
      },
    },
    tenant: {
      type: 'object',
      additionalProperties: false,
      required: ['domain'],
      properties: {
        domain,
        clientId: source('client id of the a0vault application'),
        clientSecret: source('client secret: prefer { env } or { file }; an inline value is warned about'),
        accessToken: source('a Management API token instead of client credentials: prefer { env } or { file }'),
      },
    },
    budgets: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: {
        apiBudget: { type: 'number', exclusiveMinimum: 0, maximum: 100, description: "default --api-budget: share (%) of the tenant's rate limit" },
        maxRps: { type: 'number', exclusiveMinimum: 0, description: 'default --max-rps: absolute cap on requests per second' },
        maxDeletes: { type: 'integer', minimum: 0, description: 'default --max-deletes for restores' },
      },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      required: [],
      properties: {
        default: { $ref: '#/$defs/keep' },
        locations: { type: 'object', propertyNames: { pattern: locationName }, additionalProperties: { $ref: '#/$defs/keep' } },
        tenants: { type: 'object', propertyNames: domain, additionalProperties: { $ref: '#/$defs/keep' } },
      },
    },
    keep: {
      type: 'object',
      description: 'prune policy (restic forget semantics): the defaults of the --keep-* flags',
      additionalProperties: false,
      minProperties: 1,
      required: [],
      properties: {
        'keep-last': keepCount,
        'keep-hourly': keepCount,
        'keep-daily': keepCount,
        'keep-weekly': keepCount,
        'keep-monthly': keepCount,
        'keep-yearly': keepCount,
      },
    },
  },
} as const;

/** The schema as the text of schemas/config.schema.json. */
export function configSchemaText(): string {
  return `${JSON.stringify(configSchema, null, 2)}\n`;
}
