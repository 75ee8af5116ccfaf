/**
 * The fake's state: buckets, object generations and their content files.
 *
 * Content lives in files under `dataDir` (never in memory); metadata lives in memory. A commit
 * (check preconditions, make the new generation live) runs without awaiting, so concurrent
 * writers are serialized exactly like GCS serializes them: the first to finalize wins.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import path from 'node:path';
import { Crc32c } from '../../src/storage/crc32c.js';
import { FakeHttpError, badRequest, noSuchBucket, preconditionFailed, retentionPolicyNotMet } from './http-util.js';

export interface ObjectVersion {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  md5Hash: string;
  crc32c: string;
  contentType: string;
  metadata: Record<string, string>;
  timeCreated: Date;
  updated: Date;
  timeDeleted?: Date;
  /** Content file. */
  file: string;
}

export interface BucketState {
  name: string;
  versioning: boolean;
  /** Bucket retention policy: objects cannot be deleted or replaced before timeCreated + this many seconds. */
  retentionPolicy?: { retentionPeriod: number; effectiveTime: Date };
  metageneration: number;
  timeCreated: Date;
  updated: Date;
  /** Generations per name, oldest first; the last one is live unless it has timeDeleted. */
  objects: Map<string, ObjectVersion[]>;
}

/** Query parameters that make a request conditional. */
export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
  ifMetagenerationNotMatch?: string;
}

export function preconditionsFrom(query: URLSearchParams): Preconditions {
  const out: Preconditions = {};
  for (const name of ['ifGenerationMatch', 'ifGenerationNotMatch', 'ifMetagenerationMatch', 'ifMetagenerationNotMatch'] as const) {
    const value = query.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) throw badRequest(`Invalid argument for ${name}: ${value}`);
    out[name] = value;
  }
  return out;
}

