import { describe, expect, it } from 'vitest';
import { CancelledError } from '../core/errors.js';
import { sampleRank, sampleUsers } from './sample.js';

const users = Array.from({ length: 500 }, (_, i) => ({ user_id: `auth0|user-${i}`, email: `u${i}@x.test` }));

async function* stream<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

describe('sampleUsers', () => {
  it('keeps the N users of smallest rank, in rank order', async () => {
    const { users: picked, userIds, seen } = await sampleUsers(stream(users), 20);
    const expected = [...users].sort((a, b) => (sampleRank(a.user_id) < sampleRank(b.user_id) ? -1 : 1)).slice(0, 20);
    expect(picked).toEqual(expected);
    expect(userIds).toEqual(new Set(expected.map((u) => u.user_id)));
    expect(seen).toBe(500);
  });

  it('does not depend on input order, and a smaller sample is part of a larger one', async () => {
    const reversed = await sampleUsers([...users].reverse(), 50);
    const forward = await sampleUsers(users, 50);
    expect(reversed.users).toEqual(forward.users);
    const small = await sampleUsers(users, 10);
    for (const id of small.userIds) expect(forward.userIds.has(id)).toBe(true);
  });

  it('changes with the seed', async () => {
    const a = await sampleUsers(users, 30, { seed: 'a' });
    const b = await sampleUsers(users, 30, { seed: 'b' });
    expect([...a.userIds]).not.toEqual([...b.userIds]);
  });

  it('selects the memberships of sampled users only', async () => {
    const memberships = users.map((u, i) => ({ role: i % 2 ? 'admin' : 'user', user_id: u.user_id }));
    const { userIds } = await sampleUsers(users, 7);
    const kept = memberships.filter((m) => userIds.has(m.user_id));
    expect(kept).toHaveLength(7);
  });

  it('handles a sample larger than the input, size 0 and records without user_id', async () => {
    const all = await sampleUsers([...users.slice(0, 3), { email: 'no-id' } as { user_id?: string; email: string }], 10);
    expect(all.users).toHaveLength(3);
    expect(all.skipped).toBe(1);
    expect((await sampleUsers(users, 0)).users).toEqual([]);
    await expect(sampleUsers(users, -1)).rejects.toMatchObject({ code: 'usage' });
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(sampleUsers(users, 5, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
  });
});
