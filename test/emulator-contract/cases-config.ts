/**
 * Representative requests for the configuration routes, in execution order: creates first
 * (capturing ids), then reads and updates, then deletes (cases-delete.ts). Each `route` must be
 * exactly `METHOD pattern` of a registered route; routes.test.ts fails for any route without a
 * case.
 */
import type { ContractCase } from './contract-case.js';

export const theme = {
  borders: { button_border_radius: 3, button_border_weight: 1, buttons_style: 'rounded', input_border_radius: 3, input_border_weight: 1, inputs_style: 'rounded', show_widget_shadow: true, widget_border_weight: 0, widget_corner_radius: 5 },
  colors: {
    body_text: '#1e212a', error: '#d03c38', header: '#1e212a', icons: '#65676e', input_background: '#ffffff', input_border: '#c9cace', input_filled_text: '#000000',
    input_labels_placeholders: '#65676e', links_focused_components: '#635dff', primary_button: '#635dff', primary_button_label: '#ffffff', secondary_button_border: '#c9cace',
    secondary_button_label: '#1e212a', success: '#13a688', widget_background: '#ffffff', widget_border: '#c9cace',
  },
  displayName: 'Contract theme',
  fonts: {
    body_text: { bold: false, size: 87.5 }, buttons_text: { bold: false, size: 100 }, font_url: '', input_labels: { bold: false, size: 100 }, links: { bold: true, size: 87.5 },
    links_style: 'normal', reference_text_size: 16, subtitle: { bold: false, size: 87.5 }, title: { bold: false, size: 150 },
  },
  page_background: { background_color: '#000000', background_image_url: '', page_layout: 'center' },
  widget: { header_text_alignment: 'center', logo_height: 52, logo_position: 'center', logo_url: '', social_buttons_layout: 'bottom' },
};

const PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END PUBLIC KEY-----\n';

