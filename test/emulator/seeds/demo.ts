/**
 * The `demo` seed (configuration part), built through the emulator's own API so every object
 * is what the API would create: clients of each type, a second database connection, a social
 * (google-oauth2) and an enterprise (samlp) connection, two APIs with scopes, six roles with
 * permissions, two organizations with connections, two actions (one bound to post-login),
 * an email provider and two email templates, a rule config and a log stream. The user module
 * then adds ~1,000 users with metadata and role/organization memberships (users-wiring.ts).
 */
import type { Rec } from '../contract.js';
import type { SeedEnv } from './index.js';

const CLIENTS: Rec[] = [
  { name: 'Demo Storefront (SPA)', app_type: 'spa', callbacks: ['https://shop.example.test/callback'], allowed_origins: ['https://shop.example.test'], web_origins: ['https://shop.example.test'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
  { name: 'Demo Portal (web)', app_type: 'regular_web', callbacks: ['https://portal.example.test/callback'], allowed_logout_urls: ['https://portal.example.test'], grant_types: ['authorization_code', 'refresh_token'] },
  { name: 'Demo Mobile (native)', app_type: 'native', callbacks: ['com.example.demo://callback'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
  { name: 'Demo Billing Worker (M2M)', app_type: 'non_interactive', grant_types: ['client_credentials'], client_metadata: { team: 'billing' } },
  { name: 'Demo Partner Integration', app_type: 'regular_web', is_first_party: false, callbacks: ['https://partner.example.test/cb'], grant_types: ['authorization_code'] },
];

const APIS: Rec[] = [
  {
    name: 'Demo Orders API',
    identifier: 'https://orders.example.test/api',
    scopes: ['read:orders', 'create:orders', 'update:orders', 'delete:orders', 'read:invoices'].map((value) => ({ value, description: value.replace(':', ' ') })),
    enforce_policies: true,
    token_dialect: 'access_token_authz',
  },
  {
    name: 'Demo Catalog API',
    identifier: 'https://catalog.example.test/api',
    scopes: ['read:products', 'write:products'].map((value) => ({ value, description: value.replace(':', ' ') })),
  },
];

const ROLES: [string, string, [string, string][]][] = [
  ['Admin', 'Full access to the demo APIs', [['https://orders.example.test/api', 'read:orders'], ['https://orders.example.test/api', 'create:orders'], ['https://orders.example.test/api', 'update:orders'], ['https://orders.example.test/api', 'delete:orders'], ['https://catalog.example.test/api', 'write:products']]],
  ['Support', 'Reads orders and invoices', [['https://orders.example.test/api', 'read:orders'], ['https://orders.example.test/api', 'read:invoices']]],
  ['Billing', 'Manages invoices', [['https://orders.example.test/api', 'read:invoices']]],
  ['Editor', 'Edits the catalog', [['https://catalog.example.test/api', 'read:products'], ['https://catalog.example.test/api', 'write:products']]],
  ['Viewer', 'Read-only', [['https://catalog.example.test/api', 'read:products'], ['https://orders.example.test/api', 'read:orders']]],
  ['Org Manager', 'Manages an organization', [['https://orders.example.test/api', 'read:orders']]],
];

const POST_LOGIN_CODE = "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://example.test/roles', event.authorization?.roles ?? []);\n};\n";
const M2M_CODE = "exports.onExecuteCredentialsExchange = async (event, api) => {\n  api.accessToken.setCustomClaim('https://example.test/team', 'billing');\n};\n";

export async function seedDemo(env: SeedEnv): Promise<void> {
  const { call } = env;
  const clientIds: string[] = [];
  for (const c of CLIENTS) clientIds.push(String(((await call('POST', '/clients', c)) as Rec).client_id));
  for (const api of APIS) await call('POST', '/resource-servers', api);
  await call('POST', '/client-grants', { client_id: clientIds[3], audience: 'https://orders.example.test/api', scope: ['read:orders', 'read:invoices'] });

  const customers = (await call('POST', '/connections', {
    name: 'demo-customers',
    strategy: 'auth0',
    enabled_clients: clientIds.slice(0, 3),
    options: { passwordPolicy: 'fair', brute_force_protection: true, requires_username: false },
  })) as Rec;
  const google = (await call('POST', '/connections', {
    name: 'google-oauth2',
    strategy: 'google-oauth2',
    enabled_clients: clientIds.slice(0, 2),
    options: { client_id: 'demo-google-client-id.apps.googleusercontent.com', client_secret: 'demo-google-secret', email: true, profile: true, scope: ['email', 'profile'] },
  })) as Rec;
  const saml = (await call('POST', '/connections', {
    name: 'acme-saml',
    strategy: 'samlp',
    enabled_clients: [clientIds[1]],
    options: { signInEndpoint: 'https://idp.acme.example.test/saml', signingCert: 'MIIC-demo-certificate', domain_aliases: ['acme.example.test'] },
  })) as Rec;
  const upa = env.store.findBy('connections', 'name', 'Username-Password-Authentication');
  if (upa) await call('PATCH', `/connections/${String(upa.id)}/clients`, clientIds.slice(0, 3).map((client_id) => ({ client_id, status: true })));

  for (const [name, description, perms] of ROLES) {
    const role = (await call('POST', '/roles', { name, description })) as Rec;
    await call('POST', `/roles/${String(role.id)}/permissions`, {
      permissions: perms.map(([resource_server_identifier, permission_name]) => ({ resource_server_identifier, permission_name })),
    });
  }

  const acme = (await call('POST', '/organizations', { name: 'acme', display_name: 'Acme Corp', branding: { colors: { primary: '#0059d6', page_background: '#ffffff' } }, metadata: { tier: 'gold' } })) as Rec;
  const globex = (await call('POST', '/organizations', { name: 'globex', display_name: 'Globex', metadata: { tier: 'silver' } })) as Rec;
  await call('POST', `/organizations/${String(acme.id)}/connections`, { connection_id: saml.id, assign_membership_on_login: true, show_as_button: true });
  await call('POST', `/organizations/${String(acme.id)}/connections`, { connection_id: customers.id, assign_membership_on_login: false, is_signup_enabled: true });
  await call('POST', `/organizations/${String(globex.id)}/connections`, { connection_id: google.id, assign_membership_on_login: true });

  const postLogin = (await call('POST', '/actions/actions', { name: 'Add roles to ID token', code: POST_LOGIN_CODE, runtime: 'node22', supported_triggers: [{ id: 'post-login', version: 'v3' }], secrets: [{ name: 'CLAIM_NAMESPACE', value: 'https://example.test' }] })) as Rec;
  await call('POST', `/actions/actions/${String(postLogin.id)}/deploy`);
  await call('PATCH', '/actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_name', value: 'Add roles to ID token' }, display_name: 'Add roles to ID token' }] });
  const m2m = (await call('POST', '/actions/actions', { name: 'Tag billing tokens', code: M2M_CODE, runtime: 'node22', supported_triggers: [{ id: 'credentials-exchange', version: 'v2' }] })) as Rec;
  await call('POST', `/actions/actions/${String(m2m.id)}/deploy`);

  await call('POST', '/emails/provider', { name: 'smtp', enabled: true, default_from_address: 'no-reply@example.test', credentials: { smtp_host: 'smtp.example.test', smtp_port: 587, smtp_user: 'mailer', smtp_pass: 'demo-password' } });
  await call('POST', '/email-templates', { template: 'verify_email', enabled: true, from: 'no-reply@example.test', subject: 'Verify your email', syntax: 'liquid', body: '<html><body>Hello {{ user.email }}, please verify: {{ url }}</body></html>', urlLifetimeInSeconds: 432000 });
  await call('POST', '/email-templates', { template: 'welcome_email', enabled: true, from: 'no-reply@example.test', subject: 'Welcome!', syntax: 'liquid', body: '<html><body>Welcome to the demo tenant.</body></html>' });
  await call('PUT', '/rules-configs/DEMO_SETTING', { value: 'demo-value' });
  await call('POST', '/log-streams', { name: 'Demo webhook', type: 'http', sink: { httpEndpoint: 'https://logs.example.test/ingest', httpContentType: 'application/json', httpContentFormat: 'JSONLINES', httpAuthorization: 'Bearer demo' } });
  await call('PATCH', '/tenants/settings', { friendly_name: 'a0vault demo tenant', support_email: 'support@example.test', enabled_locales: ['en', 'fr'] });
}
