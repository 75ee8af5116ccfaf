import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { CancelledError } from '../core/errors.js';
import { Secret, toCredentials, type ClientCredentials } from './credentials.js';
import { TokenError } from './errors.js';
import { drive, FakeApi, json } from './test-support/fake-api.js';
import { ClientCredentialsTokens, scopesOfJwt, StaticToken } from './token.js';

const creds = toCredentials({ domain: 'localhost:8443', clientId: 'cid', clientSecret: 'sec' }) as ClientCredentials;
const signal = () => new AbortController().signal;

function setup(expiresIn = 3600) {
  const clock = new ManualClock();
  const fake = new FakeApi(clock);
  let n = 0;
  fake.tokenHandler = () => json(200, { access_token: `t${++n}`, expires_in: expiresIn, scope: 'read:users create:users', token_type: 'Bearer' });
  const tokens = new ClientCredentialsTokens({ credentials: creds, fetch: fake.fetch, clock, skewMs: 60_000 });
  return { clock, fake, tokens };
}

describe('ClientCredentialsTokens', () => {
  it('caches the token and refreshes it skewMs before expiry', async () => {
    const { clock, fake, tokens } = setup(3600);
    expect(await tokens.token(signal())).toBe('t1');
    expect(fake.tokenCalls[0]!.url.href).toBe('https://localhost:8443/oauth/token');
    await clock.advance(3600_000 - 61_000);
    expect(await tokens.token(signal())).toBe('t1');
    await clock.advance(2_000);
    expect(await tokens.token(signal())).toBe('t2');
    expect(fake.tokenCalls).toHaveLength(2);
  });

  it('renews a short-lived token half-way, not on every call (skew capped at half the lifetime)', async () => {
    const { clock, fake, tokens } = setup(100); // 100 s tokens, skewMs 60 s
    expect(await tokens.token(signal())).toBe('t1');
    await clock.advance(49_000);
    expect(await tokens.token(signal())).toBe('t1');
    await clock.advance(2_000);
    expect(await tokens.token(signal())).toBe('t2');
    expect(await tokens.token(signal())).toBe('t2');
    expect(fake.tokenCalls).toHaveLength(2);
  });

  it('shares one fetch between concurrent callers and parses scopes', async () => {
    const { fake, tokens } = setup();
    const got = await Promise.all([tokens.token(signal()), tokens.token(signal()), tokens.token(signal())]);
    expect(got).toEqual(['t1', 't1', 't1']);
    expect(fake.tokenCalls).toHaveLength(1);
    expect([...((await tokens.scopes(signal())) ?? [])]).toEqual(['read:users', 'create:users']);
  });

  it('invalidate drops only the named token', async () => {
    const { tokens } = setup();
    expect(await tokens.token(signal())).toBe('t1');
    tokens.invalidate('other');
    expect(await tokens.token(signal())).toBe('t1');
    expect(tokens.invalidate('t1')).toBe(true);
    expect(await tokens.token(signal())).toBe('t2');
  });

  it('retries a 503 from the token endpoint, then fails access_denied at once', async () => {
    const { clock, fake, tokens } = setup();
    let n = 0;
    fake.tokenHandler = () => (++n === 1 ? json(503, {}) : json(200, { access_token: 'ok', expires_in: 60 }));
    expect(await drive(clock, tokens.token(signal()))).toBe('ok');
    fake.tokenHandler = () => json(403, { error: 'access_denied', error_description: 'Client is not authorized to access "https://x/api/v2/".' });
    tokens.invalidate('ok');
    const before = fake.tokenCalls.length;
    const err = await drive(clock, tokens.token(signal())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenError);
    expect((err as TokenError).code).toBe('auth');
    expect(fake.tokenCalls.length - before).toBe(1);
  });

  it('rejects with CancelledError when aborted', async () => {
    const { tokens } = setup();
    await expect(tokens.token(AbortSignal.abort())).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('StaticToken', () => {
  it('reads scopes from the JWT and cannot refresh', async () => {
    const payload = Buffer.from(JSON.stringify({ scope: 'read:roles read:users' })).toString('base64url');
    const t = new StaticToken(new Secret(`h.${payload}.s`));
    expect([...((await t.scopes()) ?? [])]).toEqual(['read:roles', 'read:users']);
    expect(t.invalidate()).toBe(false);
    expect(scopesOfJwt('not-a-jwt')).toBeUndefined();
  });
});
