/**
 * The one place where the user module (users/, jobs/) is plugged into the server: its store,
 * its routes and its seeding. Until that module exists the emulator runs with an empty user
 * store and no user routes.
 */
import type { MemoryConfigStore } from './config-store.js';
import type { UserStore } from './contract.js';
import type { RouteContext, RouteDef } from './http/types.js';
import type { SeedName } from './seeds/index.js';
import { emptyUserStore } from './users-fallback.js';

export interface UsersModuleOptions {
  store: MemoryConfigStore;
  now: () => number;
  dataDir?: string;
  exportUrlTtl: number;
  jobLatencyMs: number;
  importRate: number;
  jobTtl: number;
}

export interface UsersModule {
  store: UserStore;
  routes: RouteDef[];
  /** Seeds users and memberships for a seed (`demo` ≈ 1,000 users) plus `users` generated ones. */
  seed(opts: { seed: SeedName; users: number; context: RouteContext }): Promise<void>;
  close(): Promise<void>;
}

export async function createUsers(_opts: UsersModuleOptions): Promise<UsersModule> {
  return {
    store: emptyUserStore(),
    routes: [],
    seed: async () => undefined,
    close: async () => undefined,
  };
}