export const createCases: ContractCase[] = [
  { route: 'POST /clients', path: () => '/clients', body: () => ({ name: 'Contract App', app_type: 'non_interactive', grant_types: ['client_credentials'] }), capture: (b, c) => (c.ids.client = String(b.client_id)) },
  { route: 'POST /clients/:client_id/credentials', path: (c) => `/clients/${c.ids.client}/credentials`, body: () => ({ credential_type: 'public_key', name: 'contract key', pem: PEM, alg: 'RS256' }), capture: (b, c) => (c.ids.credential = String(b.id)) },
  { route: 'POST /resource-servers', path: () => '/resource-servers', body: () => ({ name: 'Contract API', identifier: 'https://contract.example.test/api', scopes: [{ value: 'read:things', description: 'Read things' }] }), capture: (b, c) => (c.ids.rs = String(b.id)) },
  { route: 'POST /client-grants', path: () => '/client-grants', body: (c) => ({ client_id: c.ids.client, audience: 'https://contract.example.test/api', scope: ['read:things'] }), capture: (b, c) => (c.ids.grant = String(b.id)) },
  { route: 'POST /connections', path: () => '/connections', body: () => ({ name: 'contract-db', strategy: 'auth0', options: { passwordPolicy: 'good' } }), capture: (b, c) => (c.ids.conn = String(b.id)) },
  { route: 'POST /connections/:id/scim-configuration', path: (c) => `/connections/${c.ids.conn}/scim-configuration`, body: () => ({ user_id_attribute: 'externalId', mapping: [{ auth0: 'email', scim: 'emails[primary eq true].value' }] }) },
  { route: 'POST /connections/:id/directory-provisioning', path: (c) => `/connections/${c.ids.conn}/directory-provisioning`, body: () => ({ synchronize_automatically: false }) },
  { route: 'POST /roles', path: () => '/roles', body: () => ({ name: 'Contract Role', description: 'for the contract test' }), capture: (b, c) => (c.ids.role = String(b.id)) },
  { route: 'POST /roles/:id/permissions', path: (c) => `/roles/${c.ids.role}/permissions`, body: () => ({ permissions: [{ resource_server_identifier: 'https://contract.example.test/api', permission_name: 'read:things' }] }) },
  { route: 'POST /organizations', path: () => '/organizations', body: () => ({ name: 'contract-org', display_name: 'Contract Org' }), capture: (b, c) => (c.ids.org = String(b.id)) },
  { route: 'POST /organizations/:id/connections', path: (c) => `/organizations/${c.ids.org}/connections`, body: (c) => ({ connection_id: c.ids.conn, assign_membership_on_login: true }) },
  { route: 'POST /organizations/:id/enabled_connections', path: (c) => `/organizations/${c.ids.org}/enabled_connections`, body: (c) => ({ connection_id: c.ids.upa, assign_membership_on_login: false }) },
  { route: 'POST /organizations/:id/client-grants', path: (c) => `/organizations/${c.ids.org}/client-grants`, body: (c) => ({ grant_id: c.ids.grant }) },
  { route: 'POST /organizations/:id/discovery-domains', path: (c) => `/organizations/${c.ids.org}/discovery-domains`, body: () => ({ domain: 'contract.example.test' }), capture: (b, c) => (c.ids.discoveryDomain = String(b.id)) },
  { route: 'POST /rules', path: () => '/rules', body: () => ({ name: 'contract-rule', script: 'function (user, context, callback) { callback(null, user, context); }' }), capture: (b, c) => (c.ids.rule = String(b.id)) },
  { route: 'PUT /rules-configs/:key', path: () => '/rules-configs/CONTRACT_KEY', body: () => ({ value: 'contract' }) },
  { route: 'POST /hooks', path: () => '/hooks', body: () => ({ name: 'contract-hook', script: 'module.exports = function(client, scope, audience, context, cb) { cb(null, {}); };', triggerId: 'credentials-exchange' }), capture: (b, c) => (c.ids.hook = String(b.id)) },
  { route: 'POST /hooks/:id/secrets', path: (c) => `/hooks/${c.ids.hook}/secrets`, body: () => ({ API_KEY: 'secret-1' }) },
  {
    route: 'POST /actions/actions',
    path: () => '/actions/actions',
    body: () => ({ name: 'contract-action', code: 'exports.onExecutePostLogin = async () => {};', runtime: 'node22', supported_triggers: [{ id: 'post-login', version: 'v3' }], secrets: [{ name: 'S', value: 'v' }] }),
    capture: (b, c) => (c.ids.action = String(b.id)),
  },
  { route: 'POST /actions/actions/:id/deploy', path: (c) => `/actions/actions/${c.ids.action}/deploy`, capture: (b, c) => (c.ids.actionVersion = String(b.id)) },
  { route: 'POST /actions/modules', path: () => '/actions/modules', body: () => ({ name: 'contract-module', code: 'module.exports = {};' }), capture: (b, c) => (c.ids.module = String(b.id)) },
  { route: 'POST /actions/modules/:id/versions', path: (c) => `/actions/modules/${c.ids.module}/versions` },
  { route: 'POST /log-streams', path: () => '/log-streams', body: () => ({ name: 'contract-stream', type: 'http', sink: { httpEndpoint: 'https://logs.contract.example.test' } }), capture: (b, c) => (c.ids.logStream = String(b.id)) },
  { route: 'POST /custom-domains', path: () => '/custom-domains', body: () => ({ domain: 'login.contract.example.test', type: 'auth0_managed_certs' }), capture: (b, c) => (c.ids.customDomain = String(b.custom_domain_id)) },
  {
    route: 'POST /branding/phone/providers',
    path: () => '/branding/phone/providers',
    body: () => ({ name: 'twilio', configuration: { sid: 'AC123', default_from: '+15550001111', delivery_methods: ['text'] }, credentials: { auth_token: 'token' } }),
    capture: (b, c) => (c.ids.phoneProvider = String(b.id)),
  },
  { route: 'POST /branding/phone/templates', path: () => '/branding/phone/templates', body: () => ({ type: 'otp_verify', disabled: false, content: { body: { text: 'Your code is @{code}' } } }), capture: (b, c) => (c.ids.phoneTemplate = String(b.id)) },
  { route: 'POST /branding/themes', path: () => '/branding/themes', body: () => theme, capture: (b, c) => (c.ids.theme = String(b.themeId)) },
  { route: 'POST /network-acls', path: () => '/network-acls', body: () => ({ description: 'contract acl', active: true, priority: 10, rule: { action: { block: true }, scope: 'management' } }) },
  { route: 'POST /rate-limit-policies', path: () => '/rate-limit-policies', body: (c) => ({ resource: 'oauth_authentication_api', consumer: 'client', consumer_selector: c.ids.client, configuration: { action: 'block', limit: 100 } }), capture: (b, c) => (c.ids.rateLimitPolicy = String(b.id)) },
  { route: 'POST /connection-profiles', path: () => '/connection-profiles', body: () => ({ name: 'contract-profile' }), capture: (b, c) => (c.ids.connectionProfile = String(b.id)) },
  {
    route: 'POST /user-attribute-profiles',
    path: () => '/user-attribute-profiles',
    body: () => ({ name: 'contract-uap', user_attributes: { email: { description: 'Email', label: 'Email', profile_required: true, auth0_mapping: 'email' } } }),
    capture: (b, c) => (c.ids.userAttributeProfile = String(b.id)),
  },
  { route: 'POST /token-exchange-profiles', path: () => '/token-exchange-profiles', body: (c) => ({ name: 'contract-tep', subject_token_type: 'https://contract.example.test/token-type', action_id: c.ids.action, type: 'custom_authentication' }), capture: (b, c) => (c.ids.tokenExchangeProfile = String(b.id)) },
  {
    route: 'POST /event-streams',
    path: () => '/event-streams',
    body: () => ({ name: 'contract-events', subscriptions: [{ event_type: 'user.created' }], destination: { type: 'webhook', configuration: { webhook_endpoint: 'https://events.contract.example.test', webhook_authorization: { method: 'bearer' } } } }),
    capture: (b, c) => (c.ids.eventStream = String(b.id)),
  },
  { route: 'POST /flows', path: () => '/flows', body: () => ({ name: 'contract-flow' }), capture: (b, c) => (c.ids.flow = String(b.id)) },
  { route: 'POST /forms', path: () => '/forms', body: () => ({ name: 'contract-form' }), capture: (b, c) => (c.ids.form = String(b.id)) },
  { route: 'POST /flows/vault/connections', path: () => '/flows/vault/connections', body: () => ({ name: 'contract-vault', app_id: 'HTTP', setup: { type: 'BEARER', token: 't' } }), capture: (b, c) => (c.ids.vault = String(b.id)) },
  { route: 'POST /self-service-profiles', path: () => '/self-service-profiles', body: () => ({ name: 'contract-ssp' }), capture: (b, c) => (c.ids.ssp = String(b.id)) },
  { route: 'POST /email-templates', path: () => '/email-templates', body: () => ({ template: 'reset_email', enabled: true, from: 'no-reply@example.test', subject: 'Reset', syntax: 'liquid', body: '<p>reset</p>' }) },
  { route: 'DELETE /emails/provider', path: () => '/emails/provider' },
  { route: 'POST /emails/provider', path: () => '/emails/provider', body: () => ({ name: 'sendgrid', enabled: true, default_from_address: 'no-reply@example.test', credentials: { api_key: 'key' } }) },
  { route: 'PUT /branding/templates/universal-login', path: () => '/branding/templates/universal-login', body: () => ({ template: '<html>{%- auth0:head -%}{%- auth0:widget -%}</html>' }), status: 201 },
];
