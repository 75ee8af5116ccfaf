import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { describeError } from '../core/errors.js';
import type { ProgressEvent } from '../core/progress.js';
import { ManagementApi } from './client.js';
import { Secret, toCredentials, type ClientCredentials } from './credentials.js';
import { getUser } from './users.js';
import { drive, FakeApi, json } from './test-support/fake-api.js';
import { ClientCredentialsTokens } from './token.js';

const CANARY = 'canary-secret-7f3a9c';
const TOKEN_CANARY = 'canary-token-b81d20';

function render(value: unknown): string {
  const parts = [inspect(value, { depth: 10, showHidden: true }), String(value)];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch {
    // circular objects cannot be stringified; inspect covers them
  }
  if (value instanceof Error) parts.push(value.stack ?? '', describeError(value), inspect((value as { details?: unknown }).details));
  return parts.join('\n');
}

describe('secrets', () => {
  it('Secret never prints its value', () => {
    const s = new Secret(CANARY);
    expect(render(s)).not.toContain(CANARY);
    expect(`${s}`).toBe('[redacted]');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(s.reveal()).toBe(CANARY);
  });

  it('credentials, clients, errors and progress events never contain the secret or the token', async () => {
    const clock = new ManualClock();
    const events: ProgressEvent[] = [];
    const fake = new FakeApi(clock, { limit: 2, refillPerSecond: 1 });
    fake.tokenHandler = () => json(200, { access_token: TOKEN_CANARY, expires_in: 86400, scope: 'read:users' });
    const credentials = toCredentials({ domain: 'tenant.example.com', clientId: 'cid', clientSecret: CANARY }) as ClientCredentials;
    const api = new ManagementApi({ credentials, fetch: fake.fetch, clock, progress: { emit: (e) => events.push(e) } });

    let n = 0;
    fake.handler = () => (++n % 3 === 0 ? json(500, { message: 'boom' }) : json(404, { statusCode: 404, message: 'The user does not exist.' }));
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) await drive(clock, getUser(api, `auth0|${i}`).catch((e: unknown) => errors.push(e)));
    fake.handler = () => json(403, { statusCode: 403, message: 'Insufficient scope, expected any of: read:users', errorCode: 'insufficient_scope' });
    await drive(clock, getUser(api, 'auth0|x').catch((e: unknown) => errors.push(e)));
    fake.tokenHandler = () => json(401, { error: 'access_denied', error_description: 'Unauthorized' });
    const tokens = new ClientCredentialsTokens({ credentials, fetch: fake.fetch, clock });
    await drive(clock, tokens.token(new AbortController().signal).catch((e: unknown) => errors.push(e)));

    expect(fake.calls.some((c) => c.headers.get('authorization') === `Bearer ${TOKEN_CANARY}`)).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const everything = [credentials, api, tokens, api.queue.snapshot(), events, ...errors].map(render).join('\n');
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(TOKEN_CANARY);
  });
});
