/**
 * Sub-resources of roles, connections, hooks and clients that deploy-cli reads and writes:
 * role permissions, a connection's enabled clients (stored in `enabled_clients`), SCIM and
 * directory-provisioning configurations, hook secrets, client credentials.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { Rec } from '../contract.js';
import { ApiError, type RouteDef } from '../http/types.js';
import { prefixedId } from '../ids.js';
import { listBody } from './listing.js';
import { bodyObject, okStatus, opRoute, requireParent } from './route.js';

const permKey = (p: Rec) => `${String(p.resource_server_identifier)}\u0001${String(p.permission_name)}`;

export function childRoutes(store: MemoryConfigStore, now: () => string): RouteDef[] {
  store.defineType('role-permissions', 'key');
  store.defineType('client-credentials', 'id');
  store.defineType('scim-configurations', 'connection_id');
  store.defineType('directory-provisionings', 'connection_id');
  const role = (id: string | undefined, op: Parameters<typeof requireParent>[3]) =>
    requireParent(store, 'roles', id, op, 'The role does not exist.');
  const connection = (id: string | undefined, op: Parameters<typeof requireParent>[3]) =>
    requireParent(store, 'connections', id, op, 'The connection does not exist');
  const permissionsOf = (body: Rec): Rec[] => {
    const list = body.permissions;
    return Array.isArray(list) ? (list as Rec[]) : [];
  };

  const perConnection = (type: string, oasPath: string, build: (conn: Rec, body: Rec) => Rec): RouteDef[] => [
    opRoute('GET', oasPath, (req, op) => {
      const conn = connection(req.params.id, op);
      const rec = store.getChild(type, String(conn.id), String(conn.id));
      if (!rec) throw new ApiError(404, 'Not Found');
      return { status: 200, body: rec };
    }),
    opRoute('POST', oasPath, (req, op) => {
      const conn = connection(req.params.id, op);
      if (store.getChild(type, String(conn.id), String(conn.id))) throw new ApiError(409, 'Conflict');
      const rec = build(conn, bodyObject(req));
      store.insert(type, rec, String(conn.id));
      return { status: okStatus(op, 201), body: rec };
    }),
    opRoute('PATCH', oasPath, (req, op) => {
      const conn = connection(req.params.id, op);
      const prev = store.getChild(type, String(conn.id), String(conn.id));
      if (!prev) throw new ApiError(404, 'Not Found');
      const rec: Rec = { ...prev, ...bodyObject(req) };
      if ('updated_on' in prev) rec.updated_on = now();
      if ('updated_at' in prev) rec.updated_at = now();
      store.replace(type, String(conn.id), rec, String(conn.id));
      return { status: okStatus(op), body: rec };
    }),
    opRoute('DELETE', oasPath, (req, op) => {
      const conn = connection(req.params.id, op);
      store.remove(type, String(conn.id), String(conn.id));
      return { status: okStatus(op, 204) };
    }),
  ];

  return [
    // --- role permissions
    opRoute('GET', '/roles/{id}/permissions', (req, op) => {
      const r = role(req.params.id, op);
      const items = store.entries('role-permissions', String(r.id));
      return { status: 200, body: listBody(op, items, req.query, withoutKey) };
    }),
    opRoute('POST', '/roles/{id}/permissions', (req, op) => {
      const r = role(req.params.id, op);
      for (const p of permissionsOf(bodyObject(req))) {
        const rs = store.findBy('resource-servers', 'identifier', p.resource_server_identifier);
        if (!rs) throw new ApiError(404, `Resource server "${String(p.resource_server_identifier)}" not found`);
        const scope = Array.isArray(rs.scopes) ? (rs.scopes as Rec[]).find((s) => s.value === p.permission_name) : undefined;
        const rec: Rec = {
          key: permKey(p),
          resource_server_identifier: p.resource_server_identifier,
          permission_name: p.permission_name,
          resource_server_name: rs.name,
          description: scope?.description ?? '',
        };
        store.replace('role-permissions', String(rec.key), rec, String(r.id));
      }
      return { status: okStatus(op, 201) };
    }),
    opRoute('DELETE', '/roles/{id}/permissions', (req, op) => {
      const r = role(req.params.id, op);
      for (const p of permissionsOf(bodyObject(req))) store.remove('role-permissions', permKey(p), String(r.id));
      return { status: okStatus(op) };
    }),

    // --- connection enabled clients (checkpoint list; PATCH takes [{client_id, status}])
    opRoute('GET', '/connections/{id}/clients', (req, op) => {
      const conn = connection(req.params.id, op);
      const ids = Array.isArray(conn.enabled_clients) ? (conn.enabled_clients as string[]) : [];
      const items = ids.map((client_id, i) => ({ seq: i + 1, rec: { client_id } as Rec }));
      return { status: 200, body: listBody(op, items, req.query, (r) => r) };
    }),
    opRoute('PATCH', '/connections/{id}/clients', (req, op) => {
      const conn = connection(req.params.id, op);
      const changes = Array.isArray(req.body) ? (req.body as Rec[]) : [];
      const ids = new Set(Array.isArray(conn.enabled_clients) ? (conn.enabled_clients as string[]) : []);
      for (const c of changes) {
        const id = String(c.client_id);
        if (!store.get('clients', id)) throw new ApiError(404, 'The client does not exist', 'inexistent_client');
        if (c.status === true) ids.add(id);
        else ids.delete(id);
      }
      store.replace('connections', String(conn.id), { ...conn, enabled_clients: [...ids] });
      return { status: okStatus(op, 204) };
    }),
    opRoute('GET', '/connections-directory-provisionings', (req, op) => ({
      status: 200,
      body: listBody(op, store.entries('directory-provisionings'), req.query, (r) => r),
    })),
    ...perConnection('scim-configurations', '/connections/{id}/scim-configuration', (conn, body) => ({
      connection_id: conn.id,
      connection_name: conn.name,
      strategy: conn.strategy,
      tenant_name: 'emulator',
      user_id_attribute: body.user_id_attribute ?? 'externalId',
      mapping: body.mapping ?? [],
      created_at: now(),
      updated_on: now(),
    })),
    ...perConnection('directory-provisionings', '/connections/{id}/directory-provisioning', (conn, body) => ({
      mapping: [
        { auth0: 'email', idp: 'primaryEmail' },
        { auth0: 'name', idp: 'name.fullName' },
      ],
      synchronize_automatically: false,
      synchronize_groups: 'off',
      ...body,
      connection_id: conn.id,
      connection_name: conn.name,
      strategy: conn.strategy,
      created_at: now(),
      updated_at: now(),
    })),

    // --- hook secrets: values are never shown
    opRoute('GET', '/hooks/{id}/secrets', (req, op) => {
      const hook = requireParent(store, 'hooks', req.params.id, op);
      const secrets = (hook.secrets ?? {}) as Rec;
      return { status: 200, body: Object.fromEntries(Object.keys(secrets).map((k) => [k, '_VALUE_NOT_SHOWN_'])) };
    }),
    ...(['POST', 'PATCH'] as const).map((method) =>
      opRoute(method, '/hooks/{id}/secrets', (req, op) => {
        const hook = requireParent(store, 'hooks', req.params.id, op);
        const secrets = { ...((hook.secrets ?? {}) as Rec) };
        for (const [k, v] of Object.entries(bodyObject(req))) {
          if (method === 'POST' && k in secrets) throw new ApiError(409, `Secret ${k} already exists`);
          if (method === 'PATCH' && !(k in secrets)) throw new ApiError(404, `Secret ${k} does not exist`);
          secrets[k] = v;
        }
        store.replace('hooks', String(hook.id), { ...hook, secrets });
        return { status: okStatus(op, 201) };
      }),
    ),
    opRoute('DELETE', '/hooks/{id}/secrets', (req, op) => {
      const hook = requireParent(store, 'hooks', req.params.id, op);
      const secrets = { ...((hook.secrets ?? {}) as Rec) };
      for (const name of Array.isArray(req.body) ? (req.body as string[]) : []) delete secrets[name];
      store.replace('hooks', String(hook.id), { ...hook, secrets });
      return { status: okStatus(op, 204) };
    }),

    // --- client credentials (public keys / certificates; the key material is never returned)
    opRoute('GET', '/clients/{client_id}/credentials', (req, op) => {
      const client = requireParent(store, 'clients', req.params.client_id, op);
      return { status: 200, body: store.entries('client-credentials', String(client.client_id)).map((e) => e.rec) };
    }),
    opRoute('POST', '/clients/{client_id}/credentials', (req, op) => {
      const client = requireParent(store, 'clients', req.params.client_id, op);
      const body = bodyObject(req);
      const rec: Rec = {
        id: prefixedId('cred'),
        name: body.name ?? '',
        credential_type: body.credential_type,
        alg: body.alg ?? 'RS256',
        kid: prefixedId('kid', 20),
        created_at: now(),
        updated_at: now(),
        ...(body.expires_at !== undefined ? { expires_at: body.expires_at } : {}),
      };
      store.insert('client-credentials', rec, String(client.client_id));
      return { status: okStatus(op, 201), body: rec };
    }),
    opRoute('GET', '/clients/{client_id}/credentials/{credential_id}', (req, op) => {
      const client = requireParent(store, 'clients', req.params.client_id, op);
      const rec = store.getChild('client-credentials', String(client.client_id), req.params.credential_id ?? '');
      if (!rec) throw new ApiError(404, 'Credential does not exist');
      return { status: 200, body: rec };
    }),
    opRoute('PATCH', '/clients/{client_id}/credentials/{credential_id}', (req, op) => {
      const client = requireParent(store, 'clients', req.params.client_id, op);
      const prev = store.getChild('client-credentials', String(client.client_id), req.params.credential_id ?? '');
      if (!prev) throw new ApiError(404, 'Credential does not exist');
      const rec = { ...prev, ...bodyObject(req), updated_at: now() };
      store.replace('client-credentials', String(prev.id), rec, String(client.client_id));
      return { status: okStatus(op), body: rec };
    }),
    opRoute('DELETE', '/clients/{client_id}/credentials/{credential_id}', (req, op) => {
      const client = requireParent(store, 'clients', req.params.client_id, op);
      store.remove('client-credentials', req.params.credential_id ?? '', String(client.client_id));
      return { status: okStatus(op, 204) };
    }),
  ];
}

function withoutKey(p: Rec): Rec {
  const { key: _k, ...rest } = p;
  return rest;
}