/** Throws 412 unless every precondition holds for `target` (the live version, or none). */
export function checkPreconditions(target: ObjectVersion | undefined, p: Preconditions): void {
  const gen = target ? String(target.generation) : undefined;
  const meta = target ? String(target.metageneration) : undefined;
  const ok =
    (p.ifGenerationMatch === undefined || (p.ifGenerationMatch === '0' ? target === undefined : gen === p.ifGenerationMatch)) &&
    (p.ifGenerationNotMatch === undefined ||
      (p.ifGenerationNotMatch === '0' ? target !== undefined : gen !== p.ifGenerationNotMatch)) &&
    (p.ifMetagenerationMatch === undefined || meta === p.ifMetagenerationMatch) &&
    (p.ifMetagenerationNotMatch === undefined || meta !== p.ifMetagenerationNotMatch);
  if (!ok) throw preconditionFailed();
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function checkObjectName(name: string | null | undefined): string {
  if (!name) throw badRequest('Required: object name.');
  if (Buffer.byteLength(name, 'utf8') > 1024) throw badRequest('The object name is too long.');
  if (/[\r\n]/.test(name) || name === '.' || name === '..') throw badRequest(`Invalid object name: ${JSON.stringify(name)}`);
  return name;
}

export class FakeStore {
  readonly buckets = new Map<string, BucketState>();
  private lastGeneration = 0;

  /**
   * @param now the fake's clock for object creation times and retention checks (tests pass a
   *   manual one to make objects older than a bucket's retention period without waiting).
   */
  constructor(
    readonly dataDir: string,
    readonly now: () => Date = () => new Date(),
  ) {}

  /** A fresh path for content (not created). */
  newContentPath(): string {
    return path.join(this.dataDir, randomUUID());
  }

  /** Generations are microsecond timestamps, strictly increasing (as in GCS). */
  nextGeneration(): number {
    this.lastGeneration = Math.max(Date.now() * 1000, this.lastGeneration + 1);
    return this.lastGeneration;
  }

  createBucket(name: string, versioning = false, retentionPeriod?: number): BucketState {
    if (!BUCKET_NAME.test(name)) throw badRequest(`Invalid bucket name: '${name}'`);
    if (this.buckets.has(name)) {
      throw new FakeHttpError(409, 'Your previous request to create the named bucket succeeded and you already own it.');
    }
    const now = this.now();
    const bucket: BucketState = { name, versioning, metageneration: 1, timeCreated: now, updated: now, objects: new Map() };
    if (retentionPeriod !== undefined) this.setRetentionPeriod(bucket, retentionPeriod);
    this.buckets.set(name, bucket);
    return bucket;
  }

  bucket(name: string): BucketState {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket();
    return bucket;
  }

  /** Sets (seconds > 0) or removes (null) the bucket's retention policy, as buckets.patch does. */
  setRetentionPeriod(bucket: BucketState, seconds: number | null): void {
    if (seconds === null) {
      delete bucket.retentionPolicy;
      return;
    }
    if (!Number.isSafeInteger(seconds) || seconds <= 0 || seconds >= 3_155_760_000) {
      throw badRequest('Invalid argument for retentionPolicy.retentionPeriod: must be greater than 0 and less than 100 years.');
    }
    bucket.retentionPolicy = { retentionPeriod: seconds, effectiveTime: this.now() };
  }

  /** When the bucket's retention policy stops protecting `v` (undefined: no policy). */
  retentionExpiry(bucket: BucketState, v: ObjectVersion): Date | undefined {
    const policy = bucket.retentionPolicy;
    return policy ? new Date(v.timeCreated.getTime() + policy.retentionPeriod * 1000) : undefined;
  }

  /** Throws GCS's 403 retentionPolicyNotMet when `v` may not be deleted or replaced yet. */
  checkRetention(bucket: BucketState, v: ObjectVersion): void {
    const expiry = this.retentionExpiry(bucket, v);
    if (expiry && this.now().getTime() < expiry.getTime()) throw retentionPolicyNotMet(bucket.name, v.name, expiry);
  }

  live(bucket: BucketState, name: string): ObjectVersion | undefined {
    const last = bucket.objects.get(name)?.at(-1);
    return last && !last.timeDeleted ? last : undefined;
  }

  /** A specific generation (live or noncurrent), or the live one when `generation` is null. */
  find(bucket: BucketState, name: string, generation: string | null): ObjectVersion | undefined {
    if (generation === null) return this.live(bucket, name);
    return bucket.objects.get(name)?.find((v) => String(v.generation) === generation);
  }

  /**
   * Makes `incoming` the live generation of its name if the preconditions hold. Synchronous on
   * purpose: the check and the switch are one step. The previous live generation becomes
   * noncurrent (versioning on) or is deleted with its content (versioning off).
   */
  commit(incoming: Omit<ObjectVersion, 'generation' | 'metageneration' | 'timeCreated' | 'updated'>, p: Preconditions): ObjectVersion {
    const bucket = this.bucket(incoming.bucket);
    const previous = this.live(bucket, incoming.name);
    checkPreconditions(previous, p);
    if (previous) this.checkRetention(bucket, previous);
    const now = this.now();
    const version: ObjectVersion = { ...incoming, generation: this.nextGeneration(), metageneration: 1, timeCreated: now, updated: now };
    this.retire(bucket, incoming.name, previous, now);
    const versions = bucket.objects.get(incoming.name) ?? [];
    versions.push(version);
    bucket.objects.set(incoming.name, versions);
    return version;
  }

  /** Deletes the live generation (or a given one). Synchronous, like commit. */
  delete(bucket: BucketState, target: ObjectVersion): void {
    this.checkRetention(bucket, target);
    const live = this.live(bucket, target.name);
    if (target === live) {
      this.retire(bucket, target.name, target, this.now());
    } else {
      this.dropVersion(bucket, target);
    }
  }

  private retire(bucket: BucketState, name: string, previous: ObjectVersion | undefined, now: Date): void {
    if (!previous) return;
    if (bucket.versioning) {
      previous.timeDeleted = now;
    } else {
      this.dropVersion(bucket, previous);
    }
    if (bucket.objects.get(name)?.length === 0) bucket.objects.delete(name);
  }

  private dropVersion(bucket: BucketState, version: ObjectVersion): void {
    const versions = bucket.objects.get(version.name) ?? [];
    const rest = versions.filter((v) => v !== version);
    if (rest.length) bucket.objects.set(version.name, rest);
    else bucket.objects.delete(version.name);
    rmSync(version.file, { force: true });
  }
}

/** md5 and crc32c (both base64, as GCS reports them) and the size of a file's content. */
export async function hashFile(file: string): Promise<{ md5Hash: string; crc32c: string; size: number }> {
  const md5 = createHash('md5');
  const crc = new Crc32c();
  let size = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    crc.update(chunk);
    size += chunk.length;
  }
  return { md5Hash: md5.digest('base64'), crc32c: crc.base64(), size };
}

/** Throws 400 (as GCS does) when hashes the client supplied differ from the content's. */
export function checkSuppliedHashes(
  actual: { md5Hash: string; crc32c: string },
  supplied: { md5Hash?: string; crc32c?: string },
): void {
  if (supplied.md5Hash !== undefined && supplied.md5Hash !== actual.md5Hash) {
    throw badRequest(`Provided MD5 hash "${supplied.md5Hash}" doesn't match calculated MD5 hash "${actual.md5Hash}".`);
  }
  if (supplied.crc32c !== undefined && supplied.crc32c !== actual.crc32c) {
    throw badRequest(`Provided CRC32C "${supplied.crc32c}" doesn't match calculated CRC32C "${actual.crc32c}".`);
  }
}
