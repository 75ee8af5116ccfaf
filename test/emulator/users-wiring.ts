/**
 * The one place where the user module (users/, jobs/) is plugged into the server: the SQLite
 * user store, the user/membership/job routes, and the user part of the seeds (`demo`: ~1,000
 * users with metadata and memberships; `--users N`: N generated users, deterministic).
 */
import type { MemoryConfigStore } from './config-store.js';
import type { UserStore } from './contract.js';
import type { RouteContext, RouteDef } from './http/types.js';
import { createJobService, jobRoutes } from './jobs/index.js';
import type { SeedName } from './seeds/index.js';
import { createUserStore, membershipRoutes, seedDemoUsers, seedUsers, userRoutes } from './users/index.js';

export interface UsersModuleOptions {
  store: MemoryConfigStore;
  now: () => number;
  /** Directory under which the SQLite scratch directory is created (default: OS temp dir). */
  dataDir?: string;
  /** Seconds an export download URL stays valid. */
  exportUrlTtl: number;
  /** Milliseconds from export-job creation to completion. */
  jobLatencyMs: number;
  /** Import speed, users per second per job. */
  importRate: number;
  /** Seconds job data is kept. */
  jobTtl: number;
  /** Base name of export files (the tenant name). */
  tenantName?: string;
}

export interface UsersModule {
  store: UserStore;
  routes: RouteDef[];
  /** Seeds users and memberships for a seed (`demo` ≈ 1,000 users) plus `users` generated ones. */
  seed(opts: { seed: SeedName; users: number; context: RouteContext }): Promise<void>;
  close(): Promise<void>;
}

/** Seed for generated users: fixed, so `--users N` gives the same users on every start. */
export const GENERATED_USERS_SEED = 'a0vault-emulator';

export async function createUsers(opts: UsersModuleOptions): Promise<UsersModule> {
  const users = createUserStore({ now: opts.now, dir: opts.dataDir });
  users.watch(opts.store);
  const jobs = createJobService(users, {
    now: opts.now,
    exportLatencyMs: opts.jobLatencyMs,
    locationTtlMs: opts.exportUrlTtl * 1000,
    jobTtlMs: opts.jobTtl * 1000,
    importUsersPerSecond: opts.importRate,
    tenantName: opts.tenantName ?? 'emulator',
  });
  return {
    store: users,
    routes: [...userRoutes(users, opts.store), ...membershipRoutes(users, opts.store), ...jobRoutes(jobs, opts.store)],
    async seed({ seed, users: count }) {
      if (seed === 'demo') seedDemoUsers(users, opts.store, { seed: 'demo' });
      if (count > 0) seedUsers(users, opts.store, { count, seed: GENERATED_USERS_SEED });
    },
    async close() {
      jobs.close();
      users.close();
    },
  };
}
