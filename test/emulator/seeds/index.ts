/**
 * Tenant seeds. `empty` is what a new Auth0 tenant holds; `demo` adds a small realistic
 * configuration. Users are seeded by the user module (users-wiring.ts) after these.
 */
import type { MemoryConfigStore } from '../config-store.js';
import { seedDemo } from './demo.js';
import { seedEmpty } from './empty.js';

export type SeedName = 'empty' | 'demo';

export interface SeedEnv {
  store: MemoryConfigStore;
  /** `localhost:<port>` */
  domain: string;
  now: () => number;
  /** The emulator's own machine-to-machine client (gets a grant with every Management API scope). */
  mgmt: { clientId: string; clientSecret: string };
}

export function applySeed(name: SeedName, env: SeedEnv): void {
  seedEmpty(env);
  if (name === 'demo') seedDemo(env);
}
