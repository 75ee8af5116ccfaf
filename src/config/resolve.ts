/**
 * Reading values out of a validated config: named locations, retention rules, budgets, and a
 * tenant's credentials. The environment is a parameter (only the CLI reads process.env).
 *
 * Precedence (docs/configuration.md): flags > config file > built-in defaults. Environment
 * variables only fill credentials and endpoints the file leaves open; when the file and the
 * environment both set one, the file wins and a warning says so. Secret values never appear in
 * warnings or errors, only the names of variables and files.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { A0vaultError } from '../core/errors.js';
import type { A0vaultConfig, KeepRules, TenantEntry, ValueSource } from './types.js';

export type Env = Record<string, string | undefined>;

export interface ResolvedLocation {
  /** The config name, when the value named a location of the file. */
  name?: string;
  url: string;
  gcsEndpoint?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * `value` (a --from/--to argument) as a location: a name of the file's `locations` wins over a
 * relative path of the same name (write `./name` for the directory). Relative paths in the file
 * are relative to the file's directory.
 */
export function resolveLocation(config: A0vaultConfig | undefined, value: string, baseDir: string): ResolvedLocation {
  const entry = config?.locations?.[value];
  if (entry === undefined || !Object.prototype.hasOwnProperty.call(config?.locations, value)) return { url: value };
  const raw = typeof entry === 'string' ? { url: entry } : entry;
  const url = SCHEME.test(raw.url) || path.isAbsolute(raw.url) ? raw.url : path.resolve(baseDir, raw.url);
  return { name: value, url, ...(raw.gcsEndpoint ? { gcsEndpoint: raw.gcsEndpoint } : {}) };
}

/** The retention rules that apply: the tenant's, else the location's, else the default. */
export function retentionRules(config: A0vaultConfig | undefined, where: { tenant?: string; locationName?: string }): KeepRules | undefined {
  const r = config?.retention;
  if (!r) return undefined;
  if (where.tenant !== undefined) {
    const match = Object.entries(r.tenants ?? {}).find(([d]) => d.toLowerCase() === where.tenant?.toLowerCase());
    if (match) return match[1];
  }
  if (where.locationName !== undefined && r.locations?.[where.locationName]) return r.locations[where.locationName];
  return r.default;
}

/** The tenant entry for `domain`, or the only tenant of the file when no domain is given. */
export function findTenant(config: A0vaultConfig | undefined, domain: string | undefined): TenantEntry | undefined {
  const tenants = config?.tenants ?? [];
  if (domain !== undefined) return tenants.find((t) => t.domain.toLowerCase() === domain.toLowerCase());
  return tenants.length === 1 ? tenants[0] : undefined;
}

interface SourceContext {
  env: Env;
  baseDir: string;
  readFile?: (file: string) => string;
  /** JSON Pointer of the field, for messages. */
  at: string;
}

/** The value a source stands for. A missing variable or unreadable file is a config error. */
export function readSource(source: ValueSource, ctx: SourceContext): string {
  if (typeof source === 'string') return source;
  if ('value' in source) return source.value;
  if ('env' in source) {
    const v = ctx.env[source.env];
    if (v === undefined || v === '') throw new A0vaultError('config', `${ctx.at}: environment variable ${source.env} is not set`);
    return v;
  }
  const file = path.resolve(ctx.baseDir, source.file);
  try {
    return (ctx.readFile ?? ((f: string) => readFileSync(f, 'utf8')))(file).replace(/\r?\n$/, '');
  } catch (err) {
    throw new A0vaultError('config', `${ctx.at}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
}

export interface TenantCredentials {
  domain: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
}

const ENV_OF = { domain: 'AUTH0_DOMAIN', clientId: 'AUTH0_CLIENT_ID', clientSecret: 'AUTH0_CLIENT_SECRET', accessToken: 'AUTH0_ACCESS_TOKEN' } as const;

/**
 * Credentials of the config tenant for `domain` (or of the file's only tenant), with a warning
 * for each AUTH0_* variable that is also set but loses to the file. Undefined when the file
 * has no matching tenant: the caller then falls back to flags and environment as before.
 */
export function tenantCredentials(
  config: A0vaultConfig | undefined,
  options: { domain?: string; env: Env; baseDir: string; readFile?: (file: string) => string },
): { credentials: TenantCredentials; warnings: string[] } | undefined {
  const tenant = findTenant(config, options.domain ?? undefined) ?? (options.domain === undefined ? findTenant(config, options.env.AUTH0_DOMAIN) : undefined);
  if (!tenant) return undefined;
  const index = (config?.tenants ?? []).indexOf(tenant);
  const warnings: string[] = [];
  const credentials: TenantCredentials = { domain: tenant.domain };
  for (const field of ['clientId', 'clientSecret', 'accessToken'] as const) {
    const source = tenant[field];
    if (source === undefined) continue;
    credentials[field] = readSource(source, { env: options.env, baseDir: options.baseDir, readFile: options.readFile, at: `/tenants/${index}/${field}` });
  }
  const fileGivesCredentials = credentials.clientSecret !== undefined || credentials.accessToken !== undefined;
  for (const field of ['domain', 'clientId', 'clientSecret', 'accessToken'] as const) {
    const name = ENV_OF[field];
    const fromEnv = options.env[name];
    if (fromEnv === undefined || fromEnv === '') continue;
    const source = field === 'domain' ? undefined : tenant[field];
    if (typeof source === 'object' && 'env' in source && source.env === name) continue; // the file asked for this very variable
    const fileValue = credentials[field];
    if (field === 'domain' ? fromEnv.toLowerCase() === tenant.domain.toLowerCase() : fromEnv === fileValue) continue;
    // an env credential the file does not set still loses when the file gives credentials of its own
    if (fileValue === undefined && !(field !== 'domain' && fileGivesCredentials)) continue;
    const what = field === 'domain' ? 'tenant domain' : fileValue === undefined ? 'credentials' : field;
    warnings.push(`${name} is set but the config file gives the ${what} (/tenants/${index}): using the file`);
  }
  return { credentials, warnings };
}
