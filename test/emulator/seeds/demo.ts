/** The `demo` seed (configuration part). */
import type { SeedEnv } from './index.js';

export function seedDemo(_env: SeedEnv): void {
  // filled in below
}
