/**
 * Credentials for the Management API, as typed options (engines never read the environment;
 * the CLI maps AUTH0_DOMAIN / AUTH0_CLIENT_ID / AUTH0_CLIENT_SECRET / AUTH0_ACCESS_TOKEN).
 *
 * Secret values are wrapped in `Secret`, which prints as "[redacted]" through
 * `JSON.stringify`, `util.inspect`, `String()` and template literals. Only `reveal()` returns
 * the value, and only the token and HTTP code call it.
 */
import { inspect } from 'node:util';
import { A0vaultError } from '../core/errors.js';

const REDACTED = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value. Call only where it is put on the wire. */
  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

export interface ClientCredentials {
  /** Tenant host, optionally with a port (`tenant.eu.auth0.com`, `localhost:8443`); no scheme. */
  domain: string;
  clientId: string;
  clientSecret: Secret;
}

export interface TokenCredentials {
  domain: string;
  accessToken: Secret;
}

export type Credentials = ClientCredentials | TokenCredentials;

export function isClientCredentials(c: Credentials): c is ClientCredentials {
  return 'clientSecret' in c;
}

/** Plain-string input (as the CLI reads it) → validated credentials with secrets wrapped. */
export type CredentialsInput =
  | { domain: string; clientId: string; clientSecret: string }
  | { domain: string; accessToken: string };

export function toCredentials(input: CredentialsInput): Credentials {
  const domain = normalizeDomain(input.domain);
  if ('accessToken' in input) {
    if (!input.accessToken) throw new A0vaultError('config', 'The access token is empty');
    return { domain, accessToken: new Secret(input.accessToken) };
  }
  if (!input.clientId) throw new A0vaultError('config', 'The client id is empty');
  if (!input.clientSecret) throw new A0vaultError('config', 'The client secret is empty');
  return { domain, clientId: input.clientId, clientSecret: new Secret(input.clientSecret) };
}

/** Accepts `host[:port]`; strips one trailing slash; rejects schemes, paths, queries. */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().replace(/\/$/, '');
  if (!d || /[/?#@\s]/.test(d) || d.includes('://')) {
    throw new A0vaultError('config', `Invalid Auth0 domain "${d}": expected a host name such as tenant.eu.auth0.com`);
  }
  return d;
}
