/**
 * Bucket retention policies: the GCS fake refuses early deletes and replacements as GCS does
 * (403, reason retentionPolicyNotMet), the gcs backend turns that into ObjectProtectedError
 * with the expiry, and prune reports such snapshots as protected instead of failing.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSnapshots } from '../../src/archive/catalog.js';
import { snapshotKeys } from '../../src/archive/layout.js';
import { runPrune } from '../../src/retention/prune.js';
import { ObjectProtectedError, type StorageBackend } from '../../src/storage/backend.js';
import { toStorageError } from '../../src/storage/gcs-errors.js';
import { openStorage } from '../../src/storage/registry.js';
import { SAMPLE } from '../../scripts/fixtures/sample-snapshot.js';
import { startGcsFake, type GcsFake } from '../gcs-fake/index.js';
import { idAt, writeSamples } from './support.js';

const signal = new AbortController().signal;
const DAY = 86_400;
let now = new Date('2026-11-20T00:00:00Z');
let fake: GcsFake;

beforeAll(async () => {
  fake = await startGcsFake({ now: () => now, buckets: ['plain', { name: 'locked', retentionPeriod: DAY }] });
});
afterAll(async () => {
  await fake.close();
});

function backend(bucket: string): StorageBackend {
  return openStorage(`gs://${bucket}`, { gcsEndpoint: fake.endpoint, projectId: 'test-project' });
}

const put = (storage: StorageBackend, key: string, overwrite = false) => storage.put(key, () => Readable.from([Buffer.from('x')]), { signal, overwrite });

describe('GCS fake: bucket retention policy', () => {
  it('answers an early DELETE with 403 retentionPolicyNotMet in the GCS error body shape, and allows it after the period', async () => {
    now = new Date('2026-11-20T00:00:00Z');
    await put(backend('locked'), 'raw/a');
    const url = `${fake.endpoint}/storage/v1/b/locked/o/${encodeURIComponent('raw/a')}`;
    now = new Date('2026-11-20T23:59:59Z');
    const res = await fetch(url, { method: 'DELETE' });
    expect(res.status).toBe(403);
    const message = "Object 'locked/raw/a' is subject to bucket's retention policy and cannot be deleted, overwritten or archived until 2026-11-21T00:00:00.000Z";
    expect(await res.json()).toEqual({ error: { code: 403, message, errors: [{ message, domain: 'global', reason: 'retentionPolicyNotMet' }] } });
    now = new Date('2026-11-21T00:00:00Z');
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
  });

  it('reports the policy on the bucket resource; PATCH sets and removes it', async () => {
    const get = async (b: string) => (await (await fetch(`${fake.endpoint}/storage/v1/b/${b}`)).json()) as { retentionPolicy?: unknown };
    expect((await get('locked')).retentionPolicy).toEqual({ retentionPeriod: String(DAY), effectiveTime: '2026-11-20T00:00:00.000Z', isLocked: false });
    expect((await get('plain')).retentionPolicy).toBeUndefined();
    fake.createBucket('patched');
    const patch = (body: unknown) => fetch(`${fake.endpoint}/storage/v1/b/patched`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect((await patch({ retentionPolicy: { retentionPeriod: '60' } })).status).toBe(200);
    expect((await get('patched')).retentionPolicy).toMatchObject({ retentionPeriod: '60' });
    expect((await patch({ retentionPolicy: { retentionPeriod: '-5' } })).status).toBe(400);
    expect((await patch({ retentionPolicy: null })).status).toBe(200);
    expect((await get('patched')).retentionPolicy).toBeUndefined();
  });

  it('the gcs backend maps the refusal (remove or replace) to ObjectProtectedError with the expiry', async () => {
    now = new Date('2026-11-20T10:00:00Z');
    const storage = backend('locked');
    await put(storage, 'b');
    now = new Date('2026-11-20T12:00:00Z');
    const err = await storage.remove('b', { signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectProtectedError);
    expect((err as ObjectProtectedError).retainUntil?.toISOString()).toBe('2026-11-21T10:00:00.000Z');
    expect((err as ObjectProtectedError).transient).toBe(false);
    await expect(put(storage, 'b', true)).rejects.toBeInstanceOf(ObjectProtectedError);
    // the plain bucket is unaffected
    await put(backend('plain'), 'b');
    await backend('plain').remove('b', { signal });
  });
});

describe('toStorageError: GCS retention refusals', () => {
  const ctx = { operation: 'remove' as const, location: 'gs://b', key: 'k' };
  const message = "Object 'b/k' is subject to bucket's retention policy and cannot be deleted, overwritten or archived until 2019-11-07T23:15:42.507463461-08:00";

  it('maps 403 retentionPolicyNotMet to ObjectProtectedError, reading the expiry GCS writes (nanoseconds, offset)', () => {
    const err = toStorageError({ code: 403, message, errors: [{ reason: 'retentionPolicyNotMet', message, domain: 'global' }] }, ctx);
    expect(err).toBeInstanceOf(ObjectProtectedError);
    expect((err as ObjectProtectedError).retainUntil?.toISOString()).toBe('2019-11-08T07:15:42.507Z');
    const viaBody = toStorageError({ response: { status: 403, data: { error: { message: 'held', errors: [{ reason: 'retentionPolicyNotMet' }] } } } }, ctx);
    expect(viaBody).toBeInstanceOf(ObjectProtectedError);
    expect((viaBody as ObjectProtectedError).retainUntil).toBeUndefined();
  });

  it('any other 403 stays a plain access-denied StorageError', () => {
    const err = toStorageError({ code: 403, message: 'denied', errors: [{ reason: 'forbidden', message: 'denied' }] }, ctx);
    expect(err).not.toBeInstanceOf(ObjectProtectedError);
    expect(err.message).toMatch(/access denied/);
  });
});

describe('prune on a bucket with a retention policy', () => {
  it('removes what the policy allows and reports the rest as protected, with their expiry', async () => {
    fake.createBucket('pruned', { retentionPeriod: DAY });
    const storage = backend('pruned');
    const old = [idAt('2026-11-10T03:00:00Z'), idAt('2026-11-11T03:00:00Z')];
    const recent = [idAt('2026-11-12T03:00:00Z'), idAt('2026-11-12T04:00:00Z')];
    now = new Date('2026-11-10T03:00:00Z');
    await writeSamples(storage, old, signal);
    now = new Date('2026-11-12T04:00:00Z');
    await writeSamples(storage, recent, signal);
    now = new Date('2026-11-12T05:00:00Z');

    const report = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(report.kept.map((k) => k.snapshotId)).toEqual([recent[1]]);
    expect(report.removed.map((r) => r.snapshotId)).toEqual(old);
    const protectedManifest = snapshotKeys(SAMPLE.prefix, SAMPLE.domain, recent[0] ?? '').manifest;
    expect(report.protected).toEqual([
      {
        tenant: SAMPLE.domain,
        snapshotId: recent[0],
        time: '2026-11-12T03:00:00.000Z',
        stillListed: true,
        objects: [{ key: protectedManifest, retainUntil: '2026-11-13T04:00:00.000Z' }],
        removedKeys: [],
      },
    ]);
    expect((await listSnapshots(storage, { signal })).map((e) => e.snapshotId)).toEqual(recent);

    now = new Date('2026-11-13T04:00:00Z');
    const later = await runPrune({ storage, policy: { last: 1 }, signal });
    expect(later.protected).toEqual([]);
    expect(later.removed.map((r) => r.snapshotId)).toEqual([recent[0]]);
  });
});
