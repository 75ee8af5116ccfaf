/**
 * Management API routes for users: list/search (`GET /users`), CRUD on `/users/{id}`,
 * `GET /users-by-email`, and `DELETE /connections/{id}/users?email=`. Scopes come from the
 * OpenAPI document's security blocks; errors are Auth0's (see errors.ts).
 */
import type { ConfigStore, Rec } from '../contract.js';
import { ApiError, type EmuRequest, type RouteContext, type RouteDef } from '../http/types.js';
import { connectionNotFound, userNotFound } from './errors.js';
import { assertWithinCap, offsetBody, offsetParams, USERS_PAGING_MESSAGE } from './paging.js';
import { compileQuery, compileSort } from './search.js';
import type { SqliteUserStore } from './store.js';
import { isDatabaseStrategy, projectFields } from './user-model.js';
import { createUserBody, updateUserBody } from './user-schemas.js';
import { createUser, updateUser } from './user-writes.js';
import { assertBody, queryError, schemaErrors } from './validate.js';

function nowIso(ctx: RouteContext): string {
  return new Date(ctx.tenant.now()).toISOString();
}

function project(req: EmuRequest, user: Rec): Rec {
  return projectFields(user, req.query.get('fields'), req.query.get('include_fields'));
}

function searchEngine(q: URLSearchParams): void {
  const engine = q.get('search_engine');
  if (engine === null || engine === 'v3') return;
  if (engine === 'v1') throw new ApiError(400, 'You are not allowed to use search_engine=v1.', 'invalid_query_string');
  if (engine === 'v2') {
    throw new ApiError(400, 'You are not allowed to use search_engine=v2. Use search_engine=v3 instead.', 'invalid_query_string');
  }
  throw queryError(`No enum match for: "${engine}"`, 'search_engine', 'The version of the search engine');
}

function listUsers(store: SqliteUserStore, req: EmuRequest) {
  const q = req.query;
  searchEngine(q);
  const paging = offsetParams(q, 0);
  assertWithinCap(paging, USERS_PAGING_MESSAGE);
  let where = compileQuery(q.get('q'));
  const connection = q.get('connection');
  if (connection !== null && connection !== '') {
    where = { sql: `(${where.sql}) AND connection = ?`, params: [...where.params, connection] };
  }
  const order = compileSort(q.get('sort'));
  const users = store.search(where, order, paging.perPage, paging.page * paging.perPage).map((u) => project(req, u));
  const total = paging.includeTotals ? store.countWhere(where) : 0;
  return { status: 200, body: offsetBody('users', users, paging, total, true) };
}

export function userRoutes(store: SqliteUserStore, config: ConfigStore): RouteDef[] {
  store.watch(config);
  return [
    {
      method: 'GET',
      pattern: '/users',
      scopes: ['read:users', 'read:user_idp_tokens'],
      bucket: 'users:read',
      // validated here: Auth0's per_page message for /users carries its own description
      validate: false,
      handler: (req) => listUsers(store, req),
    },
    {
      method: 'POST',
      pattern: '/users',
      scopes: ['create:users'],
      bucket: 'users:write',
      // validated here: unknown properties get Auth0's "consider storing them in …metadata" hint
      validate: false,
      handler: (req, ctx) => {
        const errors = schemaErrors(createUserBody, req.body ?? {});
        const extra = errors.find((e) => e.code === 'OBJECT_ADDITIONAL_PROPERTIES');
        if (extra) {
          throw new ApiError(
            400,
            `Payload validation error: '${extra.message}' (consider storing them in app_metadata or user_metadata. See "Users Metadata" in https://auth0.com/docs/api/v2/changes for more details).`,
            'invalid_body',
          );
        }
        assertBody(createUserBody, req.body);
        return { status: 201, body: createUser(store, config, req.body as Rec, nowIso(ctx)) };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:id',
      scopes: ['read:users', 'read:current_user', 'read:user_idp_tokens'],
      bucket: 'users:read',
      handler: (req) => {
        const user = store.get(req.params.id ?? '');
        if (!user) throw userNotFound();
        return { status: 200, body: project(req, user) };
      },
    },
    {
      method: 'PATCH',
      pattern: '/users/:id',
      scopes: ['update:users', 'update:users_app_metadata', 'update:current_user_metadata'],
      bucket: 'users:write',
      handler: (req, ctx) => {
        assertBody(updateUserBody, req.body);
        return { status: 200, body: updateUser(store, req.params.id ?? '', (req.body ?? {}) as Rec, nowIso(ctx)) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/users/:id',
      scopes: ['delete:users', 'delete:current_user'],
      bucket: 'users:delete',
      handler: (req) => {
        store.delete(req.params.id ?? '');
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/users-by-email',
      scopes: ['read:users'],
      bucket: 'users:read',
      handler: (req) => {
        const email = req.query.get('email');
        if (email === null || email === '') {
          throw new ApiError(400, "Query validation error: 'Missing required property: email'.", 'invalid_query_string');
        }
        return { status: 200, body: store.byEmail(email).map((u) => project(req, u)) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/connections/:id/users',
      scopes: ['delete:users'],
      bucket: 'users:delete',
      handler: (req) => {
        const conn = config.get('connections', req.params.id ?? '');
        if (!conn) throw connectionNotFound(404);
        if (!isDatabaseStrategy(conn.strategy)) {
          throw new ApiError(400, 'Connection must be a database connection', 'invalid_uri');
        }
        const email = req.query.get('email');
        if (email === null || email === '') {
          throw new ApiError(400, "Query validation error: 'Missing required property: email'.", 'invalid_query_string');
        }
        for (const u of store.byEmail(email, String(conn.name))) store.delete(u.user_id);
        return { status: 204 };
      },
    },
  ];
}
