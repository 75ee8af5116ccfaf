/**
 * The one tenant that an emulator process serves, split into two stores built by different
 * modules:
 * - `config` (resources/): every configuration resource (clients, connections, roles,
 *   organizations, resource servers, actions, …) held in memory; small.
 * - `users` (users/): users, role members, organization members and member roles, and jobs;
 *   on disk (SQLite) so that a million users fit in a few hundred MB.
 * Route modules reach the other store only through these interfaces.
 */
import type { Readable } from 'node:stream';

export type Rec = Record<string, unknown>;

export interface ConfigStore {
  /** All objects of a type (e.g. 'connections', 'roles', 'organizations', 'clients'), in creation order. */
  list(type: string): readonly Rec[];
  /** By the type's id field (`id`, or `client_id` for clients). */
  get(type: string, id: string): Rec | undefined;
  /** First object whose `field` equals `value`. */
  findBy(type: string, field: string, value: unknown): Rec | undefined;
  /** Called after an object is deleted (so memberships of a deleted role or org go too). */
  onDelete(listener: (type: string, id: string) => void): void;
}

export interface UserStore {
  count(): number;
  /** Every user as Auth0 returns it (`GET /users/{id}` shape), streamed as NDJSON. */
  streamState(): Readable;
  /** Memberships as NDJSON lines `{kind:'role-member'|'org-member'|'org-member-role', …}`. */
  streamMemberships(): Readable;
  /** Removes everything (admin reset). */
  clear(): void;
}

export interface Tenant {
  /** host:port as clients use it in AUTH0_DOMAIN. */
  domain: string;
  config: ConfigStore;
  users: UserStore;
  /** Milliseconds since epoch; injectable so job timings can be driven in tests. */
  now(): number;
}
