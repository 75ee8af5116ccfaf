/**
 * Issue 5 acceptance: each real public deploy-cli config (../shared/real-tenants) is deployed
 * into an empty emulated tenant with deploy-cli, then snapshotted with the built CLI to local
 * storage and to the GCS fake, and verified in both places; the manifest's config counts match
 * what was deployed. In both places, one byte flipped in the middle of the largest entry's
 * stored data (at rest: the local file, or the fake's content file through its admin access,
 * never through the client) makes `verify` exit 4 naming that entry.
 */
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '../../src/core/progress.js';
import { runDeployCli } from '../../src/deploy-cli/run.js';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { fixtureMappings, prepareFixture, realTenantNames } from '../real-clients/support.js';
import { runCli, tenantEnv } from './cli.js';
import { flipByte, middleOfLargestEntry } from './zip-flip.js';

// the same preparation as the deploy-cli round trips: exported ids stripped, the Management API
// audience mapped to this tenant (test/real-clients/support.ts)
const names = realTenantNames();
const BUCKET = 'real-tenants';

let gcs: GcsFake;
beforeAll(async () => {
  gcs = await startGcsFake({ buckets: [BUCKET] });
});
afterAll(async () => {
  await gcs?.close();
});

async function deploy(emu: RunningEmulator, name: string, inputFile: string): Promise<void> {
  await runDeployCli(
    {
      kind: 'deploy',
      credentials: { domain: emu.domain, clientId: emu.clientId, clientSecret: emu.clientSecret },
      inputFile,
      allowDelete: false,
      excluded: ['migrations'],
      keywordMappings: await fixtureMappings(name, emu.domain),
      apiMaxRetries: 2,
    },
    { signal: AbortSignal.timeout(240_000), progress: silentProgress },
  );
}

/** Snapshot + verify to `to`; checks the counts against the tenant. */
async function snapshotAndVerify(emu: RunningEmulator, to: string, env: NodeJS.ProcessEnv): Promise<void> {
  const roles = emu.tenant.config.list('roles').length;
  const snap = await runCli(['snapshot', '--to', to, '--json', '--progress', 'none'], { ...tenantEnv(emu), ...env });
  expect(snap.code, snap.stderr).toBe(0);
  const out = JSON.parse(snap.stdout) as { counts: { roles: number; config: Record<string, number> } };
  expect(out.counts.roles).toBe(roles);
  expect(out.counts.config.roles).toBe(roles);
  expect(snap.stdout).not.toContain(emu.clientSecret);
  const verify = await runCli(['verify', 'latest', '--from', to, '--progress', 'none'], env);
  expect(verify.code, verify.stderr).toBe(0);
}

/** After `flip` damaged `entry`, verify must exit 4 naming it. */
async function expectVerifyNames(to: string, env: NodeJS.ProcessEnv, entry: string): Promise<void> {
  const verify = await runCli(['verify', 'latest', '--from', to, '--progress', 'none'], env);
  expect(verify.code, verify.stderr).toBe(4);
  expect(verify.stderr).toContain(`failed verification: entry ${entry}:`);
}

// each CLI run loads deploy-cli (about 15 s of CPU for its schema) and the machine is shared:
// one deploy, then each storage in its own test with its own timeout
describe.each(names)('real tenant %s', { timeout: 420_000 }, (name) => {
  let emu: RunningEmulator;
  let dir: string;
  let fixtureDir: string | undefined;

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'empty' });
    dir = await mkdtemp(path.join(tmpdir(), `a0vault-real-${name}-`));
    const fixture = await prepareFixture(name);
    fixtureDir = fixture.dir;
    await deploy(emu, name, fixture.inputFile);
  }, 300_000);
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
  });

  it('snapshots to local storage and verifies; a flipped byte makes verify exit 4 naming the entry', async () => {
    await snapshotAndVerify(emu, dir, {});
    const zips = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('.a0v.zip'));
    expect(zips).toHaveLength(1);
    const zip = path.join(dir, zips[0] as string);
    const target = await middleOfLargestEntry(zip);
    await flipByte(zip, target.offset);
    await expectVerifyNames(dir, {}, target.path);
  });

  it('snapshots to the GCS fake and verifies; a byte flipped at rest makes verify exit 4 naming the entry', async () => {
    const to = `gs://${BUCKET}/${name}`;
    const env = { A0VAULT_GCS_ENDPOINT: gcs.endpoint };
    await snapshotAndVerify(emu, to, env);
    const bucket = gcs.store.bucket(BUCKET);
    const objects = [...bucket.objects.keys()].filter((k) => k.startsWith(`${name}/`) && k.endsWith('.a0v.zip'));
    expect(objects).toHaveLength(1);
    const objectName = objects[0] as string;
    const stored = gcs.store.live(bucket, objectName);
    if (!stored) throw new Error(`${objectName} is not live in the fake`);
    const target = await middleOfLargestEntry(stored.file);
    await gcs.corruptStored(BUCKET, objectName, target.offset);
    await expectVerifyNames(to, env, target.path);
  });
});
