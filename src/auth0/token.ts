/**
 * Management API access tokens.
 *
 * - `ClientCredentialsTokens`: POST https://{domain}/oauth/token (form-encoded
 *   client_credentials, audience https://{domain}/api/v2/). The token is cached and fetched
 *   again `skewMs` before it expires; concurrent callers share one fetch. `invalidate(token)`
 *   (after a 401) drops that token so the next call fetches a new one. 429/5xx/network errors
 *   are retried a few times with backoff on the Clock; OAuth errors (access_denied, …) become
 *   TokenError at once. The token endpoint is not a Management API route, so it does not go
 *   through the Management rate-limit queue.
 * - `StaticToken`: a ready AUTH0_ACCESS_TOKEN; cannot be refreshed.
 * Scopes come from the token response's `scope`, or from the JWT's `scope` claim (unverified:
 * used only to report missing scopes early; Auth0 still enforces them).
 * Tokens are never logged and never part of an error message.
 */
import { systemClock, type Clock } from '../core/abort.js';
import { CancelledError } from '../core/errors.js';
import { Secret, type ClientCredentials } from './credentials.js';
import { TokenError } from './errors.js';
import type { Authorizer } from './queue.js';
import { deadline } from './timeout.js';

export interface TokenSource extends Authorizer {
  /** Scopes granted to the token, once known (after the first `token()` call). */
  scopes(signal: AbortSignal): Promise<ReadonlySet<string> | undefined>;
}

export interface ClientCredentialsOptions {
  credentials: ClientCredentials;
  fetch: typeof fetch;
  clock?: Clock;
  /** Refresh this long before expiry (default 5 min). */
  skewMs?: number;
  /** Attempts for 429/5xx/network errors (default 3). */
  attempts?: number;
  timeoutMs?: number;
}

interface Cached {
  token: Secret;
  expiresAt: number;
  /** How long the token was valid for when it was fetched. */
  lifetimeMs: number;
  scopes: ReadonlySet<string> | undefined;
}

export class ClientCredentialsTokens implements TokenSource {
  private cached: Cached | undefined;
  private pending: Promise<Cached> | undefined;
  private readonly clock: Clock;

  constructor(private readonly opts: ClientCredentialsOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  async token(signal: AbortSignal): Promise<string> {
    return (await this.current(signal)).token.reveal();
  }

  async scopes(signal: AbortSignal): Promise<ReadonlySet<string> | undefined> {
    return (await this.current(signal)).scopes;
  }

  invalidate(token: string): boolean {
    if (this.cached?.token.reveal() === token) this.cached = undefined;
    return true;
  }

  private async current(signal: AbortSignal): Promise<Cached> {
    // renew `skewMs` early, but never earlier than half-way: a short-lived token (a few
    // minutes) would otherwise be fetched again before almost every call
    const skew = Math.min(this.opts.skewMs ?? 300_000, (this.cached?.lifetimeMs ?? 0) / 2);
    if (this.cached && this.clock.now() < this.cached.expiresAt - skew) return this.cached;
    if (!this.pending) {
      this.pending = this.fetchToken(signal).finally(() => {
        this.pending = undefined;
      });
    }
    this.cached = await this.pending;
    return this.cached;
  }

  private async fetchToken(signal: AbortSignal): Promise<Cached> {
    const { domain, clientId, clientSecret } = this.opts.credentials;
    const attempts = this.opts.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
      let res: Response;
      const limit = deadline(this.clock, this.opts.timeoutMs ?? 30_000, signal);
      try {
        res = await this.opts.fetch(`https://${domain}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: formBody(clientId, clientSecret, `https://${domain}/api/v2/`),
          signal: limit.signal,
        });
      } catch (err) {
        if (signal.aborted) throw new CancelledError('Operation cancelled', { cause: signal.reason });
        if (attempt >= attempts) throw new TokenError(`Could not reach https://${domain}/oauth/token`, undefined, { cause: err });
        await this.clock.sleep(500 * 2 ** attempt, signal);
        continue;
      } finally {
        limit.clear();
      }
      if (res.ok) return this.parse(res);
      if ((res.status === 429 || res.status >= 500) && attempt < attempts) {
        await res.body?.cancel().catch(() => undefined);
        await this.clock.sleep(500 * 2 ** attempt, signal);
        continue;
      }
      throw await tokenError(res, domain);
    }
  }

  private async parse(res: Response): Promise<Cached> {
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const token = body.access_token;
    if (typeof token !== 'string' || token === '') throw new TokenError('The token endpoint answered without an access_token', undefined);
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 86400;
    const scope = typeof body.scope === 'string' ? body.scope : undefined;
    const scopes = scope === undefined ? scopesOfJwt(token) : parseScopes(scope);
    return { token: new Secret(token), expiresAt: this.clock.now() + expiresIn * 1000, lifetimeMs: expiresIn * 1000, scopes };
  }
}

export class StaticToken implements TokenSource {
  constructor(private readonly accessToken: Secret) {}

  async token(): Promise<string> {
    return this.accessToken.reveal();
  }

  async scopes(): Promise<ReadonlySet<string> | undefined> {
    return scopesOfJwt(this.accessToken.reveal());
  }

  invalidate(): boolean {
    return false;
  }
}

export function parseScopes(scope: string): ReadonlySet<string> {
  return new Set(scope.split(/\s+/).filter((s) => s.length > 0));
}

/** The `scope` claim of a JWT, without verifying it; undefined when not a readable JWT. */
export function scopesOfJwt(token: string): ReadonlySet<string> | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { scope?: unknown };
    return typeof claims.scope === 'string' ? parseScopes(claims.scope) : undefined;
  } catch {
    return undefined;
  }
}

function formBody(clientId: string, secret: Secret, audience: string): URLSearchParams {
  return new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret.reveal(), audience });
}

async function tokenError(res: Response, domain: string): Promise<TokenError> {
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const code = typeof body.error === 'string' ? body.error : undefined;
  const description = typeof body.error_description === 'string' ? body.error_description : undefined;
  const what = [code, description].filter(Boolean).join(': ') || `HTTP ${res.status}`;
  return new TokenError(`Auth0 (${domain}) refused the client credentials: ${what}`, code, { details: { status: res.status } });
}
