/**
 * Organization sub-resources: connections (both `/connections` and the older
 * `/enabled_connections` view of the same data), client grants, discovery domains, and the
 * by-name lookup. `/organizations/{id}/clients` (org-to-app, early access, not in the OpenAPI
 * document) answers 403 `feature_not_enabled`, as on a tenant without the feature.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { Rec } from '../contract.js';
import { ApiError, type RouteDef } from '../http/types.js';
import { alnum, prefixedId } from '../ids.js';
import { listBody } from './listing.js';
import { bodyObject, okStatus, opRoute, requireParent } from './route.js';

const ORG_CONN = 'organization-connections';
const ORG_GRANTS = 'organization-client-grants';
const ORG_DOMAINS = 'organization-discovery-domains';

export function organizationRoutes(store: MemoryConfigStore): RouteDef[] {
  store.defineType(ORG_CONN, 'connection_id');
  store.defineType(ORG_GRANTS, 'grant_id');
  store.defineType(ORG_DOMAINS, 'id');
  const org = (id: string | undefined, op: Parameters<typeof requireParent>[3]) =>
    requireParent(store, 'organizations', id, op, 'The organization does not exist.');

  const presentConnection = (rec: Rec): Rec => {
    const conn = store.get('connections', String(rec.connection_id));
    return { ...rec, connection: { name: conn?.name, strategy: conn?.strategy } };
  };
  const presentLegacy = (rec: Rec): Rec => {
    const { connection_id, assign_membership_on_login, show_as_button, is_signup_enabled } = presentConnection(rec) as Rec;
    const conn = store.get('connections', String(connection_id));
    return {
      connection_id,
      assign_membership_on_login: assign_membership_on_login ?? false,
      show_as_button: show_as_button ?? true,
      is_signup_enabled: is_signup_enabled ?? false,
      connection: { name: conn?.name, strategy: conn?.strategy },
    };
  };
  const connectionRoutes = (base: string, param: string, present: (r: Rec) => Rec): RouteDef[] => [
    opRoute('GET', base, (req, op) => {
      const o = org(req.params.id, op);
      return { status: 200, body: listBody(op, store.entries(ORG_CONN, String(o.id)), req.query, present) };
    }),
    opRoute('POST', base, (req, op) => {
      const o = org(req.params.id, op);
      const body = bodyObject(req);
      const connectionId = String(body.connection_id);
      if (!store.get('connections', connectionId)) throw new ApiError(404, 'The connection does not exist', 'inexistent_connection');
      if (store.getChild(ORG_CONN, String(o.id), connectionId)) {
        throw new ApiError(409, 'The connection is already enabled for this organization', 'organization_conflict');
      }
      const rec: Rec = { assign_membership_on_login: false, show_as_button: true, is_signup_enabled: false, ...body, connection_id: connectionId };
      store.insert(ORG_CONN, rec, String(o.id));
      return { status: okStatus(op, 201), body: present(rec) };
    }),
    opRoute('GET', `${base}/{${param}}`, (req, op) => {
      const o = org(req.params.id, op);
      const rec = store.getChild(ORG_CONN, String(o.id), req.params[param] ?? '');
      if (!rec) throw new ApiError(404, 'The connection is not enabled for this organization');
      return { status: 200, body: present(rec) };
    }),
    opRoute('PATCH', `${base}/{${param}}`, (req, op) => {
      const o = org(req.params.id, op);
      const prev = store.getChild(ORG_CONN, String(o.id), req.params[param] ?? '');
      if (!prev) throw new ApiError(404, 'The connection is not enabled for this organization');
      const rec = { ...prev, ...bodyObject(req), connection_id: prev.connection_id };
      store.replace(ORG_CONN, String(prev.connection_id), rec, String(o.id));
      return { status: okStatus(op), body: present(rec) };
    }),
    opRoute('DELETE', `${base}/{${param}}`, (req, op) => {
      const o = org(req.params.id, op);
      store.remove(ORG_CONN, req.params[param] ?? '', String(o.id));
      return { status: okStatus(op, 204) };
    }),
  ];

  const grantView = (rec: Rec): Rec => {
    const g = store.get('client-grants', String(rec.grant_id)) ?? {};
    return {
      id: rec.grant_id,
      client_id: g.client_id,
      audience: g.audience,
      scope: g.scope ?? [],
      organization_usage: g.organization_usage ?? 'allow',
      allow_any_organization: g.allow_any_organization ?? false,
    };
  };
  const featureOff = (): never => {
    throw new ApiError(403, 'The organization clients feature is not enabled for this tenant.', 'feature_not_enabled');
  };
  const orgClients = (method: 'GET' | 'POST' | 'DELETE'): RouteDef => ({
    method,
    pattern: '/organizations/:id/clients',
    scopes: [method === 'GET' ? 'read:organizations' : 'update:organizations'],
    handler: featureOff,
  });

  return [
    ...connectionRoutes('/organizations/{id}/connections', 'connection_id', presentConnection),
    ...connectionRoutes('/organizations/{id}/enabled_connections', 'connectionId', presentLegacy),
    opRoute('GET', '/organizations/name/{name}', (req, op) => {
      const rec = store.findBy('organizations', 'name', req.params.name);
      if (!rec) throw new ApiError(404, 'The organization does not exist.');
      void op;
      return { status: 200, body: rec };
    }),
    opRoute('GET', '/organizations/{id}/client-grants', (req, op) => {
      const o = org(req.params.id, op);
      const audience = req.query.get('audience');
      const clientId = req.query.get('client_id');
      const items = store.entries(ORG_GRANTS, String(o.id)).filter(({ rec }) => {
        const g = grantView(rec);
        return (!audience || g.audience === audience) && (!clientId || g.client_id === clientId);
      });
      return { status: 200, body: listBody(op, items, req.query, grantView) };
    }),
    opRoute('POST', '/organizations/{id}/client-grants', (req, op) => {
      const o = org(req.params.id, op);
      const grantId = String(bodyObject(req).grant_id);
      if (!store.get('client-grants', grantId)) throw new ApiError(404, 'The grant does not exist.');
      const rec: Rec = { grant_id: grantId };
      store.replace(ORG_GRANTS, grantId, rec, String(o.id));
      return { status: okStatus(op, 201), body: grantView(rec) };
    }),
    opRoute('DELETE', '/organizations/{id}/client-grants/{grant_id}', (req, op) => {
      const o = org(req.params.id, op);
      store.remove(ORG_GRANTS, req.params.grant_id ?? '', String(o.id));
      return { status: okStatus(op, 204) };
    }),
    opRoute('GET', '/organizations/{id}/discovery-domains', (req, op) => {
      const o = org(req.params.id, op);
      return { status: 200, body: listBody(op, store.entries(ORG_DOMAINS, String(o.id)), req.query, (r) => r) };
    }),
    opRoute('POST', '/organizations/{id}/discovery-domains', (req, op) => {
      const o = org(req.params.id, op);
      const body = bodyObject(req);
      if (store.entries(ORG_DOMAINS, String(o.id)).some((e) => e.rec.domain === body.domain)) {
        throw new ApiError(409, 'The discovery domain already exists for this organization.');
      }
      const rec: Rec = {
        id: prefixedId('dd'),
        domain: body.domain,
        status: body.status ?? 'pending',
        use_for_organization_discovery: body.use_for_organization_discovery ?? false,
        verification_txt: `auth0-domain-verification=${alnum(24)}`,
        verification_host: `_auth0-challenge.${String(body.domain)}`,
      };
      store.insert(ORG_DOMAINS, rec, String(o.id));
      return { status: okStatus(op, 201), body: rec };
    }),
    opRoute('GET', '/organizations/{id}/discovery-domains/{discovery_domain_id}', (req, op) => {
      const o = org(req.params.id, op);
      const rec = store.getChild(ORG_DOMAINS, String(o.id), req.params.discovery_domain_id ?? '');
      if (!rec) throw new ApiError(404, 'The discovery domain does not exist.');
      return { status: 200, body: rec };
    }),
    opRoute('PATCH', '/organizations/{id}/discovery-domains/{discovery_domain_id}', (req, op) => {
      const o = org(req.params.id, op);
      const prev = store.getChild(ORG_DOMAINS, String(o.id), req.params.discovery_domain_id ?? '');
      if (!prev) throw new ApiError(404, 'The discovery domain does not exist.');
      const rec = { ...prev, ...bodyObject(req), id: prev.id };
      store.replace(ORG_DOMAINS, String(prev.id), rec, String(o.id));
      return { status: okStatus(op), body: rec };
    }),
    opRoute('DELETE', '/organizations/{id}/discovery-domains/{discovery_domain_id}', (req, op) => {
      const o = org(req.params.id, op);
      store.remove(ORG_DOMAINS, req.params.discovery_domain_id ?? '', String(o.id));
      return { status: okStatus(op, 204) };
    }),
    orgClients('GET'),
    orgClients('POST'),
    orgClients('DELETE'),
  ];
}
