/** Bucket routes of the fake: list, get, insert, patch (the versioning flag). */
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
  const bucket = ctx.store.createBucket(name, versioningOf(body) ?? false);
  answer(ctx, () => sendJson(ctx.res, 200, bucketResource(bucket, ctx.endpoint)));
}

export async function patchBucket(ctx: RequestContext): Promise<void> {
  const body = await readJsonBody(ctx.req);
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  const versioning = versioningOf(body);
  if (versioning !== undefined) bucket.versioning = versioning;
  bucket.metageneration += 1;
  bucket.updated = new Date();
  answer(ctx, () => sendJson(ctx.res, 200, bucketResource(bucket, ctx.endpoint)));
}
