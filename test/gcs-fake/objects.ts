/** Object routes of the fake: metadata get, media get (with Range), list, patch, delete. */
import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { answer, dropConnection, type RequestContext } from './context.js';
import { FakeHttpError, badRequest, noSuchObject, readJsonBody, sendEmpty, sendJson, stringMap } from './http-util.js';
import { etagOf, objectResource } from './resources.js';
import { checkPreconditions, preconditionsFrom, type ObjectVersion } from './store.js';

function target(ctx: RequestContext): ObjectVersion {
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  const name = ctx.object ?? '';
  const generation = ctx.query.get('generation');
  if (generation !== null && !/^\d+$/.test(generation)) throw badRequest(`Invalid argument for generation: ${generation}`);
  const version = ctx.store.find(bucket, name, generation);
  if (!version) throw noSuchObject(bucket.name, name);
  checkPreconditions(version, preconditionsFrom(ctx.query));
  return version;
}

export async function getObject(ctx: RequestContext): Promise<void> {
  const version = target(ctx);
  answer(ctx, () => sendJson(ctx.res, 200, objectResource(version, ctx.endpoint), { ETag: etagOf(version) }));
}

/** Parses a single `bytes=` range; undefined means "serve everything". Throws 416 if unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from = '', to = ''] = match;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
    if (to !== '' && Number(to) < start) return undefined;
  }
  if (start >= size) {
    throw new FakeHttpError(416, 'The requested range cannot be satisfied.', { headers: { 'Content-Range': `bytes */${size}` } });
  }
  return { start, end };
}

/** Flips the bits of the byte in the middle of the first chunk that passes through. */
function corrupter(): Transform {
  let done = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!done && chunk.length > 0) {
        const copy = Buffer.from(chunk);
        const at = Math.floor(copy.length / 2);
        copy[at] = (copy[at] ?? 0) ^ 0xff;
        done = true;
        callback(null, copy);
        return;
      }
      callback(null, chunk);
    },
  });
}

export async function getMedia(ctx: RequestContext): Promise<void> {
  const version = target(ctx);
  const range = parseRange(ctx.req.headers.range, version.size);
  const headers: Record<string, string> = {
    'Content-Type': version.contentType,
    'Accept-Ranges': 'bytes',
    ETag: etagOf(version),
    'Last-Modified': version.updated.toUTCString(),
    'x-goog-generation': String(version.generation),
    'x-goog-metageneration': String(version.metageneration),
    'x-goog-hash': `crc32c=${version.crc32c},md5=${version.md5Hash}`,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(version.size),
    'x-goog-storage-class': 'STANDARD',
  };
  for (const [k, v] of Object.entries(version.metadata)) headers[`x-goog-meta-${k}`] = encodeURIComponent(v);
  const start = range?.start ?? 0;
  const end = range?.end ?? version.size - 1;
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${version.size}`;
  if (ctx.decision.dropResponse) {
    dropConnection(ctx);
    return;
  }
  ctx.res.writeHead(range ? 206 : 200, headers);
  if (version.size === 0) {
    ctx.res.end();
    return;
  }
  const content: Readable = createReadStream(version.file, { start, end, highWaterMark: 256 * 1024 });
  const streams: Array<Readable | Transform> = [content];
  if (ctx.decision.corruptDownload) streams.push(corrupter());
  await pipeline([...streams, ctx.res]).catch(() => ctx.res.destroy());
}

interface PageToken {
  /** Last name (or prefix) returned. */
  n: string;
  /** Its generation (versions listing). */
  g?: number;
  /** True when `n` was a prefix. */
  p?: boolean;
}

function decodeToken(token: string | null): PageToken | undefined {
  if (token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageToken;
    if (typeof parsed.n === 'string') return parsed;
  } catch {
    // fall through
  }
  throw badRequest('Invalid page token.');
}

const byName = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function isBeforeOrAt(v: ObjectVersion, token: PageToken): boolean {
  if (token.p) return v.name.startsWith(token.n) || byName(v.name, token.n) <= 0;
  const c = byName(v.name, token.n);
  return c < 0 || (c === 0 && (token.g === undefined || v.generation <= token.g));
}

export async function listObjects(ctx: RequestContext): Promise<void> {
  const bucket = ctx.store.bucket(ctx.bucket ?? '');
  const q = ctx.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const versions = q.get('versions') === 'true';
  const startOffset = q.get('startOffset') ?? undefined;
  const endOffset = q.get('endOffset') || undefined;
  const maxText = q.get('maxResults');
  const maxResults = maxText === null ? 1000 : Number(maxText);
  if (!Number.isInteger(maxResults) || maxResults < 1) throw badRequest(`Invalid value for maxResults: ${maxText}`);
  const limit = Math.min(maxResults, 1000);
  const token = decodeToken(q.get('pageToken'));

  const names = [...bucket.objects.keys()].filter((n) => n.startsWith(prefix)).sort(byName);
  const items: ObjectVersion[] = [];
  const prefixes: string[] = [];
  let last: PageToken | undefined;
  let nextPageToken: string | undefined;
  outer: for (const name of names) {
    if (startOffset !== undefined && byName(name, startOffset) < 0) continue;
    if (endOffset !== undefined && byName(name, endOffset) >= 0) continue;
    const all = bucket.objects.get(name) ?? [];
    const candidates = versions ? all : all.filter((v) => !v.timeDeleted).slice(-1);
    for (const v of candidates) {
      if (token && isBeforeOrAt(v, token)) continue;
      const cut = delimiter === undefined ? -1 : name.indexOf(delimiter, prefix.length);
      const collapsed = cut >= 0 && delimiter !== undefined ? name.slice(0, cut + delimiter.length) : undefined;
      if (collapsed !== undefined && prefixes.at(-1) === collapsed) continue;
      if (items.length + prefixes.length >= limit) {
        nextPageToken = Buffer.from(JSON.stringify(last)).toString('base64url');
        break outer;
      }
      if (collapsed !== undefined) {
        prefixes.push(collapsed);
        last = { n: collapsed, p: true };
        continue outer;
      }
      items.push(v);
      last = { n: v.name, g: v.generation };
    }
  }
  const body: Record<string, unknown> = { kind: 'storage#objects' };
  if (prefixes.length) body.prefixes = prefixes;
  if (items.length) body.items = items.map((v) => objectResource(v, ctx.endpoint));
  if (nextPageToken) body.nextPageToken = nextPageToken;
  answer(ctx, () => sendJson(ctx.res, 200, body));
}

export async function patchObject(ctx: RequestContext): Promise<void> {
  const body = await readJsonBody(ctx.req);
  const version = target(ctx);
  if (body.metadata !== undefined) {
    const changes = body.metadata === null ? null : (body.metadata as Record<string, unknown>);
    if (changes === null) version.metadata = {};
    else {
      const merged: Record<string, unknown> = { ...version.metadata, ...changes };
      for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
      version.metadata = stringMap(merged, 'metadata');
    }
  }
  if (typeof body.contentType === 'string') version.contentType = body.contentType;
  version.metageneration += 1;
  version.updated = new Date();
  answer(ctx, () => sendJson(ctx.res, 200, objectResource(version, ctx.endpoint)));
}

export async function deleteObject(ctx: RequestContext): Promise<void> {
  const version = target(ctx);
  ctx.store.delete(ctx.store.bucket(version.bucket), version);
  answer(ctx, () => sendEmpty(ctx.res, 204));
}

