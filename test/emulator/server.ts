/**
 * The tenant emulator: one Auth0 tenant per server, HTTPS on 127.0.0.1.
 *
 *   /oauth/token     client-credentials tokens (oauth.ts)
 *   /api/v2/…        Management API routes (http/api.ts pipeline; routes from resources/ and users/)
 *   /__emulator/…    admin API, no token, loopback only (admin.ts)
 *   other            routes mounted at the root by route modules (e.g. export downloads), else 404
 *
 * Keep-alive is 600 s by default (deploy-cli blocks its event loop 15-60 s and then reuses
 * sockets; ../shared/research/deploy-cli-sdk.md B4). `close()` ends every connection.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { systemClock, type Clock } from '../../src/core/index.js';
import { handleAdmin } from './admin.js';
import { MemoryConfigStore } from './config-store.js';
import type { Tenant } from './contract.js';
import { FaultRegistry } from './faults.js';
import { handleApi } from './http/api.js';
import { readBody } from './http/body.js';
import { internalCaller } from './http/internal.js';
import { errorAnswer, notFoundAnswer, send } from './http/respond.js';
import { Router } from './http/router.js';
import { ApiError, type EmuRequest, type RouteContext, type RouteDef } from './http/types.js';
import { answerTokenRequest, managementAudience } from './oauth.js';
import { parseRateLimit, RateLimiter, type RateLimitConfig } from './rate-limit.js';
import { configRoutes } from './resources/index.js';
import { applySeed, type SeedName } from './seeds/index.js';
import { Stats } from './stats.js';
import { ensureEmulatorCa, issueLeafCert } from './tls.js';
import { TokenIssuer } from './tokens.js';
import { createUsers, type UsersModule } from './users-wiring.js';
import { clientId as newClientId, clientSecret as newClientSecret } from './ids.js';

export interface EmulatorOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  seed?: SeedName;
  /** Extra generated users, deterministic (added after the seed). */
  users?: number;
  /** Preset name or `limit/window,burst`; default `off`. */
  rateLimit?: string | RateLimitConfig;
  /** Access-token lifetime in seconds (default 86400, Auth0's default). */
  tokenTtl?: number;
  /** Seconds an export download URL stays valid (default 60). */
  exportUrlTtl?: number;
  /** Milliseconds a job spends in each state before it moves on (default 1000). */
  jobLatencyMs?: number;
  /** Import processing speed in users per second per job (default 1000). */
  importRate?: number;
  /** Seconds job data is kept (default 86400). */
  jobTtl?: number;
  /** Time source for tokens, rate limits and jobs (default the system clock). */
  clock?: Clock;
  /** Where the persistent emulator CA lives (default `<repo>/.cache/emulator-ca`). */
  caDir?: string;
  /** Directory for the user store's scratch files (default the OS temp dir). */
  dataDir?: string;
  /** Fixed credentials for the emulator's own client (default: random per process). */
  clientId?: string;
  clientSecret?: string;
  /**
   * Idle keep-alive timeout in ms (default 600,000; ≥ 65 s as deploy-cli needs). Long by default:
   * a client in the same process may block the event loop for a minute compiling its schema,
   * and a server-side close racing the client's reuse of the socket ends in ECONNRESET.
   */
  keepAliveMs?: number;
  /** Where unexpected handler errors are reported (default stderr). */
  onError?: (err: unknown) => void;
}

export interface RunningEmulator {
  /** `localhost:<port>`: what AUTH0_DOMAIN gets. */
  domain: string;
  clientId: string;
  clientSecret: string;
  caFile: string;
  /** `https://localhost:<port>/__emulator` */
  admin: string;
  /** `https://localhost:<port>` */
  url: string;
  port: number;
  tenant: Tenant;
  store: MemoryConfigStore;
  stats: Stats;
  faults: FaultRegistry;
  limiter: RateLimiter;
  router: Router;
  /** The JSON object printed as the ready line. */
  readyInfo(): { domain: string; clientId: string; clientSecret: string; caFile: string; admin: string };
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const onError = options.onError ?? ((err: unknown) => process.stderr.write(`emulator: handler error: ${String((err as Error)?.stack ?? err)}\n`));
  const ca = await ensureEmulatorCa(options.caDir);
  const leaf = issueLeafCert(ca);
  const store = new MemoryConfigStore();
  const issuer = new TokenIssuer();
  const stats = new Stats(now);
  const faults = new FaultRegistry();
  const rate = typeof options.rateLimit === 'string' ? parseRateLimit(options.rateLimit) : (options.rateLimit ?? parseRateLimit('off'));
  const limiter = new RateLimiter(rate, now);
  const tokenTtl = options.tokenTtl ?? 86400;
  const mgmt = { clientId: options.clientId ?? newClientId(), clientSecret: options.clientSecret ?? newClientSecret() };

