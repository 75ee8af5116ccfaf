import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UserCounter } from './user-counter.js';

async function countOf(lines: string[]): Promise<UserCounter['counts']> {
  const counter = new UserCounter();
  const gz = gzipSync(lines.join('\n') + '\n');
  // feed in odd-sized pieces so lines straddle chunk boundaries
  for (let i = 0; i < gz.length; i += 7) await counter.tap(gz.subarray(i, i + 7));
  return counter.finish();
}

describe('UserCounter', () => {
  it('counts users per connection of the first identity, and non-database users', async () => {
    const counts = await countOf([
      JSON.stringify({ user_id: 'auth0|1', user_metadata: { connection: 'decoy' }, identities: [{ provider: 'auth0', connection: 'db', user_id: '1' }] }),
      JSON.stringify({ user_id: 'google-oauth2|2', identities: [{ connection: 'google-oauth2', provider: 'google-oauth2', user_id: '2' }, { connection: 'db' }] }),
      JSON.stringify({ identities: [{ provider: 'auth0', connection: 'we\\"ird "db"', user_id: '3' }], user_id: 'auth0|3' }),
      JSON.stringify({ user_id: 'auth0|4' }),
    ]);
    expect(counts).toEqual({ total: 4, byConnection: { db: 1, 'google-oauth2': 1, 'we\\"ird "db"': 1, '(unknown)': 1 }, nonDatabase: 1 });
  });

  it('reports a line that is not JSON', async () => {
    await expect(countOf(['{"user_id":"auth0|1"}', 'not json'])).rejects.toThrow(/not JSON \(user 2\)/);
  });

  it('reports bytes that are not gzip', async () => {
    const counter = new UserCounter();
    await counter.tap(Buffer.from('plain text, not gzip'));
    await expect(counter.finish()).rejects.toThrow(/not valid gzip/);
  });
});
