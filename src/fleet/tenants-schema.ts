/**
 * The JSON Schema of a tenants file (`a0vault snapshot --tenants tenants.yaml`): the single
 * definition behind schemas/tenants.schema.json (a test checks the file matches this object).
 *
 * A tenant names its credentials by reference only: environment variable names, or a file
 * holding them. Secret values are never written in the tenants file itself.
 */

const envName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 200 } as const;

export const tenantsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://a0vault.dev/schemas/tenants.schema.json',
  title: 'a0vault tenants file',
  description: 'Tenants backed up by `a0vault snapshot --tenants <file>`, each with a credentials reference. See docs/fleets.md.',
  type: 'object',
  additionalProperties: false,
  required: ['tenants'],
  properties: {
    tenants: { type: 'array', minItems: 1, items: { $ref: '#/$defs/tenant' } },
  },
  $defs: {
    tenant: {
      type: 'object',
      additionalProperties: false,
      required: ['domain', 'credentials'],
      properties: {
        domain: {
          description: 'Tenant host, optionally with a port, no scheme: acme.eu.auth0.com',
          type: 'string',
          minLength: 1,
          maxLength: 253,
          pattern: '^[^/?#@\\s]+$',
        },
        credentials: { $ref: '#/$defs/credentials' },
      },
    },
    credentials: {
      description:
        'Exactly one of: clientIdEnv + clientSecretEnv (names of environment variables), accessTokenEnv, or file (a JSON or YAML file with clientId + clientSecret or accessToken; relative to the tenants file).',
      type: 'object',
      additionalProperties: false,
      properties: {
        clientIdEnv: envName,
        clientSecretEnv: envName,
        accessTokenEnv: envName,
        file: { type: 'string', minLength: 1, maxLength: 4096 },
      },
      oneOf: [{ required: ['clientIdEnv', 'clientSecretEnv'] }, { required: ['accessTokenEnv'] }, { required: ['file'] }],
    },
  },
} as const;
