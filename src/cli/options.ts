/**
 * Options shared by commands, and the only place that reads the environment.
 * Precedence: a flag wins over the environment variable of the same meaning.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { AgeIdentities, AgeRecipients } from '../archive/encryption.js';
import { A0vaultError } from '../core/errors.js';
import { toCredentials, type Credentials } from '../auth0/credentials.js';
import { createProgressRenderer, type ProgressMode } from './output/progress.js';

export interface OutputFlags {
  json?: boolean;
  progress?: ProgressMode;
}

export interface StorageFlags {
  gcsEndpoint?: string;
  /** Config file (else $A0VAULT_CONFIG, else ./a0vault.config.yaml): see cli/config-flags.ts. */
  config?: string;
}

export interface TenantFlags {
  domain?: string;
  clientId?: string;
  clientSecret?: string;
  /** Only ever set from the config file (cli/config-flags.ts), never a flag: tokens show in ps. */
  accessToken?: string;
}

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print the result as one JSON document on stdout')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(['auto', 'tty', 'json', 'none']).default('auto'));
}

export function addStorageOptions(cmd: Command): Command {
  return cmd
    .option('--gcs-endpoint <url>', 'Google Cloud Storage API endpoint (env A0VAULT_GCS_ENDPOINT)')
    .option('--config <file>', 'config file (env A0VAULT_CONFIG; default ./a0vault.config.yaml if present)');
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

/** Credentials from flags (or the config file, via config-flags), else AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET / AUTH0_ACCESS_TOKEN. */
export function readCredentials(flags: TenantFlags, env: NodeJS.ProcessEnv = process.env): Credentials {
  const domain = flags.domain ?? env.AUTH0_DOMAIN;
  if (!domain) throw new A0vaultError('config', 'no tenant: set AUTH0_DOMAIN (or --domain)');
  const clientId = flags.clientId ?? env.AUTH0_CLIENT_ID;
  const clientSecret = flags.clientSecret ?? env.AUTH0_CLIENT_SECRET;
  const accessToken = flags.accessToken ?? env.AUTH0_ACCESS_TOKEN;
  // a token from the config file wins over client credentials from the environment
  if (flags.accessToken && !(flags.clientId && flags.clientSecret)) return toCredentials({ domain, accessToken: flags.accessToken });
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

export interface IdentityFlags {
  identity?: string;
}

export interface EncryptFlags {
  encryptTo?: string[];
  encryptToFile?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--identity <file>` for commands that read an encrypted snapshot's contents. */
export function addIdentityOption(cmd: Command): Command {
  return cmd.option('--identity <file>', 'age identity file (AGE-SECRET-KEY-1… lines) to read encrypted snapshots (env A0VAULT_IDENTITY_FILE)');
}

/** `--encrypt-to` / `--encrypt-to-file` (both repeatable) for commands that write archives. */
export function addEncryptOptions(cmd: Command): Command {
  return cmd
    .option('--encrypt-to <recipient>', 'encrypt the archive to this age recipient (age1…); repeatable', collect)
    .option('--encrypt-to-file <file>', 'encrypt to every age recipient listed in this file (one per line, # comments); repeatable', collect);
}

function readKeyFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new A0vaultError('config', `cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

/**
 * The identities from `--identity`, else from the file A0VAULT_IDENTITY_FILE names; undefined
 * when neither is set. The keys are never printed (AgeIdentities).
 */
export function readIdentities(flags: IdentityFlags, env: NodeJS.ProcessEnv = process.env): AgeIdentities | undefined {
  const path = flags.identity ?? (env.A0VAULT_IDENTITY_FILE || undefined);
  if (path === undefined) return undefined;
  return AgeIdentities.parse(readKeyFile(path, 'identity file'), path);
}

/** The recipients of `--encrypt-to` and `--encrypt-to-file`; undefined when neither is given. */
export function readRecipients(flags: EncryptFlags): AgeRecipients | undefined {
  const values = flags.encryptTo ?? [];
  const files = (flags.encryptToFile ?? []).map((name) => ({ name, text: readKeyFile(name, 'recipients file') }));
  if (values.length === 0 && files.length === 0) return undefined;
  return AgeRecipients.parse({ values, files });
}
