/**
 * The Management API layer: every call to Auth0 goes through one rate-limit-aware queue
 * (queue.ts) behind an auth0@7 ManagementClient (client.ts); lists are async iterables
 * (paginate.ts); one module per resource family; scope checks before any work (doctor.ts).
 */
export * from './credentials.js';
export * from './errors.js';
export * from './queue.js';
export * from './client.js';
export * from './token.js';
export * from './paginate.js';
export * from './batch.js';
export * from './id-map.js';
export * from './users.js';
export * from './jobs.js';
export * from './roles.js';
export * from './organizations.js';
export * from './connections.js';
export * from './clients.js';
export * from './resource-servers.js';
export * from './scopes.js';
export * from './doctor.js';
export type { QueueStats, RouteCounters, BucketState } from './stats.js';
