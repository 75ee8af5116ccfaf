/**
 * Test harness: calls RouteDef handlers directly (no server) with a constructed EmuRequest and
 * turns thrown ApiErrors into the response the server would send.
 */
import type { IncomingMessage } from 'node:http';
import type { ConfigStore, Tenant, UserStore } from '../contract.js';
import { Router } from '../http/router.js';
import { ApiError, errorBody, type EmuResponse, type HttpMethod, type RouteContext, type RouteDef } from '../http/types.js';

export interface CallOptions {
  query?: Record<string, string | number | boolean>;
  body?: unknown;
  scopes?: string[];
  raw?: IncomingMessage;
  headers?: Record<string, string>;
}

export class RouteHarness {
  readonly router = new Router();
  readonly ctx: RouteContext;

  constructor(routes: RouteDef[], config: ConfigStore, users: UserStore, now: () => number, extra: Partial<RouteContext> = {}) {
    this.router.add(...routes);
    const tenant: Tenant = { domain: 'localhost:1', config, users, now };
    this.ctx = { tenant, baseUrl: 'https://localhost:1', ...extra };
  }

  async call(method: HttpMethod, pathAndQuery: string, opts: CallOptions = {}): Promise<EmuResponse> {
    const url = new URL(pathAndQuery, 'https://localhost:1');
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
    const match = this.router.match(method, url.pathname);
    if (!match || 'methodNotAllowed' in match) throw new Error(`no route for ${method} ${url.pathname}`);
    const scopes = new Set(opts.scopes ?? match.route.scopes);
    try {
      return await match.route.handler(
        {
          method,
          path: url.pathname,
          params: match.params,
          query: url.searchParams,
          headers: opts.headers ?? {},
          body: opts.body,
          raw: opts.raw ?? (undefined as unknown as IncomingMessage),
          scopes,
          signal: new AbortController().signal,
        },
        this.ctx,
      );
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: errorBody(err) };
      throw err;
    }
  }
}
