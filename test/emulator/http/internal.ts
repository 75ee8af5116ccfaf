/**
 * Calling the emulator's own routes in-process (no HTTP, no token, no rate limit), with the
 * same body validation as a real request: what the demo seed uses so that seeded objects are
 * exactly what the API would have created.
 */
import type { IncomingMessage } from 'node:http';
import { operationForPattern } from '../oas.js';
import type { Router } from './router.js';
import { ApiError, type HttpMethod, type RouteContext } from './types.js';
import { validateBody } from './validate.js';

export type InternalCall = (method: HttpMethod, path: string, body?: unknown) => Promise<unknown>;

export function internalCaller(router: Router, context: () => RouteContext): InternalCall {
  return async (method, path, body) => {
    const [pathname, search = ''] = path.split('?') as [string, string?];
    const match = router.match(method, pathname);
    if (!match || 'methodNotAllowed' in match) throw new Error(`internal call: no route ${method} ${pathname}`);
    const op = operationForPattern(match.route.method, match.route.pattern)?.op;
    if (op && match.route.validate !== false) validateBody(op, body);
    try {
      const answer = await match.route.handler(
        {
          method,
          path: pathname,
          params: match.params,
          query: new URLSearchParams(search),
          headers: {},
          body,
          raw: undefined as unknown as IncomingMessage,
          scopes: new Set(),
          signal: new AbortController().signal,
        },
        context(),
      );
      return answer.body;
    } catch (err) {
      if (err instanceof ApiError) throw new Error(`internal call ${method} ${path}: ${err.status} ${err.message}`, { cause: err });
      throw err;
    }
  };
}
