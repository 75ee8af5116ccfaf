/**
 * An empty `UserStore` used until the SQLite user store (users/) is wired in, and by tests of
 * configuration routes that need no users.
 */
import { Readable } from 'node:stream';
import type { UserStore } from './contract.js';

export function emptyUserStore(): UserStore {
  return {
    count: () => 0,
    streamState: () => Readable.from([]),
    streamMemberships: () => Readable.from([]),
    clear: () => undefined,
  };
}
