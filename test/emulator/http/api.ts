/**
 * The Management API request pipeline, in Auth0's order: bearer token (401), route (404),
 * rate limit (429), scope (403), injected faults, query and body validation (400/413), handler.
 * Every answer carries the x-ratelimit-* headers; every answer is counted in the stats.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { operationForPattern, type OasOperation } from '../oas.js';
import type { FaultRegistry } from '../faults.js';
import type { RateLimiter } from '../rate-limit.js';
import { TOO_MANY_REQUESTS_BODY } from '../rate-limit.js';
import type { Stats } from '../stats.js';
import type { TokenIssuer } from '../tokens.js';
import { isMultipart, readBody } from './body.js';
import { errorAnswer, notFoundAnswer, send } from './respond.js';
import type { Router } from './router.js';
import { ApiError, httpReason, type EmuRequest, type EmuResponse, type HttpMethod, type RouteContext, type RouteDef } from './types.js';
import { validateBody, validateQuery } from './validate.js';

export interface ApiDeps {
  router: Router;
  issuer: TokenIssuer;
  audience: () => string;
  limiter: RateLimiter;
  faults: FaultRegistry;
  stats: Stats;
  context: () => RouteContext;
  now: () => number;
  /** Called for unexpected handler errors (the server logs them to stderr). */
  onError: (err: unknown) => void;
}

const METHODS = new Set<string>(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);
const opCache = new WeakMap<RouteDef, OasOperation | null>();

function oasOp(route: RouteDef): OasOperation | undefined {
  let op = opCache.get(route);
  if (op === undefined) {
    op = operationForPattern(route.method, route.pattern)?.op ?? null;
    opCache.set(route, op);
  }
  return op ?? undefined;
}

const invalidToken = (description?: string): EmuResponse => ({
  status: 401,
  body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token', attributes: { error: 'Invalid token' } },
  headers: {
    'www-authenticate': description ? `Bearer realm="Auth0", error="invalid_token", error_description="${description}"` : 'Bearer realm="Auth0"',
  },
});

/** Handles one request whose path starts with /api/v2. */
export async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiDeps): Promise<void> {
  const path = url.pathname.slice('/api/v2'.length) || '/';
  const method = (req.method ?? 'GET').toUpperCase();
  let routeKey = `${method} (unmatched)`;
  let rateHeaders = deps.limiter.peek();
  let answer: EmuResponse;
  try {
    answer = await pipelineAnswer();
  } catch (err) {
    if (err instanceof ApiError) answer = errorAnswer(err);
    else {
      deps.onError(err);
      answer = { status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' } };
    }
  }
  if (answer.status === 429 && answer.body === undefined) answer = { ...answer, body: TOO_MANY_REQUESTS_BODY };
  deps.stats.record(routeKey, answer.status);
  if (answer.status !== 0 && !res.destroyed) await send(res, answer, rateHeaders);

  async function pipelineAnswer(): Promise<EmuResponse> {
    const match = METHODS.has(method) ? deps.router.match(method as HttpMethod, path) : undefined;
    if (match && !('methodNotAllowed' in match)) routeKey = `${match.route.method} ${match.route.pattern}`;
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) return invalidToken();
    const verified = deps.issuer.verify(m[1] as string, deps.audience(), deps.now());
    if (!verified.ok) {
      if (verified.reason === 'audience') {
        return { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Bad audience', attributes: { error: 'Bad audience' } } };
      }
      return invalidToken(verified.reason === 'expired' ? 'The token expired' : 'The token is invalid');
    }
    if (!match || 'methodNotAllowed' in match) {
      // Auth0 (hapi) answers 404 both for unknown paths and for known paths with another method.
      deps.stats.recordUnmatched(method, path);
      return notFoundAnswer();
    }
    const route = match.route;
    const decision = deps.limiter.take(route.method, route.pattern);
    rateHeaders = decision.headers;
    if (!decision.allowed) return { status: 429, body: TOO_MANY_REQUESTS_BODY };
    const scopes = new Set(verified.claims.scope.split(' ').filter((s) => s.length > 0));
    if (route.scopes.length > 0 && !route.scopes.some((s) => scopes.has(s))) {
      throw new ApiError(403, `Insufficient scope, expected any of: ${route.scopes.join(',')}`, 'insufficient_scope');
    }
    const fault = deps.faults.forRequest(route.method, route.pattern, path);
    if (fault?.latencyMs) await delay(fault.latencyMs);
    if (fault?.reset) {
      req.socket.destroy();
      return { status: 0 };
    }
    if (fault?.status !== undefined) {
      const status = fault.status;
      if (status === 429) {
        // an injected 429 is a rate-limit hit, as Auth0 sends it: no tokens left, reset in 1 s
        rateHeaders = { ...rateHeaders, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(deps.now() / 1000) + 1) };
        return { status, body: TOO_MANY_REQUESTS_BODY };
      }
      throw new ApiError(status, httpReason[status] ?? 'Injected fault');
    }
    const op = oasOp(route);
    if (op && route.validate !== false) validateQuery(op, url.searchParams);
    const body = isMultipart(req) ? undefined : await readBody(req);
    if (op && route.validate !== false && !isMultipart(req)) validateBody(op, body);
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const emuReq: EmuRequest = {
      method: route.method,
      path,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      raw: req,
      scopes,
      signal: controller.signal,
    };
    return route.handler(emuReq, deps.context());
  }
}
