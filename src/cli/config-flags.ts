/**
 * Applies the config file (src/config/) to a command's parsed flags: one call per command,
 * `flags = resolveConfigFlags(command, flags)`, before anything else.
 *
 * Precedence (docs/configuration.md): a flag given on the command line > the config file >
 * the built-in default. Environment variables (AUTH0_*, A0VAULT_GCS_ENDPOINT) only fill
 * credentials and endpoints the file leaves open; if both set one, the file wins with a warning
 * on stderr. The file is `--config <file>`, else $A0VAULT_CONFIG, else ./a0vault.config.yaml if
 * present. A file with errors stops the command (exit 2) listing every problem.
 */
import type { Command } from 'commander';
import path from 'node:path';
import { A0vaultError } from '../core/errors.js';
import { load } from '../config/load.js';
import { resolveLocation, retentionRules, tenantCredentials, type Env } from '../config/resolve.js';
import type { A0vaultConfig, KeepRules } from '../config/types.js';
import type { RetentionPolicy, RuleName } from '../retention/policy.js';

export interface ConfigInfo {
  config: A0vaultConfig | undefined;
  /** The file read, if any. */
  path: string | undefined;
  /** Config name of the location in --from/--to, when it named one. */
  locationName: string | undefined;
}

interface ResolvableFlags {
  config?: string;
  from?: string;
  to?: string;
  gcsEndpoint?: string;
  apiBudget?: number;
  maxRps?: number;
  maxDeletes?: number;
  domain?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
}

export interface ResolveOptions {
  /** Resolve the tenant's credentials (default: when the command has a --domain option). */
  needsTenant?: boolean;
  env?: Env;
  cwd?: string;
  warn?: (message: string) => void;
}

const given = (command: Command, key: string) => command.getOptionValueSource(key) === 'cli';

/** Loads the config file the flags and environment point at; throws a config error listing every problem. */
export function loadConfigFile(flags: { config?: string }, env: Env, cwd: string, warn: (m: string) => void): { config: A0vaultConfig | undefined; path: string | undefined } {
  const result = load({ file: flags.config ?? env.A0VAULT_CONFIG, cwd });
  if (result.errors.length > 0) {
    throw new A0vaultError('config', `config file ${result.path ?? ''}: ${result.errors.join('; ')}`, { details: { errors: result.errors } });
  }
  for (const w of result.warnings) warn(`${result.path ?? 'config'}: ${w}`);
  return { config: result.config, path: result.path };
}

/** The flags with the config file applied (see the module comment), plus what was loaded. */
export function resolveConfigFlags<T extends object>(command: Command, flags: T, options: ResolveOptions = {}): T & { configInfo: ConfigInfo } {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((m: string) => void process.stderr.write(`a0vault: warning: ${m}\n`));
  const f = { ...flags } as T & ResolvableFlags;
  const { config, path: file } = loadConfigFile(f, env, options.cwd ?? process.cwd(), warn);
  const baseDir = file ? path.dirname(file) : (options.cwd ?? process.cwd());
  let locationName: string | undefined;
  for (const key of ['from', 'to'] as const) {
    const value = f[key];
    if (typeof value !== 'string') continue;
    const loc = resolveLocation(config, value, baseDir);
    f[key] = loc.url;
    locationName ??= loc.name;
    if (loc.gcsEndpoint !== undefined && !given(command, 'gcsEndpoint')) {
      const fromEnv = env.A0VAULT_GCS_ENDPOINT;
      if (fromEnv && fromEnv !== loc.gcsEndpoint) warn(`A0VAULT_GCS_ENDPOINT is set but the config file gives location "${loc.name ?? ''}" its gcsEndpoint: using the file`);
      f.gcsEndpoint = loc.gcsEndpoint;
    }
  }
  for (const key of ['apiBudget', 'maxRps', 'maxDeletes'] as const) {
    const value = config?.budgets?.[key];
    if (value !== undefined && !given(command, key) && command.options.some((o) => o.attributeName() === key)) f[key] = value;
  }
  const needsTenant = options.needsTenant ?? command.options.some((o) => o.attributeName() === 'domain');
  if (needsTenant && !given(command, 'clientId') && !given(command, 'clientSecret')) {
    const resolved = tenantCredentials(config, { domain: f.domain, env, baseDir });
    if (resolved) {
      for (const w of resolved.warnings) warn(w);
      const c = resolved.credentials;
      f.domain = c.domain;
      if (c.clientId !== undefined) f.clientId = c.clientId;
      if (c.clientSecret !== undefined) f.clientSecret = c.clientSecret;
      if (c.accessToken !== undefined) f.accessToken = c.accessToken;
    }
  }
  return Object.assign(f, { configInfo: { config, path: file, locationName } });
}

const RULE_OF: Record<keyof KeepRules, RuleName> = {
  'keep-last': 'last',
  'keep-hourly': 'hourly',
  'keep-daily': 'daily',
  'keep-weekly': 'weekly',
  'keep-monthly': 'monthly',
  'keep-yearly': 'yearly',
};

/** Config keep-* rules as a retention policy ("unlimited" → Infinity). */
export function policyFromRules(rules: KeepRules): RetentionPolicy {
  const policy: RetentionPolicy = {};
  for (const [key, value] of Object.entries(rules) as [keyof KeepRules, number | 'unlimited' | undefined][]) {
    if (value !== undefined) policy[RULE_OF[key]] = value === 'unlimited' ? Infinity : value;
  }
  return policy;
}

/**
 * The config file's retention per tenant (tenant rules, else the --from location's, else the
 * default), or undefined when the file has no retention section.
 */
export function configRetention(info: ConfigInfo): ((tenant: string) => RetentionPolicy | undefined) | undefined {
  if (!info.config?.retention) return undefined;
  return (tenant) => {
    const rules = retentionRules(info.config, { tenant, locationName: info.locationName });
    return rules ? policyFromRules(rules) : undefined;
  };
}
