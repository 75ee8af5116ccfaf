/**
 * Issue 5 acceptance: each real public deploy-cli config (../shared/real-tenants) is deployed
 * into an empty emulated tenant with deploy-cli, then snapshotted with the built CLI and
 * verified; the manifest's config counts match what was deployed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { runDeployCli } from '../../src/deploy-cli/run.js';
import { startEmulator } from '../emulator/server.js';
import { fixtureMappings, prepareFixture, realTenantNames } from '../real-clients/support.js';
import { runCli, tenantEnv } from './cli.js';

// the same preparation as the deploy-cli round trips: exported ids stripped, the Management API
// audience mapped to this tenant (test/real-clients/support.ts)
const names = realTenantNames();

describe.each(names)('real tenant %s', (name) => {
  it('deploys into an empty tenant, snapshots and verifies', { timeout: 300_000 }, async () => {
    const emu = await startEmulator({ seed: 'empty' });
    const dir = await mkdtemp(path.join(tmpdir(), `a0vault-real-${name}-`));
    const fixture = await prepareFixture(name);
    try {
      const mappings = await fixtureMappings(name, emu.domain);
      await runDeployCli(
        {
          kind: 'deploy',
          credentials: { domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret },
          inputFile: fixture.inputFile,
          allowDelete: false,
          excluded: ['migrations'],
          keywordMappings: mappings,
          apiMaxRetries: 2,
        },
        { signal: AbortSignal.timeout(240_000), progress: silentProgress },
      );
      const roles = emu.tenant.config.list('roles').length;
      const snap = await runCli(['snapshot', '--to', dir, '--json', '--progress', 'none'], tenantEnv(emu));
      expect(snap.code, snap.stderr).toBe(0);
      const out = JSON.parse(snap.stdout) as { counts: { roles: number; config: Record<string, number> } };
      expect(out.counts.roles).toBe(roles);
      expect(out.counts.config.roles).toBe(roles);
      expect(snap.stdout).not.toContain(emu.clientSecret);
      const verify = await runCli(['verify', 'latest', '--from', dir, '--progress', 'none']);
      expect(verify.code, verify.stderr).toBe(0);
    } finally {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
      await rm(fixture.dir, { recursive: true, force: true });
    }
  });
});
