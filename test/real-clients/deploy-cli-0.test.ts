/**
 * deploy-cli round trips for the real tenant configurations in ../shared/real-tenants (the
 * fixtures are split over deploy-cli-0/1.test.ts so that two workers share the work: each
 * deploy compiles deploy-cli's 8 MB schema, ~15-30 s of CPU).
 */
import { describe, expect, it } from 'vitest';
import { roundTrip } from './round-trip.js';
import { realTenantNames } from './support.js';

const names = realTenantNames().filter((_n, i) => i % 2 === 0);

describe('deploy-cli dump/deploy round trip', () => {
  it.each(names)(
    '%s: deploys into an empty tenant, dumps back, and a second deploy changes nothing',
    async (name) => {
      const result = await roundTrip(name);
      expect(result.dumpDiff, 'source config not contained in the dump').toEqual([]);
      expect(result.unexpected404, 'routes that answered 404 where Auth0 would not').toEqual([]);
      expect(result.unmatched, 'requests to routes the emulator does not implement').toEqual({});
      expect(result.stateAfter).toEqual(result.stateBefore);
    },
    600_000,
  );
});
