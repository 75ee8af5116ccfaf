/**
 * The prune engine against memory and local storage with real sample snapshots: what it keeps
 * and removes, the order of removal, protected objects, incomplete snapshots, dry runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listSnapshots } from '../../src/archive/catalog.js';
import { snapshotKeys } from '../../src/archive/layout.js';
import { checkSnapshot } from '../../src/archive/verify.js';
import { runPrune } from '../../src/retention/prune.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { DryRunBackend } from '../../src/storage/dry-run.js';
import { LocalBackend } from '../../src/storage/local.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { SAMPLE } from '../../scripts/fixtures/sample-snapshot.js';
import { OTHER_TENANT, ProtectingBackend, idAt, keysOf, writeSamples, writeStubSnapshot } from './support.js';

const signal = new AbortController().signal;

// Five days of snapshots, two on the newest day.
const IDS = [
  idAt('2026-11-20T03:00:00Z'),
  idAt('2026-11-21T03:00:00Z'),
  idAt('2026-11-23T03:00:00Z'),
  idAt('2026-11-24T03:00:00Z'),
  idAt('2026-11-25T03:00:00Z'),
  idAt('2026-11-25T15:00:00Z'),
];

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const backends: [string, () => Promise<StorageBackend>][] = [
  ['memory', async () => new MemoryBackend({ location: 'mem://prune' })],
  [
    'local',
    async () => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'a0vault-prune-'));
      dirs.push(root);
      return new LocalBackend({ root });
    },
  ],
];

describe.each(backends)('prune on %s storage', (_name, open) => {
  it('keeps what the policy keeps (with reasons), removes the rest, and the kept snapshots still verify', async () => {
    const storage = await open();
    await writeSamples(storage, IDS, signal);
    const report = await runPrune({ storage, policy: { daily: 2, weekly: 2 }, signal });
    expect(report.kept).toEqual([
      { tenant: SAMPLE.domain, snapshotId: IDS[5], time: '2026-11-25T15:00:00.000Z', reasons: ['daily snapshot', 'weekly snapshot'] },
      { tenant: SAMPLE.domain, snapshotId: IDS[3], time: '2026-11-24T03:00:00.000Z', reasons: ['daily snapshot'] },
      { tenant: SAMPLE.domain, snapshotId: IDS[1], time: '2026-11-21T03:00:00.000Z', reasons: ['weekly snapshot'] },
    ]);
    expect(report.removed.map((r) => r.snapshotId)).toEqual([IDS[0], IDS[2], IDS[4]]);
    for (const r of report.removed) {
      const keys = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, r.snapshotId);
      expect(r.keys).toEqual([keys.manifest, keys.archive]);
    }
    expect(report.protected).toEqual([]);
    const left = await listSnapshots(storage, { signal });
    expect(left.map((e) => e.snapshotId)).toEqual([IDS[1], IDS[3], IDS[5]]);
    const remaining = await keysOf(storage, signal);
    expect(remaining).toHaveLength(6);
    for (const e of left) expect((await checkSnapshot({ storage, manifestKey: e.manifestKey, signal })).ok).toBe(true);
  });

  it('removes each manifest before its archive', async () => {
    const inner = await open();
    await writeSamples(inner, IDS.slice(0, 3), signal);
    const storage = new ProtectingBackend(inner, () => undefined);
    await runPrune({ storage, policy: { last: 1 }, signal });
    const expected = IDS.slice(0, 2).flatMap((id) => {
      const k = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, id);
      return [k.manifest, k.archive];
    });
    expect(storage.removes).toEqual(expected);
  });

  it('applies the rules per tenant, and --tenant limits the run to one tenant', async () => {
    const storage = await open();
    await writeSamples(storage, IDS.slice(0, 2), signal);
    await writeStubSnapshot(storage, OTHER_TENANT, idAt('2026-01-01T00:00:00Z'), signal);
    await writeStubSnapshot(storage, OTHER_TENANT, idAt('2026-01-02T00:00:00Z'), signal);
    const only = await runPrune({ storage: new DryRunBackend(storage), dryRun: true, policy: { last: 1 }, tenant: OTHER_TENANT, signal });
    expect(only.kept.map((k) => k.tenant)).toEqual([OTHER_TENANT]);
    expect(only.removed.map((r) => `${r.tenant} ${r.snapshotId}`)).toEqual([`${OTHER_TENANT} ${idAt('2026-01-01T00:00:00Z')}`]);
    const all = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(all.kept.map((k) => `${k.tenant} ${k.snapshotId}`).sort()).toEqual([`${OTHER_TENANT} ${idAt('2026-01-02T00:00:00Z')}`, `${SAMPLE.domain} ${IDS[1]}`].sort());
    expect(all.removed).toHaveLength(2);
  });

  it('a dry run reports the same plan and removes nothing', async () => {
    const storage = await open();
    await writeSamples(storage, IDS, signal);
    const before = await keysOf(storage, signal);
    const dry = new DryRunBackend(storage);
    const report = await runPrune({ storage: dry, dryRun: true, policy: { last: 2 }, signal });
    expect(report.dryRun).toBe(true);
    expect(report.removed).toHaveLength(4);
    expect(dry.writes.filter((w) => w.operation === 'remove')).toHaveLength(8);
    expect(await keysOf(storage, signal)).toEqual(before);
    const real = await runPrune({ storage, policy: { last: 2 }, signal });
    expect(real.removed).toEqual(report.removed);
  });

  it('leaves incomplete snapshots (archive without manifest) alone and reports them', async () => {
    const storage = await open();
    await writeSamples(storage, IDS.slice(0, 2), signal);
    const running = idAt('2026-11-19T00:00:00Z');
    await writeStubSnapshot(storage, SAMPLE.domain, running, signal, { manifest: false });
    const report = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(report.incomplete).toEqual([{ tenant: SAMPLE.domain, snapshotId: running, keys: [snapshotKeys(SAMPLE.prefix, SAMPLE.domain, running).archive] }]);
    expect(report.removed.map((r) => r.snapshotId)).toEqual([IDS[0]]);
    expect(await keysOf(storage, signal)).toContain(snapshotKeys(SAMPLE.prefix, SAMPLE.domain, running).archive);
  });
});

describe('prune with objects a retention policy protects', () => {
  it('a protected manifest: the snapshot stays complete and its archive is not touched', async () => {
    const inner = new MemoryBackend();
    await writeSamples(inner, IDS.slice(0, 3), signal);
    const protectedKey = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, IDS[1] ?? '').manifest;
    const until = new Date('2026-12-01T00:00:00Z');
    const storage = new ProtectingBackend(inner, (key) => (key === protectedKey ? until : undefined));
    const report = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(report.removed.map((r) => r.snapshotId)).toEqual([IDS[0]]);
    expect(report.protected).toEqual([
      { tenant: SAMPLE.domain, snapshotId: IDS[1], time: '2026-11-21T03:00:00.000Z', stillListed: true, objects: [{ key: protectedKey, retainUntil: until.toISOString() }], removedKeys: [] },
    ]);
    expect(storage.removes).not.toContain(snapshotKeys(SAMPLE.prefix, SAMPLE.domain, IDS[1] ?? '').archive);
    expect((await listSnapshots(inner, { signal })).map((e) => e.snapshotId)).toEqual([IDS[1], IDS[2]]);
  });

  it('a protected archive after its manifest went: reported, not listed any more', async () => {
    const inner = new MemoryBackend();
    await writeSamples(inner, IDS.slice(0, 2), signal);
    const keys = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, IDS[0] ?? '');
    const storage = new ProtectingBackend(inner, (key) => (key === keys.archive ? new Date('2027-01-01T00:00:00Z') : undefined));
    const report = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(report.removed).toEqual([]);
    expect(report.protected).toEqual([
      { tenant: SAMPLE.domain, snapshotId: IDS[0], time: '2026-11-20T03:00:00.000Z', stillListed: false, objects: [{ key: keys.archive, retainUntil: '2027-01-01T00:00:00.000Z' }], removedKeys: [keys.manifest] },
    ]);
    const again = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(again.incomplete.map((s) => s.snapshotId)).toEqual([IDS[0]]);
  });

  it('an object removed by someone else meanwhile counts as removed; other storage errors stop the run', async () => {
    const inner = new MemoryBackend();
    await writeSamples(inner, IDS.slice(0, 2), signal);
    const keys = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, IDS[0] ?? '');
    const racing = new ProtectingBackend(inner, (key) => {
      if (key === keys.manifest) void inner.remove(keys.archive, { signal });
      return undefined;
    });
    const report = await runPrune({ storage: racing, policy: { last: 1 }, signal });
    expect(report.removed).toEqual([{ tenant: SAMPLE.domain, snapshotId: IDS[0], time: '2026-11-20T03:00:00.000Z', keys: [keys.manifest, keys.archive] }]);

    const broken = new MemoryBackend();
    await writeSamples(broken, IDS.slice(0, 2), signal);
    const failing = new ProtectingBackend(broken, () => undefined);
    failing.remove = async () => {
      throw new Error('boom');
    };
    await expect(runPrune({ storage: failing, policy: { last: 1 }, signal })).rejects.toThrow('boom');
  });

  it('a policy per tenant: each tenant gets its own; a tenant without one keeps everything', async () => {
    const storage = new MemoryBackend();
    await writeSamples(storage, IDS.slice(0, 3), signal);
    await writeStubSnapshot(storage, OTHER_TENANT, idAt('2026-01-01T00:00:00Z'), signal);
    await writeStubSnapshot(storage, OTHER_TENANT, idAt('2026-01-02T00:00:00Z'), signal);
    const report = await runPrune({ storage, policy: (tenant) => (tenant === SAMPLE.domain ? { last: 2 } : undefined), signal });
    expect(report.removed.map((r) => `${r.tenant} ${r.snapshotId}`)).toEqual([`${SAMPLE.domain} ${IDS[0]}`]);
    expect(report.kept.filter((k) => k.tenant === OTHER_TENANT).map((k) => [k.snapshotId, k.reasons])).toEqual([
      [idAt('2026-01-02T00:00:00Z'), ['no retention policy for this tenant']],
      [idAt('2026-01-01T00:00:00Z'), ['no retention policy for this tenant']],
    ]);
  });

  it('refuses an empty policy before touching anything', async () => {
    const inner = new MemoryBackend();
    await writeSamples(inner, IDS.slice(0, 2), signal);
    const storage = new ProtectingBackend(inner, () => undefined);
    await expect(runPrune({ storage, policy: { last: 0 }, signal })).rejects.toMatchObject({ code: 'usage' });
    expect(storage.removes).toEqual([]);
  });

  it('nothing starts after the signal aborts', async () => {
    const inner = new MemoryBackend();
    await writeSamples(inner, IDS.slice(0, 3), signal);
    const controller = new AbortController();
    const storage = new ProtectingBackend(inner, () => {
      controller.abort();
      return undefined;
    });
    await expect(runPrune({ storage, policy: { last: 1 }, signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
    expect(storage.removes).toHaveLength(1);
  });
});
