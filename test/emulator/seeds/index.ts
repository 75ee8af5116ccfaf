/**
 * Tenant seeds. `empty` is what a new Auth0 tenant holds; `demo` adds a small realistic
 * configuration. Users are seeded by the user module (users-wiring.ts) after these.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { InternalCall } from '../http/internal.js';
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
  /** In-process API calls (validated like real requests) for seeds that build through the API. */
  call: InternalCall;
}

export async function applySeed(name: SeedName, env: SeedEnv): Promise<void> {
  seedEmpty(env);
  if (name === 'demo') await seedDemo(env);
}
