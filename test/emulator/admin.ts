/**
 * The admin API under /__emulator/ (no token; loopback callers only):
 *   GET  state       the whole tenant as normalized JSON (sorted keys, records sorted by id),
 *                    users and memberships streamed from the user store
 *   GET  stats       request statistics (stats.ts)
 *   GET  faults      current fault rules; POST faults {seed?, rules:[…]} replaces them
 *   GET  rate-limit  current configuration; POST rate-limit {"preset":"free"} or {"spec":"16/1,50"}
 *   POST reset       {seed?: "empty"|"demo", users?: N}: wipes and re-seeds (same m2m credentials)
 *   POST clients     {scopes:[…], name?}: a non-interactive client with a Management API grant
 *                    holding only those scopes → {clientId, clientSecret, scopes}
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { MemoryConfigStore } from './config-store.js';
import type { Rec, UserStore } from './contract.js';
import type { FaultConfig, FaultRegistry } from './faults.js';
import { readBody } from './http/body.js';
import { send } from './http/respond.js';
import { ApiError } from './http/types.js';
import { clientId as newClientId, clientSecret as newClientSecret, prefixedId } from './ids.js';
import { managementAudience } from './oauth.js';
import { parseRateLimit, type RateLimiter } from './rate-limit.js';
import type { SeedName } from './seeds/index.js';
import type { Stats } from './stats.js';

export interface AdminDeps {
  store: MemoryConfigStore;
  users: UserStore;
  stats: Stats;
  faults: FaultRegistry;
  limiter: RateLimiter;
  domain: () => string;
  mgmtClientId: string;
  reset(seed: SeedName, users: number): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, deps: AdminDeps): Promise<void> {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    await send(res, { status: 403, body: { statusCode: 403, error: 'Forbidden', message: 'The admin API answers loopback callers only' } });
    return;
  }
  const name = url.pathname.replace(/^\/__emulator\/?/, '').replace(/\/$/, '');
  const key = `${req.method ?? 'GET'} ${name}`;
  try {
    switch (key) {
      case 'GET state':
        await streamState(res, deps);
        return;
      case 'GET stats':
        await send(res, { status: 200, body: deps.stats.snapshot() });
        return;
      case 'GET faults':
        await send(res, { status: 200, body: deps.faults.describe() });
        return;
      case 'POST faults': {
        const body = (await readBody(req)) as Partial<FaultConfig> | undefined;
        if (!body || !Array.isArray(body.rules)) throw new ApiError(400, 'Body must be {seed?: number, rules: FaultRule[]}');
        deps.faults.configure({ seed: body.seed, rules: body.rules });
        await send(res, { status: 200, body: deps.faults.describe() });
        return;
      }
      case 'GET rate-limit':
        await send(res, { status: 200, body: describeRate(deps.limiter) });
        return;
      case 'POST rate-limit': {
        const body = ((await readBody(req)) ?? {}) as { preset?: string; spec?: string };
        const value = body.preset ?? body.spec;
        if (typeof value !== 'string') throw new ApiError(400, 'Body must be {"preset": "off|free|enterprise|essentials"} or {"spec": "limit/window,burst"}');
        try {
          deps.limiter.configure(parseRateLimit(value));
        } catch (err) {
          throw new ApiError(400, (err as Error).message);
        }
        await send(res, { status: 200, body: describeRate(deps.limiter) });
        return;
      }
      case 'POST reset': {
        const body = ((await readBody(req)) ?? {}) as { seed?: SeedName; users?: number };
        const seed = body.seed ?? 'empty';
        if (seed !== 'empty' && seed !== 'demo') throw new ApiError(400, 'seed must be "empty" or "demo"');
        await deps.reset(seed, Number(body.users ?? 0));
        await send(res, { status: 200, body: { seed, users: deps.users.count() } });
        return;
      }
      case 'POST clients': {
        const body = ((await readBody(req)) ?? {}) as { scopes?: unknown; name?: string };
        if (!Array.isArray(body.scopes) || !body.scopes.every((s) => typeof s === 'string')) {
          throw new ApiError(400, 'Body must be {scopes: string[], name?: string}');
        }
        await send(res, { status: 201, body: createScopedClient(deps, body.scopes as string[], body.name) });
        return;
      }
      default:
        await send(res, { status: 404, body: { statusCode: 404, error: 'Not Found', message: `No admin route ${key}` } });
    }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    await send(res, { status: err.status, body: { statusCode: err.status, error: 'Bad Request', message: err.message } });
  }
}

function describeRate(limiter: RateLimiter): Record<string, unknown> {
  const c = limiter.current;
  return {
    name: c.name,
    off: c.off ?? false,
    global: c.global ?? null,
    other: c.other ?? null,
    routes: c.routes.map((r) => ({ methods: r.methods, pattern: r.pattern.source, bucket: r.bucket })),
  };
}

function createScopedClient(deps: AdminDeps, scopes: string[], name?: string): { clientId: string; clientSecret: string; scopes: string[] } {
  const id = newClientId();
  const secret = newClientSecret();
  const domain = deps.domain();
  deps.store.insert('clients', {
    client_id: id,
    client_secret: secret,
    name: name ?? `emulator scoped client ${id.slice(0, 6)}`,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    is_first_party: true,
    global: false,
    tenant: domain.split(':')[0],
    token_endpoint_auth_method: 'client_secret_post',
  });
  deps.store.insert('client-grants', {
    id: prefixedId('cgr'),
    client_id: id,
    audience: managementAudience(domain),
    scope: scopes,
  });
  return { clientId: id, clientSecret: secret, scopes };
}

/** Canonical JSON: object keys sorted recursively. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** The configuration part of the state: collections sorted by id, singletons by key. */
export function configState(store: MemoryConfigStore): Record<string, unknown> {
  const snap = store.snapshot();
  const collections: Record<string, unknown[]> = {};
  for (const type of Object.keys(snap.collections).sort()) {
    const idField = store.idField(type);
    const items = (snap.collections[type] ?? []).map((e) => (e.parent === undefined ? e.rec : { _parent: e.parent, ...e.rec }));
    items.sort((a: Rec, b: Rec) => compareCodeUnits(sortKey(a, idField), sortKey(b, idField)));
    collections[type] = items.map(canonical);
  }
  return { collections, singletons: canonical(snap.singletons) as Record<string, unknown> };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKey(r: Rec, idField: string): string {
  return `${String(r._parent ?? '')}\u0000${String(r[idField] ?? '')}`;
}

async function streamState(res: ServerResponse, deps: AdminDeps): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  const head = JSON.stringify({ domain: deps.domain(), ...configState(deps.store), userCount: deps.users.count() });
  await write(res, `${head.slice(0, -1)},"users":[`);
  await writeLines(res, deps.users.streamState());
  await write(res, '],"memberships":[');
  await writeLines(res, deps.users.streamMemberships());
  await write(res, ']}');
  res.end();
}

async function writeLines(res: ServerResponse, source: Readable): Promise<void> {
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    await write(res, `${first ? '' : ','}${JSON.stringify(canonical(JSON.parse(line)))}`);
    first = false;
  }
}

async function write(res: ServerResponse, text: string): Promise<void> {
  if (!res.write(text)) await once(res, 'drain');
}
