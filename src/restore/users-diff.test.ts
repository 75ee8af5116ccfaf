import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createNdjsonGzipStream, readNdjson } from '../archive/ndjson.js';
import { CancelledError } from '../core/errors.js';
import { diffUsers, type UsersDiffInput } from './users-diff.js';

type U = Record<string, unknown>;

function dbUser(id: string, email: string, extra: U = {}, connection = 'Username-Password-Authentication'): U {
  return {
    user_id: `auth0|${id}`,
    email,
    email_verified: true,
    given_name: 'Ada',
    app_metadata: { plan: 'pro' },
    user_metadata: { locale: 'en' },
    identities: [{ provider: 'auth0', connection, user_id: id, isSocial: false }],
    created_at: '2024-01-01T00:00:00.000Z',
    logins_count: 3,
    ...extra,
  };
}

function socialUser(id: string, provider = 'google-oauth2'): U {
  return { user_id: `${provider}|${id}`, email: `${id}@gmail.example.com`, identities: [{ provider, connection: provider, user_id: id, isSocial: true }] };
}

async function* iterate(list: unknown[]): AsyncGenerator<unknown> {
  yield* list;
}

function input(snapshot: unknown[], target: unknown[], extra: Partial<UsersDiffInput> = {}): UsersDiffInput & { targetOpens: () => number } {
  let opens = 0;
  return {
    snapshot: () => iterate(snapshot),
    target: () => {
      opens++;
      return iterate(target);
    },
    signal: new AbortController().signal,
    targetOpens: () => opens,
    ...extra,
  };
}

