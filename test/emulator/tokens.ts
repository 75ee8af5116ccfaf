/**
 * Access tokens as Auth0 issues them: RS256 JWTs with iss `https://<domain>/`,
 * sub `<client_id>@clients`, aud `https://<domain>/api/v2/`, scope, gty, azp, iat, exp.
 * The signing key is generated per emulator process, so tokens from another emulator (or a
 * previous run) fail signature validation exactly like a foreign token would.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  scope: string;
  gty: 'client-credentials';
  azp: string;
  jti?: string;
}

export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'audience' };

export class TokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly kid = randomBytes(8).toString('hex');

  constructor() {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    this.publicKey = createPublicKey(this.privateKey);
  }

  /** Signs the claims; `now` is milliseconds since epoch. */
  issue(claims: Omit<TokenClaims, 'iat' | 'exp' | 'gty'>, now: number, ttlSeconds: number): { token: string; claims: TokenClaims } {
    const iat = Math.floor(now / 1000);
    const full: TokenClaims = { ...claims, iat, exp: iat + ttlSeconds, gty: 'client-credentials', jti: randomBytes(8).toString('hex') };
    const header = b64json({ alg: 'RS256', typ: 'JWT', kid: this.kid });
    const payload = b64json(full);
    const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.privateKey).toString('base64url');
    return { token: `${header}.${payload}.${signature}`, claims: full };
  }

  /** Checks structure, signature, expiry (against `now` in ms) and audience. */
  verify(token: string, audience: string, now: number): VerifyResult {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [h, p, s] = parts as [string, string, string];
    let header: { alg?: string };
    let claims: TokenClaims;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (header.alg !== 'RS256' || typeof claims !== 'object' || claims === null) return { ok: false, reason: 'malformed' };
    const valid = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'));
    if (!valid) return { ok: false, reason: 'signature' };
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return { ok: false, reason: 'expired' };
    if (claims.aud !== audience) return { ok: false, reason: 'audience' };
    return { ok: true, claims };
  }
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