  let domain = 'localhost:0';
  let baseUrl = 'https://localhost:0';
  const users: UsersModule = await createUsers({
    store,
    now,
    dataDir: options.dataDir,
    exportUrlTtl: options.exportUrlTtl ?? 60,
    jobLatencyMs: options.jobLatencyMs ?? 1000,
    importRate: options.importRate ?? 1000,
    jobTtl: options.jobTtl ?? 86400,
  });
  const tenant: Tenant = {
    get domain() {
      return domain;
    },
    config: store,
    users: users.store,
    now,
  };
  const router = new Router();
  const apiRoutes: RouteDef[] = [...configRoutes(store, () => domain, now), ...users.routes.filter((r) => r.mount !== 'root')];
  router.add(...apiRoutes);
  const rootRouter = new Router();
  rootRouter.add(...users.routes.filter((r) => r.mount === 'root'));
  const context = (): RouteContext => ({ tenant, baseUrl, faults, jobs: stats });

  const sockets = new Set<Socket>();
  const server: Server = createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
    void route(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' }));
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = options.keepAliveMs ?? 600_000;
  server.headersTimeout = server.keepAliveTimeout + 5_000;
  server.requestTimeout = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function seed(name: SeedName, extraUsers: number): Promise<void> {
    await applySeed(name, { store, domain, now, mgmt, call: internalCaller(router, context) });
    await users.seed({ seed: name, users: extraUsers, context: context() });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname.startsWith('/__emulator')) {
      await handleAdmin(req, res, url, {
        store,
        users: users.store,
        stats,
        faults,
        limiter,
        domain: () => domain,
        mgmtClientId: mgmt.clientId,
        reset: async (name, extra) => {
          store.clear();
          users.store.clear();
          stats.reset();
          faults.clear();
          await seed(name, extra);
        },
      });
      return;
    }
    if (url.pathname === '/oauth/token' || url.pathname === '/oauth/token/') {
      await tokenEndpoint(req, res);
      return;
    }
    if (url.pathname === '/api/v2' || url.pathname.startsWith('/api/v2/')) {
      await handleApi(req, res, url, { router, issuer, audience: () => managementAudience(domain), limiter, faults, stats, context, now, onError });
      return;
    }
    await rootRoute(req, res, url);
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      stats.recordUnmatched(req.method ?? '?', '/oauth/token');
      await send(res, notFoundAnswer(), limiter.peek());
      return;
    }
    let body: unknown;
    try {
      body = await readBody(req);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(400, 'Invalid request');
      await send(res, { status: e.status, body: { error: 'invalid_request', error_description: e.message } });
      return;
    }
    const answer = answerTokenRequest(body, { store, issuer, domain, ttlSeconds: tokenTtl, now });
    stats.record('POST /oauth/token', answer.status);
    await send(res, { status: answer.status, body: answer.body, headers: { ...limiter.peek(), 'cache-control': 'no-store', pragma: 'no-cache' } });
  }

  async function rootRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const match = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(method) ? rootRouter.match(method as 'GET', url.pathname) : undefined;
    if (!match || 'methodNotAllowed' in match) {
      stats.recordUnmatched(method, url.pathname);
      await send(res, notFoundAnswer(), limiter.peek());
      return;
    }
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const emuReq: EmuRequest = {
      method: match.route.method,
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      body: undefined,
      raw: req,
      scopes: new Set(),
      signal: controller.signal,
    };
    try {
      const answer = await match.route.handler(emuReq, context());
      stats.record(`${match.route.method} ${match.route.pattern}`, answer.status);
      await send(res, answer);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      stats.record(`${match.route.method} ${match.route.pattern}`, err.status);
      await send(res, errorAnswer(err));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  domain = `localhost:${port}`;
  baseUrl = `https://${domain}`;
  try {
    await seed(options.seed ?? 'empty', options.users ?? 0);
  } catch (err) {
    server.close();
    for (const s of sockets) s.destroy();
    await users.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    domain,
    clientId: mgmt.clientId,
    clientSecret: mgmt.clientSecret,
    caFile: ca.caFile,
    admin: `${baseUrl}/__emulator`,
    url: baseUrl,
    port,
    tenant,
    store,
    stats,
    faults,
    limiter,
    router,
    readyInfo: () => ({ domain, clientId: mgmt.clientId, clientSecret: mgmt.clientSecret, caFile: ca.caFile, admin: `${baseUrl}/__emulator` }),
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        });
        await users.close();
      })();
      return closing;
    },
  };
}