describe('diffUsers', () => {
  it('classifies insert, update (naming changed fields) and unchanged, ignoring fields import cannot set', async () => {
    const snapshot = [dbUser('1', 'a@x.com'), dbUser('2', 'b@x.com', { given_name: 'Bea', blocked: true }), dbUser('3', 'c@x.com')];
    const target = [
      dbUser('1', 'A@X.com', { logins_count: 99, created_at: 'other', blocked: false }), // same after normalisation
      dbUser('2', 'b@x.com'),
    ];
    const io = input(snapshot, target);
    const r = await diffUsers(io);
    expect([r.insert, r.update, r.unchanged, r.onlyInTarget, r.matchedByEmail]).toEqual([1, 1, 1, 0, 0]);
    expect(r.changedFields).toEqual({ given_name: 1, blocked: 1 });
    expect(r.notUpsertable).toEqual({ blocked: 1 });
    expect(r.sample).toEqual({ insert: ['auth0|3'], update: ['auth0|2'], onlyInTarget: [] });
    expect(r.byConnection).toEqual({ 'Username-Password-Authentication': { insert: 1, update: 1, unchanged: 1 } });
    expect([r.snapshotUsers, r.targetUsers]).toEqual([3, 2]);
    expect(r.hasTargetUser('auth0|2')).toBe(true);
    expect(r.hasTargetUser('auth0|3')).toBe(false);
    expect(io.targetOpens()).toBe(1); // nothing needed a second read
  });

  it('reports metadata changes, which upsert replaces wholesale', async () => {
    const r = await diffUsers(input([dbUser('1', 'a@x.com', { app_metadata: { plan: 'free' }, user_metadata: {} })], [dbUser('1', 'a@x.com')]));
    expect(r.changedFields).toEqual({ app_metadata: 1, user_metadata: 1 });
    expect(r.notUpsertable).toEqual({});
  });

  it('matches by email within the connection when the user_id differs, and learns the target id', async () => {
    const snapshot = [dbUser('old', 'a@x.com'), dbUser('other-conn', 'b@x.com', {}, 'db2')];
    const target = [dbUser('new', 'a@x.com', { given_name: 'Changed' }), dbUser('b', 'b@x.com')];
    const io = input(snapshot, target);
    const r = await diffUsers(io);
    expect(r.matchedByEmail).toBe(1);
    expect(r.update).toBe(1);
    expect(r.insert).toBe(1); // same email, other connection: a different user
    expect(r.emailMatches.get('auth0|old')).toBe('auth0|new');
    expect(r.onlyInTarget).toBe(1);
    expect(r.sample.onlyInTarget).toEqual(['auth0|b']);
    expect(io.targetOpens()).toBe(2);
  });

  it('lists users that bulk import cannot create, grouped by reason with counts and samples', async () => {
    const snapshot = [
      dbUser('1', 'a@x.com'),
      socialUser('g1'),
      socialUser('g2'),
      socialUser('w1', 'waad'),
      dbUser('noemail', 'x', { email: undefined }),
      { email: 'no-id@x.com' },
      'not an object',
    ];
    const r = await diffUsers(input(snapshot, [], { sampleSize: 1 }));
    expect(r.insert).toBe(1);
    expect(r.notImportable.map((g) => [g.count, g.sample])).toEqual([
      [2, ['google-oauth2|g1']],
      [2, ['(no user_id)']],
      [1, ['auth0|noemail']],
      [1, ['waad|w1']],
    ]);
    expect(r.notImportable[0]?.reason).toContain('provider google-oauth2');
  });

  it('applies --user (id or email, any case) and --connection to both sides', async () => {
    const snapshot = [dbUser('1', 'a@x.com'), dbUser('2', 'b@x.com'), dbUser('3', 'c@x.com', {}, 'db2')];
    const target = [dbUser('9', 'z@x.com'), dbUser('8', 'y@x.com', {}, 'db2')];
    const byEmail = await diffUsers(input(snapshot, target, { selection: { user: 'B@X.COM' } }));
    expect([byEmail.snapshotUsers, byEmail.insert, byEmail.targetUsers, byEmail.onlyInTarget]).toEqual([1, 1, 0, 0]);
    const byId = await diffUsers(input(snapshot, target, { selection: { user: 'auth0|1' } }));
    expect(byId.sample.insert).toEqual(['auth0|1']);
    const byConn = await diffUsers(input(snapshot, target, { selection: { connection: 'db2' } }));
    expect([byConn.snapshotUsers, byConn.insert, byConn.targetUsers, byConn.onlyInTarget]).toEqual([1, 1, 1, 1]);
    // the same selection for memberships
    expect(byConn.includesUser({ user_id: 'auth0|3' })).toBe(true);
    expect(byConn.includesUser({ user_id: 'auth0|1' })).toBe(false);
    expect(byEmail.includesUser({ user_id: 'auth0|x', email: 'b@X.com' })).toBe(true);
    expect(byEmail.includesUser({ user_id: 'auth0|1', email: 'a@x.com' })).toBe(false);
  });

  it('digests the target independently of export order, and sensitively to any comparable field', async () => {
    const target = Array.from({ length: 50 }, (_, i) => dbUser(String(i), `u${i}@x.com`));
    const digest = async (list: unknown[]) => (await diffUsers(input([], list))).targetDigest;
    const d1 = await digest(target);
    expect(await digest([...target].reverse())).toBe(d1);
    const changed = structuredClone(target);
    (changed[7] as U).user_metadata = { locale: 'de' };
    expect(await digest(changed)).not.toBe(d1);
    expect(await digest(target.slice(1))).not.toBe(d1);
  });

  it('handles more users than the initial table size, with a duplicated id counted once', async () => {
    const n = 3000;
    const target = Array.from({ length: n }, (_, i) => dbUser(String(i), `u${i}@x.com`));
    target.push(dbUser('17', 'u17@x.com'));
    const snapshot = Array.from({ length: n + 100 }, (_, i) => dbUser(String(i), `u${i}@x.com`, i % 10 === 0 ? { nickname: 'n' } : {}));
    const r = await diffUsers(input(snapshot, target));
    expect(r.targetUsers).toBe(n);
    expect(r.insert).toBe(100);
    expect(r.update).toBe(n / 10);
    expect(r.unchanged).toBe(n - n / 10);
    expect(r.changedFields).toEqual({ nickname: n / 10 });
  });

  it('reads gzip NDJSON as stored in the archive', async () => {
    const users = [dbUser('1', 'a@x.com'), dbUser('2', 'b@x.com')];
    const signal = new AbortController().signal;
    const open = (list: unknown[]) => () => {
      const gz = createNdjsonGzipStream(list, { signal });
      return readNdjson(Readable.from(gz.stream), { signal, name: 'users/users.ndjson.gz' });
    };
    const r = await diffUsers({ snapshot: open(users), target: open(users.slice(0, 1)), signal });
    expect([r.insert, r.unchanged]).toEqual([1, 1]);
  });

  it('stops with CancelledError when the signal aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(diffUsers(input([dbUser('1', 'a@x.com')], [dbUser('1', 'a@x.com')], { signal: ac.signal }))).rejects.toBeInstanceOf(CancelledError);
  });
});
