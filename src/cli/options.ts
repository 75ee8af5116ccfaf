/**
 * Options shared by commands, and the only place that reads the environment.
 * Precedence: a flag wins over the environment variable of the same meaning.
 */
import { Option, type Command } from 'commander';
import { A0vaultError } from '../core/errors.js';
import { toCredentials, type Credentials } from '../auth0/credentials.js';
import { createProgressRenderer, type ProgressMode } from './output/progress.js';

export interface OutputFlags {
  json?: boolean;
  progress?: ProgressMode;
}

export interface StorageFlags {
  gcsEndpoint?: string;
}

export interface TenantFlags {
  domain?: string;
  clientId?: string;
  clientSecret?: string;
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the result as one JSON document on stdout')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(['auto', 'tty', 'json', 'none']).default('auto'));
}

export function addStorageOptions(cmd: Command): Command {
  return cmd.option('--gcs-endpoint <url>', 'Google Cloud Storage API endpoint (env A0VAULT_GCS_ENDPOINT)');
}

export function addTenantOptions(cmd: Command): Command {
  return cmd
    .option('--domain <domain>', 'tenant domain (env AUTH0_DOMAIN)')
    .option('--client-id <id>', 'client id (env AUTH0_CLIENT_ID)')
    .option('--client-secret <secret>', 'client secret (prefer env AUTH0_CLIENT_SECRET: flags show in ps)');
}

export function gcsEndpoint(flags: StorageFlags): string | undefined {
  return flags.gcsEndpoint ?? process.env.A0VAULT_GCS_ENDPOINT ?? undefined;
}

/** Credentials from flags, else AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET / AUTH0_ACCESS_TOKEN. */
export function readCredentials(flags: TenantFlags, env: NodeJS.ProcessEnv = process.env): Credentials {
  const domain = flags.domain ?? env.AUTH0_DOMAIN;
  if (!domain) throw new A0vaultError('config', 'no tenant: set AUTH0_DOMAIN (or --domain)');
  const clientId = flags.clientId ?? env.AUTH0_CLIENT_ID;
  const clientSecret = flags.clientSecret ?? env.AUTH0_CLIENT_SECRET;
  const accessToken = env.AUTH0_ACCESS_TOKEN;
  if (clientId && clientSecret) return toCredentials({ domain, clientId, clientSecret });
  if (accessToken) return toCredentials({ domain, accessToken });
  throw new A0vaultError('config', 'no credentials: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET (or AUTH0_ACCESS_TOKEN)');
}

export function progressFor(flags: OutputFlags) {
  return createProgressRenderer(flags.progress ?? 'auto');
}

export function parsePercent(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 100)) throw new A0vaultError('usage', `expected a percentage in (0, 100], got ${value}`);
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new A0vaultError('usage', `expected a positive number, got ${value}`);
  return n;
}
