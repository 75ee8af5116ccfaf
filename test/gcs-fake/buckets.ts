/** Bucket routes of the fake: list, get, insert, patch (the versioning flag and retention policy). */
import { answer, type RequestContext } from './context.js';
import { badRequest, readJsonBody, sendJson } from './http-util.js';
import { bucketResource } from './resources.js';

function versioningOf(body: Record<string, unknown>): boolean | undefined {
  const versioning = body.versioning as { enabled?: unknown } | undefined;
  if (versioning === undefined || versioning === null) return undefined;
  if (typeof versioning !== 'object' || (versioning.enabled !== undefined && typeof versioning.enabled !== 'boolean')) {
    throw badRequest('Invalid value for versioning.');
  }
  return versioning.enabled === true;
}

/** `retentionPolicy: { retentionPeriod }` (int64 seconds, as a string or number); null removes it. */
function retentionOf(body: Record<string, unknown>): number | null | undefined {
  if (!('retentionPolicy' in body)) return undefined;
  const policy = body.retentionPolicy as { retentionPeriod?: unknown } | null;
  if (policy === null) return null;
  const raw = typeof policy === 'object' ? policy.retentionPeriod : undefined;
  const seconds = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof seconds !== 'number') throw badRequest('Invalid value for retentionPolicy.retentionPeriod.');
  return seconds;
}

export async function listBuckets(ctx: RequestContext): Promise<void> {
  if (!ctx.query.get('project')) throw badRequest('Required parameter: project');
  const items = [...ctx.store.buckets.values()].map((b) => bucketResource(b, ctx.endpoint));
  answer(ctx, () => sendJson(ctx.res, 200, { kind: 'storage#buckets', ...(items.length ? { items } : {}) }));
}

export async function getBucket(ctx: RequestContext): Promise<void> {
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  answer(ctx, () => sendJson(ctx.res, 200, bucketResource(bucket, ctx.endpoint)));
}

export async function insertBucket(ctx: RequestContext): Promise<void> {
  const body = await readJsonBody(ctx.req);
  if (!ctx.query.get('project')) throw badRequest('Required parameter: project');
  const name = ctx.query.get('name') ?? body.name;
  if (typeof name !== 'string') throw badRequest('Required: bucket name.');
  const bucket = ctx.store.createBucket(name, versioningOf(body) ?? false, retentionOf(body) ?? undefined);
  answer(ctx, () => sendJson(ctx.res, 200, bucketResource(bucket, ctx.endpoint)));
}

export async function patchBucket(ctx: RequestContext): Promise<void> {
  const body = await readJsonBody(ctx.req);
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  const versioning = versioningOf(body);
  const retention = retentionOf(body);
  if (versioning !== undefined) bucket.versioning = versioning;
  if (retention !== undefined) ctx.store.setRetentionPeriod(bucket, retention);
  bucket.metageneration += 1;
  bucket.updated = new Date();
  answer(ctx, () => sendJson(ctx.res, 200, bucketResource(bucket, ctx.endpoint)));
}
