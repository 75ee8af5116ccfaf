/**
 * Turns a tenant's credentials reference into Credentials. The environment is passed in (only
 * the CLI reads process.env); files are read here.
 *
 * Errors: A0vaultError('config') naming the tenant and the variable or file that is missing or
 * malformed; never the values.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { A0vaultError } from '../core/errors.js';
import { toCredentials, type Credentials } from '../auth0/credentials.js';
import type { TenantEntry } from './tenants-file.js';

export interface ResolveOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** Relative credential files are resolved against this directory. */
  baseDir: string;
  signal: AbortSignal;
}

function fromEnv(env: ResolveOptions['env'], name: string, domain: string): string {
  const v = env[name];
  if (v === undefined || v === '') throw new A0vaultError('config', `tenant ${domain}: environment variable ${name} is not set`);
  return v;
}

async function fromFile(file: string, domain: string, signal: AbortSignal): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', signal });
  } catch (err) {
    throw new A0vaultError('config', `tenant ${domain}: cannot read credentials file ${file}`, { cause: err });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    // no cause: a parser message may quote the file's content
    throw new A0vaultError('config', `tenant ${domain}: credentials file ${file} is not JSON or YAML`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new A0vaultError('config', `tenant ${domain}: credentials file ${file} must hold an object`);
  }
  return value as Record<string, unknown>;
}

const FILE_KEYS = new Set(['clientId', 'clientSecret', 'accessToken']);

/** The tenant's credentials, read from the environment or its credentials file. */
export async function resolveCredentials(tenant: TenantEntry, o: ResolveOptions): Promise<Credentials> {
  const ref = tenant.credentials;
  const domain = tenant.domain;
  if ('clientIdEnv' in ref) {
    return toCredentials({ domain, clientId: fromEnv(o.env, ref.clientIdEnv, domain), clientSecret: fromEnv(o.env, ref.clientSecretEnv, domain) });
  }
  if ('accessTokenEnv' in ref) return toCredentials({ domain, accessToken: fromEnv(o.env, ref.accessTokenEnv, domain) });
  const file = path.resolve(o.baseDir, ref.file);
  const v = await fromFile(file, domain, o.signal);
  const unknown = Object.keys(v).filter((k) => !FILE_KEYS.has(k));
  if (unknown.length > 0) throw new A0vaultError('config', `tenant ${domain}: credentials file ${file}: unknown key(s) ${unknown.join(', ')}`);
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const clientId = str('clientId');
  const clientSecret = str('clientSecret');
  const accessToken = str('accessToken');
  if (clientId !== undefined && clientSecret !== undefined && accessToken === undefined) return toCredentials({ domain, clientId, clientSecret });
  if (accessToken !== undefined && clientId === undefined && clientSecret === undefined) return toCredentials({ domain, accessToken });
  throw new A0vaultError('config', `tenant ${domain}: credentials file ${file} must hold clientId + clientSecret, or accessToken (strings)`);
}
