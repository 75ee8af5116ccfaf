/** Fleets: many tenants backed up by sharded tasks (see docs/fleets.md). */
export { checkShard, parseShard, selectShard, shardKey, WHOLE, type Shard } from './shard.js';
export { loadTenantsFile, parseTenantsFile, type CredentialsRef, type TenantEntry, type TenantsFile } from './tenants-file.js';
export { resolveCredentials, type ResolveOptions } from './credentials.js';
export { runFleet, summarize, type RunFleetOptions, type TenantOutcome, type TenantRun, type TenantRunResult } from './runner.js';
