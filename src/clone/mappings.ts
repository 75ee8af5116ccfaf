/**
 * The clone mapping file (`clone.yaml`, docs/clone.md): its types and its loader.
 *
 * Contract: `parseCloneMappings` accepts YAML or JSON text (or an already parsed value) and
 * returns a typed, normalised `CloneMappings`, or throws ONE A0vaultError with code `config`
 * whose message names every problem with its path (`/exclude/0: unknown resource type
 * "logstreams"`), as validated by schemas/clone-mappings.schema.json plus the checks a schema
 * cannot express (known resource types, a keyword mapped twice). Never reads secrets: `secrets`
 * only names where each value comes from.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { A0vaultError } from '../core/errors.js';

export const CLONE_MAPPINGS_SCHEMA_URL = new URL('../../schemas/clone-mappings.schema.json', import.meta.url);

/** deploy-cli 8.44 resource types (lib/tools/auth0/handlers/index.js) plus `migrations` of older exports. */
export const DEPLOY_CLI_TYPES: readonly string[] = [
  'rules', 'rulesConfigs', 'hooks', 'pages', 'resourceServers', 'clients', 'databases', 'connections', 'tenant',
  'emailProvider', 'emailTemplates', 'clientGrants', 'guardianFactors', 'guardianFactorProviders', 'guardianFactorTemplates',
  'guardianPolicies', 'guardianPhoneFactorSelectedProvider', 'guardianPhoneFactorMessageTypes', 'roles', 'branding',
  'phoneProviders', 'phoneTemplates', 'prompts', 'actions', 'actionModules', 'triggers', 'organizations', 'attackProtection',
  'riskAssessment', 'logStreams', 'customDomains', 'themes', 'forms', 'flows', 'flowVaultConnections', 'selfServiceProfiles',
  'networkACLs', 'userAttributeProfiles', 'connectionProfiles', 'tokenExchangeProfiles', 'supplementalSignals',
  'rateLimitPolicies', 'eventStreams', 'clientAuthCredentials', 'migrations',
];

export type RewriteRule =
  | { kind: 'exact'; from: string; to: string }
  | { kind: 'prefix'; from: string; to: string }
  | { kind: 'domain'; from: string; to: string };

/** Where a secret's value comes from; `omit` drops the field that holds the placeholder. */
export type SecretSource = { kind: 'env'; name: string } | { kind: 'file'; path: string } | { kind: 'omit' };

export interface ExcludeRule {
  type: string;
  /** Absent: the whole type. */
  name?: string;
}

export type UsersMode = { kind: 'none' } | { kind: 'all' } | { kind: 'sample'; size: number };

export interface CloneMappings {
  /** Exact, prefix and domain rules (the `domains` shorthand is folded in as domain rules). */
  rewrites: RewriteRule[];
  /** Non-secret keyword values (passed to deploy-cli as they are). */
  keywords: Record<string, string | string[]>;
  secrets: Record<string, SecretSource>;
  exclude: ExcludeRule[];
  users: { mode: UsersMode; scrubPii: { enabled: boolean; metadataFields: string[] } };
}

let validator: ValidateFunction | undefined;

function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    validator = ajv.compile(JSON.parse(readFileSync(CLONE_MAPPINGS_SCHEMA_URL, 'utf8')) as object);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** One line per problem, naming the path; `oneOf` noise is reduced to the branch errors that matter. */
function describe(errors: ErrorObject[]): string[] {
  const lines = new Set<string>();
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const e of errors) {
    const path = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty?: unknown }).additionalProperty);
      lines.add(`${path === '/' ? '' : path}/${key}: unknown key`);
    } else if (e.keyword === 'oneOf') {
      lines.add(`${path}: does not match any accepted form`);
    } else if (!(oneOfPaths.has(path) && (e.keyword === 'type' || e.keyword === 'required'))) {
      lines.add(`${path}: ${e.message ?? e.keyword}`);
    }
  }
  return [...lines];
}

function parseSecretSource(text: string): SecretSource {
  if (text === 'omit') return { kind: 'omit' };
  if (text.startsWith('env:')) return { kind: 'env', name: text.slice(4) };
  return { kind: 'file', path: text.slice(5) };
}

function parseUsersMode(text: string | undefined): UsersMode {
  if (text === undefined || text === 'none') return { kind: 'none' };
  if (text === 'all') return { kind: 'all' };
  return { kind: 'sample', size: Number(text.slice('sample:'.length)) };
}

interface RawMappings {
  rewrites?: ({ exact: string; to: string } | { prefix: string; to: string } | { domain: string; to: string })[];
  domains?: Record<string, string>;
  keywords?: Record<string, string | string[]>;
  secrets?: Record<string, string>;
  exclude?: (string | { type: string; name: string })[];
  users?: { mode?: string; scrubPii?: { enabled: boolean; metadataFields?: string[] } };
}

function semanticProblems(raw: RawMappings): string[] {
  const problems: string[] = [];
  const known = new Set(DEPLOY_CLI_TYPES);
  (raw.exclude ?? []).forEach((item, i) => {
    const type = typeof item === 'string' ? item : item.type;
    const path = typeof item === 'string' ? `/exclude/${i}` : `/exclude/${i}/type`;
    if (!known.has(type)) problems.push(`${path}: unknown resource type ${JSON.stringify(type)}`);
  });
  for (const key of Object.keys(raw.secrets ?? {})) {
    if (raw.keywords && key in raw.keywords) problems.push(`/secrets/${key}: also given under /keywords/${key}`);
  }
  return problems;
}

/**
 * Validates and normalises a mapping file. `source` names it in messages (a path or "clone.yaml").
 * Throws A0vaultError('config') listing every problem.
 */
export function parseCloneMappings(input: string | unknown, source = 'clone.yaml'): CloneMappings {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = parseYaml(input) ?? {};
    } catch (err) {
      throw new A0vaultError('config', `${source} is not valid YAML`, { cause: err, details: { source } });
    }
  }
  const errors = validate(value);
  const problems = errors.length > 0 ? describe(errors) : semanticProblems(value as RawMappings);
  if (problems.length > 0) {
    throw new A0vaultError('config', `${source}: ${problems.join('; ')}`, { details: { source, problems } });
  }
  const raw = value as RawMappings;
  const rewrites: RewriteRule[] = (raw.rewrites ?? []).map((r) =>
    'exact' in r ? { kind: 'exact', from: r.exact, to: r.to } : 'prefix' in r ? { kind: 'prefix', from: r.prefix, to: r.to } : { kind: 'domain', from: r.domain, to: r.to },
  );
  for (const [from, to] of Object.entries(raw.domains ?? {})) rewrites.push({ kind: 'domain', from, to });
  return {
    rewrites,
    keywords: { ...(raw.keywords ?? {}) },
    secrets: Object.fromEntries(Object.entries(raw.secrets ?? {}).map(([k, v]) => [k, parseSecretSource(v)])),
    exclude: (raw.exclude ?? []).map((e) => (typeof e === 'string' ? { type: e } : { type: e.type, name: e.name })),
    users: {
      mode: parseUsersMode(raw.users?.mode),
      scrubPii: { enabled: raw.users?.scrubPii?.enabled ?? false, metadataFields: [...(raw.users?.scrubPii?.metadataFields ?? [])] },
    },
  };
}

/** How a secret source reads in messages and reports (never the value). */
export function describeSecretSource(source: SecretSource): string {
  return source.kind === 'env' ? `env:${source.name}` : source.kind === 'file' ? `file:${source.path}` : 'omit';
}
