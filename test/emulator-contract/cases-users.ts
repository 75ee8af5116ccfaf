/** Representative requests for the user, membership and job routes (users/, jobs/). */
import type { ContractCase } from './contract-case.js';

const importFile = JSON.stringify([{ email: 'imported.contract@example.test', email_verified: true, user_metadata: { source: 'contract' } }]);

export const userCases: ContractCase[] = [
  {
    route: 'POST /users',
    path: () => '/users',
    body: () => ({ connection: 'Username-Password-Authentication', email: 'contract.user@example.test', password: 'Contract-Passw0rd!', user_metadata: { plan: 'pro' } }),
    capture: (b, c) => (c.ids.user = String(b.user_id)),
  },
  { route: 'GET /users', path: () => '/users?include_totals=true&page=0&per_page=5&q=email%3A%22contract.user%40example.test%22&search_engine=v3' },
  { route: 'GET /users/:id', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}` },
  { route: 'PATCH /users/:id', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}`, body: () => ({ app_metadata: { tier: 'gold' } }) },
  { route: 'GET /users-by-email', path: () => '/users-by-email?email=contract.user%40example.test' },
  { route: 'POST /users/:id/roles', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}/roles`, body: (c) => ({ roles: [c.ids.role] }) },
  { route: 'GET /users/:id/roles', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}/roles?include_totals=true&page=0&per_page=10` },
  // 200 with `{}`: recorded from a live tenant (go-auth0 TestRoleManager_Users*, ../shared/research/auth0-api.md §5)
  { route: 'POST /roles/:id/users', path: (c) => `/roles/${c.ids.role}/users`, body: (c) => ({ users: [c.ids.user] }), bodyWhereDocumentHasNone: '{}' },
  { route: 'GET /roles/:id/users', path: (c) => `/roles/${c.ids.role}/users?take=10` },
  { route: 'POST /organizations/:id/members', path: (c) => `/organizations/${c.ids.org}/members`, body: (c) => ({ members: [c.ids.user] }) },
  { route: 'GET /organizations/:id/members', path: (c) => `/organizations/${c.ids.org}/members?take=10` },
  { route: 'POST /organizations/:id/members/:user_id/roles', path: (c) => `/organizations/${c.ids.org}/members/${encodeURIComponent(c.ids.user ?? '')}/roles`, body: (c) => ({ roles: [c.ids.role] }) },
  { route: 'GET /organizations/:id/members/:user_id/roles', path: (c) => `/organizations/${c.ids.org}/members/${encodeURIComponent(c.ids.user ?? '')}/roles?include_totals=true&page=0&per_page=10` },
  { route: 'GET /users/:id/organizations', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}/organizations?include_totals=true&page=0&per_page=10` },
  { route: 'POST /jobs/users-exports', path: () => '/jobs/users-exports', body: (c) => ({ connection_id: c.ids.upa, format: 'json', fields: [{ name: 'email' }, { name: 'user_id' }] }), capture: (b, c) => (c.ids.exportJob = String(b.id)) },
  {
    route: 'POST /jobs/users-imports',
    path: () => '/jobs/users-imports',
    form: (c) => {
      const form = new FormData();
      form.append('users', new Blob([importFile], { type: 'application/json' }), 'users.json');
      form.append('connection_id', c.ids.upa ?? '');
      form.append('upsert', 'false');
      form.append('send_completion_email', 'false');
      return form;
    },
    capture: (b, c) => (c.ids.importJob = String(b.id)),
  },
  { route: 'GET /jobs/:id', path: (c) => `/jobs/${c.ids.exportJob}` },
  { route: 'GET /jobs/:id/errors', path: (c) => `/jobs/${c.ids.importJob}/errors`, alsoAccept: [204] },
];

export const userDeleteCases: ContractCase[] = [
  { route: 'DELETE /organizations/:id/members/:user_id/roles', path: (c) => `/organizations/${c.ids.org}/members/${encodeURIComponent(c.ids.user ?? '')}/roles`, body: (c) => ({ roles: [c.ids.role] }) },
  { route: 'DELETE /organizations/:id/members', path: (c) => `/organizations/${c.ids.org}/members`, body: (c) => ({ members: [c.ids.user] }) },
  { route: 'DELETE /users/:id/roles', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}/roles`, body: (c) => ({ roles: [c.ids.role] }) },
  { route: 'DELETE /users/:id', path: (c) => `/users/${encodeURIComponent(c.ids.user ?? '')}` },
  { route: 'DELETE /connections/:id/users', path: (c) => `/connections/${c.ids.upa}/users?email=imported.contract%40example.test` },
];
