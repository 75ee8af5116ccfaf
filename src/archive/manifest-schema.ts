/**
 * The JSON Schema of the snapshot manifest, format versions 1 and 2: the single definition behind
 * schemas/manifest.schema.json (written by scripts/write-manifest-schema.ts). Tests check that
 * the file matches this object and that the TypeScript types in manifest.ts declare exactly the
 * same properties, with the same ones required.
 */

const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const count = { type: 'integer', minimum: 0, maximum: 9007199254740991 } as const;
const countMap = { type: 'object', additionalProperties: count, propertyNames: { type: 'string', minLength: 1 } } as const;
const utcTime = { type: 'string', format: 'date-time', pattern: 'Z$' } as const;
const text = { type: 'string', minLength: 1, maxLength: 2000 } as const;

export const manifestSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://a0vault.dev/schemas/manifest.schema.json',
  title: 'a0vault snapshot manifest (format versions 1 and 2)',
  description: 'Written beside each snapshot archive, last: its presence marks the snapshot complete. See docs/archive-format.md.',
  type: 'object',
  additionalProperties: false,
  required: ['formatVersion', 'tool', 'snapshotId', 'tenant', 'startedAt', 'finishedAt', 'archive', 'entries', 'counts', 'coverage', 'manifestSha256'],
  properties: {
    formatVersion: { enum: [1, 2] },
    tool: { $ref: '#/$defs/tool' },
    snapshotId: { type: 'string', pattern: '^[0-9]{8}T[0-9]{6}Z-[a-z2-7]{6}$' },
    tenant: { $ref: '#/$defs/tenant' },
    startedAt: utcTime,
    finishedAt: utcTime,
    archive: { $ref: '#/$defs/archive' },
    entries: { type: 'array', items: { $ref: '#/$defs/entry' } },
    counts: { $ref: '#/$defs/counts' },
    coverage: { $ref: '#/$defs/coverage' },
    encryption: { $ref: '#/$defs/encryption' },
    manifestSha256: sha256,
  },
  // Version 2 is exactly the version of encrypted archives (per-entry age encryption); v1
  // archives are plaintext (v1's reserved whole-archive encryption was never written).
  if: { properties: { formatVersion: { const: 2 } } },
  then: { required: ['encryption'] },
  else: { not: { required: ['encryption'] } },
  $defs: {
    tool: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'version'],
      properties: { name: { type: 'string', minLength: 1 }, version: { type: 'string', minLength: 1 } },
    },
    tenant: {
      type: 'object',
      additionalProperties: false,
      required: ['domain'],
      properties: { domain: { type: 'string', minLength: 1, maxLength: 253 } },
    },
    archive: {
      type: 'object',
      additionalProperties: false,
      required: ['key', 'size', 'sha256'],
      properties: { key: { type: 'string', minLength: 1, maxLength: 1024 }, size: count, sha256 },
    },
    entry: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'size', 'sha256'],
      properties: {
        path: { type: 'string', minLength: 1, maxLength: 512 },
        size: count,
        sha256,
        records: count,
        contentType: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['users', 'usersByConnection', 'roles', 'roleMembers', 'organizations', 'organizationMembers', 'config'],
      properties: {
        users: count,
        usersByConnection: countMap,
        roles: count,
        roleMembers: count,
        organizations: count,
        organizationMembers: count,
        config: countMap,
      },
    },
    coverage: {
      type: 'object',
      additionalProperties: false,
      required: ['captured', 'notCaptured'],
      properties: {
        captured: { type: 'array', items: { $ref: '#/$defs/coverageCaptured' } },
        notCaptured: { type: 'array', items: { $ref: '#/$defs/coverageGap' } },
      },
    },
    coverageCaptured: {
      type: 'object',
      additionalProperties: false,
      required: ['item'],
      properties: { item: text, count },
    },
    coverageGap: {
      type: 'object',
      additionalProperties: false,
      required: ['item', 'reason', 'restoreAction'],
      properties: { item: text, reason: text, restoreAction: text, count },
    },
    encryption: {
      type: 'object',
      additionalProperties: false,
      required: ['scheme', 'recipients'],
      properties: { scheme: { const: 'age' }, recipients: { type: 'integer', minimum: 1, maximum: 1000 } },
    },
  },
} as const;

/** The schema as the text of schemas/manifest.schema.json. */
export function manifestSchemaText(): string {
  return `${JSON.stringify(manifestSchema, null, 2)}\n`;
}
