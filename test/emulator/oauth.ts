/**
 * `POST /oauth/token`, client-credentials grant only, answered like Auth0's Authentication API:
 * the client must exist, the secret must match, the audience must be an API (resource server)
 * of the tenant and a client grant must exist for that client and audience. The token carries
 * the grant's scopes. OAuth errors are `{error, error_description}` with Auth0's texts
 * (../shared/research/auth0-api.md §6; authentication-api-oas.json `/oauth/token`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { MemoryConfigStore } from './config-store.js';
import type { TokenIssuer } from './tokens.js';

export interface TokenEndpointOptions {
  store: MemoryConfigStore;
  issuer: TokenIssuer;
  domain: string;
  /** Token lifetime in seconds (Auth0's default is 86400). */
  ttlSeconds: number;
  now: () => number;
}

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

function oauthError(status: number, error: string, description: string): OAuthAnswer {
  return { status, body: { error, error_description: description } };
}

export function managementAudience(domain: string): string {
  return `https://${domain}/api/v2/`;
}

/** Answers one token request; `body` is the parsed form or JSON body. */
export function answerTokenRequest(body: unknown, opts: TokenEndpointOptions): OAuthAnswer {
  const params = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof params[k] === 'string' ? (params[k] as string) : undefined);
  const grantType = str('grant_type');
  if (!grantType) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  if (grantType !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
  const clientIdValue = str('client_id');
  if (!clientIdValue) return oauthError(401, 'access_denied', 'Unauthorized');
  const client = opts.store.get('clients', clientIdValue);
  const secret = str('client_secret');
  if (!client || typeof client.client_secret !== 'string' || secret === undefined || !sameSecret(secret, client.client_secret)) {
    // Auth0 does not distinguish unknown client from wrong secret.
    return oauthError(401, 'access_denied', 'Unauthorized');
  }
  const grantTypes = client.grant_types;
  if (Array.isArray(grantTypes) && !grantTypes.includes('client_credentials')) {
    return oauthError(403, 'unauthorized_client', "Grant type 'client_credentials' not allowed for the client.");
  }
  const audience = str('audience');
  if (!audience) {
    return oauthError(403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured');
  }
  if (!opts.store.findBy('resource-servers', 'identifier', audience)) {
    return oauthError(403, 'access_denied', `Service not found: ${audience}`);
  }
  const grant = opts.store.list('client-grants').find((g) => g.client_id === clientIdValue && g.audience === audience);
  if (!grant) {
    return oauthError(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    );
  }
  const scopes = Array.isArray(grant.scope) ? (grant.scope as string[]) : [];
  const { token } = opts.issuer.issue(
    { iss: `https://${opts.domain}/`, sub: `${clientIdValue}@clients`, aud: audience, scope: scopes.join(' '), azp: clientIdValue },
    opts.now(),
    opts.ttlSeconds,
  );
  return { status: 200, body: { access_token: token, scope: scopes.join(' '), expires_in: opts.ttlSeconds, token_type: 'Bearer' } };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
