import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserCounter } from './user-counter.js';

let inline = false;

async function countOf(lines: string[], piece = 7, trailer = '\n'): Promise<UserCounter['counts']> {
  const counter = new UserCounter({ inline });
  const gz = gzipSync(lines.join('\n') + trailer);
  // feed in odd-sized pieces so lines straddle chunk boundaries
  for (let i = 0; i < gz.length; i += piece) await counter.tap(gz.subarray(i, i + piece));
  return counter.finish();
}

describe.each([
  { mode: 'in a worker thread', inline: false },
  { mode: 'inline', inline: true },
])('UserCounter ($mode)', (mode) => {
  beforeEach(() => {
    inline = mode.inline;
  });

  it('counts users per connection of the first identity, and non-database users', async () => {
    const counts = await countOf([
      JSON.stringify({ user_id: 'auth0|1', user_metadata: { connection: 'decoy' }, identities: [{ provider: 'auth0', connection: 'db', user_id: '1' }] }),
      JSON.stringify({ user_id: 'google-oauth2|2', identities: [{ connection: 'google-oauth2', provider: 'google-oauth2', user_id: '2' }, { connection: 'db' }] }),
      JSON.stringify({ identities: [{ provider: 'auth0', connection: 'we\\"ird "db"', user_id: '3' }], user_id: 'auth0|3' }),
      JSON.stringify({ user_id: 'auth0|4' }),
    ]);
    expect(counts).toEqual({ total: 4, byConnection: { db: 1, 'google-oauth2': 1, 'we\\"ird "db"': 1, '(unknown)': 1 }, nonDatabase: 1 });
  });

  it('reads fields in any order, multi-byte names, lines without identities between others, blank lines, no final newline', async () => {
    const lines = [
      JSON.stringify({ identities: [{ provider: 'samlp', user_id: 'x', connection: 'Ünïcødé-𝔰𝔞𝔪𝔩' }], user_id: 'samlp|x' }),
      JSON.stringify({ user_id: 'auth0|no-identities', note: '"identities" appears only later' }),
      '   ',
      '',
      JSON.stringify({ identities: [{ user_id: 'y' }], user_id: 'auth0|y' }),
      ` ${JSON.stringify({ identities: [{ connection: 'db', provider: 'auth0' }] })}`,
      JSON.stringify({ app_metadata: { s: 'back\\slash "quoted"' }, identities: [{ connection: 'db', provider: 'auth0' }] }),
    ];
    const expected = { total: 5, byConnection: { 'Ünïcødé-𝔰𝔞𝔪𝔩': 1, '(unknown)': 2, db: 2 }, nonDatabase: 1 };
    expect(await countOf(lines)).toEqual(expected);
    expect(await countOf(lines, 1 << 20, '')).toEqual(expected);
  });

  it('counts a large export fed in big chunks the same as in small ones', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ email: `u${i}@example.com`, identities: [{ connection: i % 3 === 0 ? 'google-oauth2' : 'db', provider: i % 3 === 0 ? 'google-oauth2' : 'auth0', user_id: String(i) }], user_metadata: { pad: 'x'.repeat(i % 500) } }),
    );
    const expected = { total: 20_000, byConnection: { 'google-oauth2': 6667, db: 13_333 }, nonDatabase: 6667 };
    expect(await countOf(lines, 1 << 20)).toEqual(expected);
    expect(await countOf(lines, 4093)).toEqual(expected);
  });

  it('reports a line that is not JSON', async () => {
    await expect(countOf(['{"user_id":"auth0|1"}', 'not json'])).rejects.toThrow(/not JSON \(user 2\)/);
  });

  it('reports bytes that are not gzip', async () => {
    const counter = new UserCounter({ inline });
    await counter.tap(Buffer.from('plain text, not gzip'));
    await expect(counter.finish()).rejects.toThrow(/not valid gzip/);
  });
});

describe('UserCounter worker', () => {
  it('bounds the compressed bytes waiting for the worker, scans 32 MiB of users without a provider field (absent needles must not rescan each line), and close() stops it early', async () => {
    const counter = new UserCounter();
    const line = '{"identities":[{"connection":"db"}]}\n';
    const users = Math.floor((32 * 1024 * 1024) / line.length);
    const gz = gzipSync(line.repeat(users));
    let maxQueued = 0;
    for (let i = 0; i < gz.length; i += 64 * 1024) {
      await counter.tap(gz.subarray(i, i + 64 * 1024));
      maxQueued = Math.max(maxQueued, (counter as unknown as { queued: number }).queued);
    }
    expect(maxQueued).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
    expect((await counter.finish()).byConnection).toEqual({ db: users });
    const early = new UserCounter();
    await early.tap(gz.subarray(0, 1000));
    early.close();
    await expect(early.finish()).rejects.toThrow(/worker failed/);
  });
});
