/**
 * JSON resources as GCS returns them (field names from the storage v1 discovery document):
 * int64 fields (generation, metageneration, size) as strings, hashes base64, times RFC 3339.
 */
import type { BucketState, ObjectVersion } from './store.js';

export function encodeName(name: string): string {
  return encodeURIComponent(name);
}

export function objectResource(v: ObjectVersion, endpoint: string): Record<string, unknown> {
  const name = encodeName(v.name);
  const resource: Record<string, unknown> = {
    kind: 'storage#object',
    id: `${v.bucket}/${v.name}/${v.generation}`,
    selfLink: `${endpoint}/storage/v1/b/${v.bucket}/o/${name}`,
    mediaLink: `${endpoint}/download/storage/v1/b/${v.bucket}/o/${name}?generation=${v.generation}&alt=media`,
    name: v.name,
    bucket: v.bucket,
    generation: String(v.generation),
    metageneration: String(v.metageneration),
    contentType: v.contentType,
    storageClass: 'STANDARD',
    size: String(v.size),
    md5Hash: v.md5Hash,
    crc32c: v.crc32c,
    etag: etagOf(v),
    timeCreated: v.timeCreated.toISOString(),
    updated: v.updated.toISOString(),
    timeStorageClassUpdated: v.timeCreated.toISOString(),
  };
  if (Object.keys(v.metadata).length) resource.metadata = { ...v.metadata };
  if (v.timeDeleted) resource.timeDeleted = v.timeDeleted.toISOString();
  return resource;
}

export function etagOf(v: ObjectVersion): string {
  return Buffer.from(`${v.generation}/${v.metageneration}`).toString('base64');
}

export function bucketResource(b: BucketState, endpoint: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    id: b.name,
    selfLink: `${endpoint}/storage/v1/b/${b.name}`,
    projectNumber: '000000000000',
    name: b.name,
    timeCreated: b.timeCreated.toISOString(),
    updated: b.updated.toISOString(),
    metageneration: String(b.metageneration),
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: Buffer.from(String(b.metageneration)).toString('base64'),
    versioning: { enabled: b.versioning },
    ...(b.retentionPolicy
      ? {
          retentionPolicy: {
            retentionPeriod: String(b.retentionPolicy.retentionPeriod),
            effectiveTime: b.retentionPolicy.effectiveTime.toISOString(),
            isLocked: false,
          },
        }
      : {}),
  };
}
