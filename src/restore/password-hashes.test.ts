import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadPasswordHashes } from './password-hashes.js';

const CANARY = '$2b$10$CANARYcanaryCANARYcanaryCANARYcanaryCANARYcanary12345';

describe('loadPasswordHashes', () => {
  it('finds hashes by user id (Auth0 support format, _id.$oid) and by email', async () => {
    const lines = [
      JSON.stringify({ _id: { $oid: '60425dc43519d90068f82973' }, email: 'A@Example.com', passwordHash: CANARY }),
      JSON.stringify({ user_id: 'auth0|abc', email: 'b@example.com', passwordHash: '$2b$10$other' }),
      JSON.stringify({ _id: { $oid: 'nohash' }, email: 'c@example.com' }),
      '',
    ];
    const lookup = await loadPasswordHashes(Readable.from([lines.join('\n')]), new AbortController().signal);
    expect(lookup({ user_id: 'auth0|60425dc43519d90068f82973' })).toEqual({ password_hash: CANARY });
    expect(lookup({ user_id: 'auth0|unknown', email: 'a@example.com' })).toEqual({ password_hash: CANARY });
    expect(lookup({ user_id: 'auth0|abc' })).toEqual({ password_hash: '$2b$10$other' });
    expect(lookup({ user_id: 'auth0|nohash', email: 'c@example.com' })).toBeUndefined();
    expect(lookup.size).toBe(2);
  });

  it('names the bad line without echoing its content (it may hold a hash)', async () => {
    const bad = `{"email":"x@example.com","passwordHash":"${CANARY}"`;
    const err = (await loadPasswordHashes(Readable.from([`${bad}\n`]), new AbortController().signal, 'hashes.ndjson').then(() => undefined, (e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('hashes.ndjson: line 1 is not JSON');
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain('CANARY');
  });
});
