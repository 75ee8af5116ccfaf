/**
 * The users side of the tenant emulator: the SQLite-backed user store (users, role members,
 * organization members and member roles), its seeds, and the Management API routes over it.
 *
 * Wiring (server side):
 *   const users = createUserStore({ now: tenant.now });   // temp dir on disk; `memory: true` for small tenants
 *   users.watch(config);                                  // drop memberships/users of deleted roles, orgs, connections
 *   router.add(...userRoutes(users, config), ...membershipRoutes(users, config));
 *   seedDemoUsers(users, config); seedUsers(users, config, { count: N, seed });
 *   …; users.close() on shutdown (deletes the temp dir).
 */
export { createUserStore, SqliteUserStore, type UserStoreOptions, type SqlWhere, type NewUserRow } from './store.js';
export { MembershipStore } from './membership-store.js';
export { seedUsers, seedDemoUsers, type SeedUsersOptions, type SeedDemoOptions, type SeedSummary } from './seed.js';
export { Prng } from './prng.js';
export type { User, UserSecret, Identity } from './user-model.js';
export { userRoutes } from './routes-users.js';
export { membershipRoutes, MAX_MEMBER_ROLES } from './routes-memberships.js';
export { compileQuery, compileSort } from './search.js';
export { compileSchema, schemaErrors, assertBody, type SchemaError } from './validate.js';
export { FakeConfigStore, sampleConfig } from './fake-config.js';
