/**
 * Storage 503s during the archive upload (issue 5, "storage 503s → retried"), with the built CLI
 * against the tenant emulator and the GCS fake. The archive is streamed once while it is
 * produced, so it cannot be restarted: the gcs backend must recover inside the upload.
 * - 90k users (an otherwise empty tenant: no memberships to page through) make the archive larger than one 8 MiB resumable chunk: the first data chunk and
 *   the last one (total + hashes) are each answered 503 once;
 * - a small tenant's archive goes in one request, answered 503 once.
 * Each snapshot must complete and `verify` must pass. The CLI backs off on the real clock
 * (1 s per recovery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { runCli, tenantEnv } from './cli.js';

const ARCHIVE = '.a0v.zip';

describe('snapshot to GCS survives storage 503s during the archive upload', { timeout: 300_000 }, () => {
  let gcs: GcsFake;
  const emulators: RunningEmulator[] = [];

  beforeAll(async () => {
    gcs = await startGcsFake({ buckets: ['backups'] });
  });
  afterAll(async () => {
    for (const emu of emulators) await emu.close();
    await gcs?.close();
  });

  async function snapshotAndVerify(emu: RunningEmulator, to: string): Promise<void> {
    const env = { ...tenantEnv(emu), A0VAULT_GCS_ENDPOINT: gcs.endpoint };
    const snap = await runCli(['snapshot', '--to', to, '--json', '--progress', 'none'], env);
    expect(snap.code, snap.stderr).toBe(0);
    expect((JSON.parse(snap.stdout) as { counts: { users: number } }).counts.users).toBe(emu.tenant.users.count());
    const verify = await runCli(['verify', 'latest', '--from', to, '--json', '--progress', 'none'], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect((JSON.parse(verify.stdout) as { ok: boolean }).ok).toBe(true);
    const list = await runCli(['list', '--from', to, '--json'], env);
    expect(JSON.parse(list.stdout)).toHaveLength(1);
  }

  it('a 503 on the first and on the last resumable chunk of a 10 MB archive', async () => {
    const emu = await startEmulator({ seed: 'empty', users: 90_000 });
    emulators.push(emu);
    gcs.clearRequests();
    // data chunks of the archive, in order: 0 fails, 1 resends it, 2 (the last) fails, 3 resends it
    for (const after of [0, 2]) gcs.faults.add({ route: 'uploads.chunk', nameContains: ARCHIVE, withBody: true, after, status: 503, times: 1 });
    try {
      await snapshotAndVerify(emu, 'gs://backups/big');
    } finally {
      gcs.faults.clear();
    }
    const chunks = gcs.requests().filter((r) => r.route === 'uploads.chunk' && r.object?.endsWith(ARCHIVE));
    expect(chunks.map((r) => r.status)).toEqual([503, 308, 308, 503, 308, 200]);
    expect(chunks[3]?.contentRange).toMatch(/^bytes \d+-\d+\/\d+$/); // the last chunk declares the total
    expect(gcs.requests().filter((r) => r.route === 'objects.insert' && r.object?.endsWith(ARCHIVE))).toHaveLength(1);
  });

  it('a 503 on the single-request upload of a small archive', async () => {
    const emu = await startEmulator({ seed: 'demo', users: 200 });
    emulators.push(emu);
    gcs.clearRequests();
    gcs.faults.add({ route: 'objects.insert', nameContains: ARCHIVE, status: 503, times: 1 });
    try {
      await snapshotAndVerify(emu, 'gs://backups/small');
    } finally {
      gcs.faults.clear();
    }
    const inserts = gcs.requests().filter((r) => r.route === 'objects.insert' && r.object?.endsWith(ARCHIVE));
    expect(inserts.map((r) => r.status)).toEqual([503, 200]);
  });
});
