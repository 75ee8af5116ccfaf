/**
 * The `empty` seed: what a brand-new Auth0 tenant holds. The global "All Applications" client
 * (`global: true`, which deploy-cli requires), the emulator's own machine-to-machine client with
 * a grant holding every Management API scope, the Username-Password-Authentication database
 * connection (enabled for that client), the Auth0 Management API resource server
 * (`is_system: true`), and default singletons (tenant settings, prompts, branding, guardian,
 * attack protection, risk assessment, supplemental signals). No email provider, email templates,
 * themes or universal-login template: those answer 404 until set, as on a new tenant.
 */
import { clientId as newClientId, clientSecret as newClientSecret, hexId, prefixedId } from '../ids.js';
import { allScopes, oasDocument } from '../oas.js';
import { managementAudience } from '../oauth.js';
import { singletonDefaults } from './defaults.js';
import type { SeedEnv } from './index.js';

export function seedEmpty(env: SeedEnv): void {
  const { store, domain, mgmt } = env;
  const tenantName = domain.split(':')[0] ?? 'localhost';
  const audience = managementAudience(domain);
  store.insert('clients', {
    client_id: newClientId(),
    client_secret: newClientSecret(),
    name: 'All Applications',
    tenant: tenantName,
    global: true,
    is_first_party: true,
    callbacks: [],
    allowed_origins: [],
    web_origins: [],
    allowed_logout_urls: [],
    client_aliases: [],
    custom_login_page_on: true,
    sso_disabled: false,
    oidc_conformant: false,
    cross_origin_authentication: false,
    is_token_endpoint_ip_header_trusted: false,
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
  });
  store.insert('clients', {
    client_id: mgmt.clientId,
    client_secret: mgmt.clientSecret,
    name: 'a0vault emulator (Management API)',
    description: 'The tenant emulator\'s own machine-to-machine client',
    tenant: tenantName,
    global: false,
    app_type: 'non_interactive',
    grant_types: ['client_credentials'],
    is_first_party: true,
    oidc_conformant: true,
    token_endpoint_auth_method: 'client_secret_post',
    callbacks: [],
    jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000, secret_encoded: false },
  });
  const scopeDescriptions = managementScopeDescriptions();
  store.insert('resource-servers', {
    id: hexId(),
    name: 'Auth0 Management API',
    identifier: audience,
    is_system: true,
    allow_offline_access: false,
    skip_consent_for_verifiable_first_party_clients: false,
    token_lifetime: 86400,
    token_lifetime_for_web: 7200,
    signing_alg: 'RS256',
    scopes: allScopes().map((value) => ({ value, description: scopeDescriptions[value] ?? value })),
  });
  store.insert('client-grants', {
    id: prefixedId('cgr'),
    client_id: mgmt.clientId,
    audience,
    scope: allScopes(),
    subject_type: 'client',
  });
  store.insert('connections', {
    id: prefixedId('con'),
    name: 'Username-Password-Authentication',
    display_name: 'Username-Password-Authentication',
    strategy: 'auth0',
    is_domain_connection: false,
    realms: ['Username-Password-Authentication'],
    enabled_clients: [mgmt.clientId],
    options: {
      mfa: { active: true, return_enroll_settings: true },
      passwordPolicy: 'good',
      strategy_version: 2,
      brute_force_protection: true,
      authentication_methods: { password: { enabled: true }, passkey: { enabled: false } },
    },
  });
  for (const [key, value] of Object.entries(singletonDefaults(tenantName))) {
    store.setSingleton(key, structuredClone(value));
  }
}

function managementScopeDescriptions(): Record<string, string> {
  const schemes = oasDocument().components.securitySchemes as {
    oAuth2ClientCredentials?: { flows?: { clientCredentials?: { scopes?: Record<string, string> } } };
  };
  return schemes.oAuth2ClientCredentials?.flows?.clientCredentials?.scopes ?? {};
}
