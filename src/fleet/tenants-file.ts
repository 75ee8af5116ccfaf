/**
 * Reads a tenants file (YAML or JSON) and checks it against schemas/tenants.schema.json.
 *
 * Contract: `parseTenantsFile` returns the tenants in file order, or throws
 * A0vaultError('config') listing every problem at once, each with its path in the file
 * (`/tenants/2/credentials: unknown key "clientSecret"`). Credentials stay references here;
 * credentials.ts resolves them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { A0vaultError } from '../core/errors.js';
import { tenantsSchema } from './tenants-schema.js';

/** Where a tenant's credentials come from (names and paths only, never values). */
export type CredentialsRef = { clientIdEnv: string; clientSecretEnv: string } | { accessTokenEnv: string } | { file: string };

export interface TenantEntry {
  domain: string;
  credentials: CredentialsRef;
}

export interface TenantsFile {
  tenants: TenantEntry[];
  /** Directory relative credential file paths are resolved against. */
  baseDir: string;
}

let validator: ValidateFunction | undefined;

function validate(value: unknown): string[] {
  if (!validator) validator = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(tenantsSchema);
  if (validator(value)) return [];
  return describeProblems(validator.errors ?? []);
}

const SECRET_LIKE = /secret|token|password|key/i;

/** One line per problem, with the JSON pointer of where it is (`/` for the top level). */
export function describeProblems(errors: ErrorObject[]): string[] {
  // oneOf branches report `required` errors of their own: one summary line replaces them
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const lines = errors.flatMap((e): string[] => {
    const at = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty?: string }).additionalProperty);
      const hint = SECRET_LIKE.test(key) ? ' (secret values are not allowed in a tenants file: name an environment variable or a file)' : '';
      return [`${at}: unknown key "${key}"${hint}`];
    }
    if (e.keyword === 'required' && oneOfPaths.has(e.instancePath) && e.schemaPath.includes('/oneOf/')) return [];
    if (e.keyword === 'oneOf') return [`${at}: give exactly one of clientIdEnv + clientSecretEnv, accessTokenEnv, or file`];
    return [`${at}: ${e.message ?? e.keyword}`];
  });
  return [...new Set(lines)];
}

/** Parses and validates tenants file text. `source` names the file in messages. */
export function parseTenantsFile(text: string, source: string): TenantsFile {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new A0vaultError('config', `${source}: not valid YAML or JSON`, { cause: err });
  }
  const problems = validate(value);
  if (problems.length > 0) {
    throw new A0vaultError('config', `${source} is invalid:\n  ${problems.join('\n  ')}`, { details: { problems } });
  }
  return { tenants: (value as { tenants: TenantEntry[] }).tenants, baseDir: path.dirname(path.resolve(source)) };
}

/** Reads and validates a tenants file. */
export async function loadTenantsFile(file: string, signal: AbortSignal): Promise<TenantsFile> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal });
  } catch (err) {
    throw new A0vaultError('config', `cannot read tenants file ${file}`, { cause: err });
  }
  return parseTenantsFile(text, file);
}
