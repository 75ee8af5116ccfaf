/**
 * The table of collection resources the emulator serves: one row per type deploy-cli dumps
 * and deploys (../shared/research/deploy-cli-sdk.md C1 and the appendix). Everything not in a
 * row (scopes, statuses, list shapes, messages) comes from the OpenAPI document.
 */
import type { Rec } from '../contract.js';
import { ApiError } from '../http/types.js';
import { alnum, clientId, clientSecret, hexId, prefixedId, uuid } from '../ids.js';
import type { ResourceEnv, ResourceType } from './collection.js';
import { extraResponseKeys } from './relaxations.js';

const bool = (field: string, fallback = false) => (rec: Rec, v: string) => Boolean(rec[field] ?? fallback) === (v === 'true');
const equals = (field: string) => (rec: Rec, v: string) => rec[field] === v;
const tenantName = (env: ResourceEnv) => env.domain().split(':')[0] ?? 'localhost';

export const OFFSET_CAP = 'Requesting page exceeds the allowed maximum of 1000 records.';

export const resourceTypes: ResourceType[] = [
  {
    type: 'clients',
    path: '/clients',
    idField: 'client_id',
    newId: clientId,
    defaults: (_b, env) => ({
      tenant: tenantName(env),
      global: false,
      is_first_party: true,
      callbacks: [],
      allowed_origins: [],
      web_origins: [],
      allowed_logout_urls: [],
      client_aliases: [],
      allowed_clients: [],
      oidc_conformant: true,
      sso_disabled: false,
      cross_origin_authentication: false,
      is_token_endpoint_ip_header_trusted: false,
      custom_login_page_on: true,
      jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
      token_endpoint_auth_method: 'client_secret_post',
      client_secret: clientSecret(),
    }),
    normalize: (rec) => {
      // the older name; Auth0 stores it as cross_origin_authentication
      if ('cross_origin_auth' in rec) {
        rec.cross_origin_authentication ??= rec.cross_origin_auth;
        delete rec.cross_origin_auth;
      }
      return rec;
    },
    filters: {
      is_global: bool('global'),
      is_first_party: bool('is_first_party', true),
      app_type: (rec, v) => v.split(',').includes(String(rec.app_type ?? '')),
    },
    guardDelete: (rec) => {
      if (rec.global === true) throw new ApiError(400, 'Global client cannot be deleted.', 'operation_not_supported');
    },
    afterDelete: (rec, env) => {
      const id = String(rec.client_id);
      for (const g of env.store.list('client-grants').filter((g) => g.client_id === id)) env.store.remove('client-grants', String(g.id));
      for (const c of env.store.list('connections')) {
        if (Array.isArray(c.enabled_clients) && c.enabled_clients.includes(id)) {
          env.store.replace('connections', String(c.id), { ...c, enabled_clients: c.enabled_clients.filter((x) => x !== id) });
        }
      }
    },
    notFoundCode: 'inexistent_client',
    // Auth0 merges these on PATCH (deploy-cli never sends jwt_configuration.secret_encoded back)
    mergeFields: ['jwt_configuration', 'client_metadata'],
    timestamps: false,
  },
  {
    type: 'connections',
    path: '/connections',
    idField: 'id',
    newId: () => prefixedId('con'),
    unique: ['name'],
    conflictMessage: 'A connection with the same name already exists',
    notFoundCode: 'inexistent_connection',
    defaults: (body) => ({
      is_domain_connection: false,
      realms: [body.name],
      enabled_clients: [],
      options: {},
    }),
    filters: {
      strategy: (rec, _v, all) => all.getAll('strategy').flatMap((s) => s.split(',')).includes(String(rec.strategy)),
      name: equals('name'),
    },
    offsetCap: OFFSET_CAP,
    timestamps: false,
  },
  {
    type: 'resource-servers',
    path: '/resource-servers',
    idField: 'id',
    newId: () => hexId(12),
    unique: ['identifier'],
    defaults: (body) => ({
      name: body.identifier,
      is_system: false,
      scopes: [],
      signing_alg: 'RS256',
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
      token_lifetime: 86400,
      token_lifetime_for_web: 7200,
      enforce_policies: false,
      token_dialect: 'access_token',
    }),
    filters: { identifiers: (rec, _v, all) => all.getAll('identifiers').flatMap((s) => s.split(',')).includes(String(rec.identifier)) },
    guardDelete: (rec) => {
      if (rec.is_system === true) throw new ApiError(400, 'You cannot delete a system resource server.', 'operation_not_supported');
    },
    keepKeys: extraResponseKeys['resource-servers'],
    timestamps: false,
  },
  {
    type: 'client-grants',
    path: '/client-grants',
    idField: 'id',
    newId: () => prefixedId('cgr'),
    unique: ['client_id', 'audience'],
    conflictMessage: 'A client grant for this client and audience already exists.',
    normalize: (rec, env, previous) => {
      if (!previous) {
        if (!env.store.get('clients', String(rec.client_id))) throw new ApiError(404, 'Client not found', 'inexistent_client');
        if (!env.store.findBy('resource-servers', 'identifier', rec.audience)) throw new ApiError(404, 'Resource server not found');
      }
      rec.scope ??= [];
      return rec;
    },
    defaults: () => ({ subject_type: 'client' }),
    filters: { audience: equals('audience'), client_id: equals('client_id'), subject_type: equals('subject_type') },
    timestamps: false,
  },
  {
    type: 'roles',
    path: '/roles',
    idField: 'id',
    newId: () => prefixedId('rol'),
    unique: ['name'],
    notFoundMessage: 'The role does not exist.',
    defaults: () => ({ description: '' }),
    filters: { name_filter: (rec, v) => String(rec.name ?? '').toLowerCase().includes(v.toLowerCase()) },
    timestamps: false,
  },
  {
    type: 'organizations',
    path: '/organizations',
    idField: 'id',
    newId: () => prefixedId('org'),
    unique: ['name'],
    offsetCap: OFFSET_CAP,
    // `enabled_connections` given at creation become organization connections
    normalize: (rec, env) => {
      for (const c of Array.isArray(rec.enabled_connections) ? (rec.enabled_connections as Rec[]) : []) {
        if (!env.store.get('connections', String(c.connection_id))) throw new ApiError(404, 'The connection does not exist', 'inexistent_connection');
      }
      delete rec.enabled_connections;
      return rec;
    },
    afterCreate: (rec, body, env) => {
      for (const c of Array.isArray(body.enabled_connections) ? (body.enabled_connections as Rec[]) : []) {
        const link: Rec = { assign_membership_on_login: false, show_as_button: true, is_signup_enabled: false, ...c };
        env.store.insert('organization-connections', link, String(rec.id));
      }
    },
    timestamps: false,
  },
  {
    type: 'rules',
    path: '/rules',
    idField: 'id',
    newId: () => prefixedId('rul'),
    unique: ['name'],
    defaults: (_b, env) => ({
      enabled: true,
      stage: 'login_success',
      order: Math.max(0, ...env.store.list('rules').map((r) => Number(r.order ?? 0))) + 1,
    }),
    filters: { enabled: bool('enabled', true) },
    timestamps: false,
  },
  {
    type: 'hooks',
    path: '/hooks',
    idField: 'id',
    newId: () => `01${alnum(24).toUpperCase()}`,
    unique: ['name'],
    defaults: () => ({ enabled: false, dependencies: {} }),
    filters: { enabled: bool('enabled'), triggerId: equals('triggerId') },
    timestamps: false,
  },
  {
    type: 'actions',
    path: '/actions/actions',
    idField: 'id',
    newId: uuid,
    defaults: () => ({ dependencies: [], secrets: [], runtime: 'node22', status: 'built', all_changes_deployed: false }),
    normalize: (rec, _env, previous) => {
      if (previous) {
        rec.all_changes_deployed = false;
        rec.status = 'built';
        // a secret named without a value keeps its stored value (a dump holds names only)
        const before = new Map(((previous.secrets ?? []) as Rec[]).map((s) => [s.name, s]));
        if (Array.isArray(rec.secrets)) {
          rec.secrets = (rec.secrets as Rec[]).map((s) => (s.value === undefined && before.has(s.name) ? { ...before.get(s.name), ...s, value: before.get(s.name)?.value } : s));
        }
      }
      return rec;
    },
    present: (rec) => ({
      ...rec,
      secrets: Array.isArray(rec.secrets) ? (rec.secrets as Rec[]).map((s) => ({ name: s.name, updated_at: s.updated_at ?? rec.updated_at })) : [],
    }),
    filters: {
      triggerId: (rec, v) => Array.isArray(rec.supported_triggers) && (rec.supported_triggers as Rec[]).some((t) => t.id === v),
      actionName: equals('name'),
      deployed: (rec, v) => (rec.deployed_version !== undefined) === (v === 'true'),
      installed: (rec, v) => (rec.installed_integration_id !== undefined) === (v === 'true'),
    },
  },
  {
    type: 'action-modules',
    path: '/actions/modules',
    idField: 'id',
    newId: uuid,
    unique: ['name'],
    defaults: () => ({ dependencies: [], secrets: [], all_changes_published: false, latest_version_number: 0, actions_using_module_total: 0 }),
  },
  {
    type: 'log-streams',
    path: '/log-streams',
    idField: 'id',
    newId: () => prefixedId('lst'),
    defaults: () => ({ status: 'active', isPriority: false, filters: [] }),
    timestamps: false,
  },
  {
    type: 'custom-domains',
    path: '/custom-domains',
    idField: 'custom_domain_id',
    newId: () => prefixedId('cd'),
    unique: ['domain'],
    defaults: (body) => ({
      primary: false,
      is_default: false,
      status: 'pending_verification',
      tls_policy: 'recommended',
      verification: { methods: [{ name: 'cname', record: `${String(body.domain)}.edge.tenants.auth0.com`, domain: body.domain }] },
    }),
    timestamps: false,
  },
  {
    type: 'phone-providers',
    path: '/branding/phone/providers',
    idField: 'id',
    newId: () => prefixedId('pro'),
    defaults: (_b, env) => ({ tenant: tenantName(env), channel: 'phone', disabled: false }),
    present: (rec) => {
      const { credentials: _c, ...rest } = rec;
      return rest;
    },
    filters: { disabled: bool('disabled') },
  },
  {
    type: 'phone-templates',
    path: '/branding/phone/templates',
    idField: 'id',
    newId: () => prefixedId('tem'),
    defaults: (_b, env) => ({ tenant: tenantName(env), channel: 'phone', customizable: true, disabled: false }),
    filters: { disabled: bool('disabled') },
    timestamps: false,
  },
  {
    type: 'themes',
    path: '/branding/themes',
    idField: 'themeId',
    newId: () => alnum(32),
    normalize: (rec, env, previous) => {
      if (!previous && env.store.list('themes').length > 0) {
        throw new ApiError(409, 'There was an error updating branding settings: The theme already exists');
      }
      return rec;
    },
    timestamps: false,
  },
  { type: 'network-acls', path: '/network-acls', idField: 'id', newId: () => prefixedId('acl'), unique: ['priority'] },
  { type: 'rate-limit-policies', path: '/rate-limit-policies', idField: 'id', newId: () => prefixedId('rlp'), unique: ['resource', 'consumer', 'consumer_selector'] },
  { type: 'connection-profiles', path: '/connection-profiles', idField: 'id', newId: () => prefixedId('cop'), unique: ['name'], timestamps: false },
  { type: 'user-attribute-profiles', path: '/user-attribute-profiles', idField: 'id', newId: () => prefixedId('uap'), unique: ['name'], timestamps: false },
  { type: 'token-exchange-profiles', path: '/token-exchange-profiles', idField: 'id', newId: () => prefixedId('tep'), unique: ['subject_token_type'] },
  {
    type: 'event-streams',
    path: '/event-streams',
    idField: 'id',
    newId: () => prefixedId('est', 22),
    unique: ['name'],
    defaults: () => ({ status: 'enabled' }),
  },
  { type: 'flows', path: '/flows', idField: 'id', newId: () => prefixedId('af'), defaults: () => ({ actions: [] }) },
  { type: 'forms', path: '/forms', idField: 'id', newId: () => prefixedId('ap') },
  {
    type: 'flows-vault-connections',
    path: '/flows/vault/connections',
    idField: 'id',
    newId: () => prefixedId('ac'),
    defaults: (body) => ({ ready: true, fingerprint: hexId(16), account_name: body.name }),
    present: (rec) => {
      const { setup: _s, ...rest } = rec;
      return rest;
    },
  },
  { type: 'self-service-profiles', path: '/self-service-profiles', idField: 'id', newId: () => prefixedId('ssp') },
];
