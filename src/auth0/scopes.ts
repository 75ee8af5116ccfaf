/**
 * Which Management API routes each a0vault command calls, and so which scopes its token needs.
 *
 * The scopes per route come from Auth0's OpenAPI document (scope-table.ts, drift-tested
 * against it): a route accepts any one of its scopes. Routes are listed per step:
 * - a0vault's own calls (users through export/import jobs, memberships, the id map);
 * - auth0-deploy-cli's calls per configuration type (shared/research/deploy-cli-sdk.md C1, F2,
 *   F3). During a snapshot deploy-cli skips a type whose scope is missing ("Cannot retrieve
 *   <type> due to missing scopes", research C3): those requirements have effect 'skips'
 *   (the snapshot is incomplete, not failed). A plan needs every read (a type it cannot read
 *   would look deleted) and a restore also every write.
 * docs/scopes.md renders this table.
 */
import type { KnownRoute } from './scope-table.js';
import { ROUTE_SCOPES } from './scope-table.js';

export type Command = 'snapshot' | 'plan' | 'restore';

export interface ConfigType {
  /** deploy-cli's name for the type (as in `--only`). */
  name: string;
  reads: KnownRoute[];
  writes: KnownRoute[];
  /** Only with `--allow-delete`. */
  deletes: KnownRoute[];
}

const crud = (base: KnownRoute, item: KnownRoute, post: KnownRoute, patch: KnownRoute, del: KnownRoute) => ({
  reads: [base, ...(item === base ? [] : [item])],
  writes: [post, patch],
  deletes: [del],
});

export const CONFIG_TYPES: readonly ConfigType[] = [
  { name: 'rules', reads: ['GET /rules'], writes: ['POST /rules', 'PATCH /rules/{id}'], deletes: ['DELETE /rules/{id}'] },
  { name: 'rulesConfigs', reads: ['GET /rules-configs'], writes: ['PUT /rules-configs/{key}'], deletes: [] },
  {
    name: 'hooks',
    reads: ['GET /hooks', 'GET /hooks/{id}', 'GET /hooks/{id}/secrets'],
    writes: ['POST /hooks', 'PATCH /hooks/{id}', 'POST /hooks/{id}/secrets', 'PATCH /hooks/{id}/secrets'],
    deletes: ['DELETE /hooks/{id}', 'DELETE /hooks/{id}/secrets'],
  },
  { name: 'pages', reads: ['GET /clients', 'GET /tenants/settings'], writes: ['PATCH /clients/{id}', 'PATCH /tenants/settings'], deletes: [] },
  { name: 'resourceServers', ...crud('GET /resource-servers', 'GET /resource-servers', 'POST /resource-servers', 'PATCH /resource-servers/{id}', 'DELETE /resource-servers/{id}') },
  {
    name: 'clients',
    reads: ['GET /clients', 'GET /clients/{client_id}/credentials'],
    writes: ['POST /clients', 'PATCH /clients/{id}', 'POST /clients/{client_id}/credentials'],
    deletes: ['DELETE /clients/{id}', 'DELETE /clients/{client_id}/credentials/{credential_id}'],
  },
  {
    name: 'databases',
    reads: ['GET /connections', 'GET /connections/{id}/clients', 'GET /actions/actions'],
    writes: ['POST /connections', 'GET /connections/{id}', 'PATCH /connections/{id}', 'PATCH /connections/{id}/clients'],
    deletes: ['DELETE /connections/{id}'],
  },
  {
    name: 'connections',
    reads: ['GET /connections', 'GET /connections/{id}/clients', 'GET /connections-directory-provisionings', 'GET /connections/{id}/scim-configuration'],
    writes: ['POST /connections', 'GET /connections/{id}', 'PATCH /connections/{id}', 'PATCH /connections/{id}/clients'],
    deletes: ['DELETE /connections/{id}'],
  },
  { name: 'tenant', reads: ['GET /tenants/settings'], writes: ['PATCH /tenants/settings'], deletes: [] },
  { name: 'emailProvider', reads: ['GET /emails/provider'], writes: ['POST /emails/provider', 'PATCH /emails/provider'], deletes: [] },
  { name: 'emailTemplates', reads: ['GET /email-templates/{templateName}'], writes: ['POST /email-templates', 'PATCH /email-templates/{templateName}'], deletes: [] },
  { name: 'clientGrants', reads: ['GET /client-grants', 'GET /clients'], writes: ['POST /client-grants', 'PATCH /client-grants/{id}'], deletes: ['DELETE /client-grants/{id}'] },
  {
    name: 'guardianFactors',
    reads: [
      'GET /guardian/factors',
      'GET /guardian/factors/sms/providers/twilio',
      'GET /guardian/factors/push-notification/providers/sns',
      'GET /guardian/factors/sms/templates',
      'GET /guardian/factors/phone/selected-provider',
      'GET /guardian/factors/phone/message-types',
    ],
    writes: [
      'PUT /guardian/factors/{name}',
      'PUT /guardian/factors/sms/providers/twilio',
      'PUT /guardian/factors/push-notification/providers/sns',
      'PUT /guardian/factors/sms/templates',
      'PUT /guardian/factors/phone/selected-provider',
      'PUT /guardian/factors/phone/message-types',
    ],
    deletes: [],
  },
  { name: 'guardianPolicies', reads: ['GET /guardian/policies'], writes: ['PUT /guardian/policies'], deletes: [] },
  {
    name: 'roles',
    reads: ['GET /roles', 'GET /roles/{id}/permissions'],
    writes: ['POST /roles', 'PATCH /roles/{id}', 'POST /roles/{id}/permissions', 'DELETE /roles/{id}/permissions'],
    deletes: ['DELETE /roles/{id}'],
  },
  {
    name: 'branding',
    reads: ['GET /branding', 'GET /custom-domains', 'GET /branding/templates/universal-login', 'GET /prompts'],
    writes: ['PATCH /branding', 'PUT /branding/templates/universal-login', 'PATCH /prompts'],
    deletes: [],
  },
  { name: 'phoneProviders', ...crud('GET /branding/phone/providers', 'GET /branding/phone/providers', 'POST /branding/phone/providers', 'PATCH /branding/phone/providers/{id}', 'DELETE /branding/phone/providers/{id}') },
  { name: 'phoneTemplates', ...crud('GET /branding/phone/templates', 'GET /branding/phone/templates', 'POST /branding/phone/templates', 'PATCH /branding/phone/templates/{id}', 'DELETE /branding/phone/templates/{id}') },
  {
    name: 'prompts',
    reads: ['GET /prompts', 'GET /tenants/settings', 'GET /prompts/{prompt}/custom-text/{language}', 'GET /prompts/{prompt}/partials', 'GET /prompts/rendering'],
    writes: ['PATCH /prompts', 'PUT /prompts/{prompt}/custom-text/{language}', 'PUT /prompts/{prompt}/partials', 'PATCH /prompts/{prompt}/screen/{screen}/rendering'],
    deletes: [],
  },
  {
    name: 'actions',
    reads: ['GET /actions/actions'],
    writes: ['POST /actions/actions', 'PATCH /actions/actions/{id}', 'POST /actions/actions/{id}/deploy'],
    deletes: ['DELETE /actions/actions/{id}'],
  },
  { name: 'actionModules', ...crud('GET /actions/modules', 'GET /actions/modules', 'POST /actions/modules', 'PATCH /actions/modules/{id}', 'DELETE /actions/modules/{id}') },
  { name: 'triggers', reads: ['GET /actions/triggers', 'GET /actions/triggers/{triggerId}/bindings'], writes: ['PATCH /actions/triggers/{triggerId}/bindings'], deletes: [] },
  {
    name: 'organizations',
    reads: ['GET /organizations', 'GET /clients', 'GET /organizations/{id}/connections', 'GET /organizations/{id}/client-grants', 'GET /organizations/{id}/discovery-domains'],
    writes: [
      'POST /organizations',
      'PATCH /organizations/{id}',
      'POST /organizations/{id}/connections',
      'PATCH /organizations/{id}/connections/{connection_id}',
      'POST /organizations/{id}/client-grants',
      'POST /organizations/{id}/discovery-domains',
      'PATCH /organizations/{id}/discovery-domains/{discovery_domain_id}',
    ],
    deletes: [
      'DELETE /organizations/{id}',
      'DELETE /organizations/{id}/connections/{connection_id}',
      'DELETE /organizations/{id}/client-grants/{grant_id}',
      'DELETE /organizations/{id}/discovery-domains/{discovery_domain_id}',
    ],
  },
  {
    name: 'attackProtection',
    reads: [
      'GET /attack-protection/breached-password-detection',
      'GET /attack-protection/brute-force-protection',
      'GET /attack-protection/suspicious-ip-throttling',
      'GET /attack-protection/bot-detection',
      'GET /attack-protection/captcha',
    ],
    writes: [
      'PATCH /attack-protection/breached-password-detection',
      'PATCH /attack-protection/brute-force-protection',
      'PATCH /attack-protection/suspicious-ip-throttling',
      'PATCH /attack-protection/bot-detection',
      'PATCH /attack-protection/captcha',
    ],
    deletes: [],
  },
  {
    name: 'riskAssessment',
    reads: ['GET /risk-assessments/settings', 'GET /risk-assessments/settings/new-device'],
    writes: ['PATCH /risk-assessments/settings', 'PATCH /risk-assessments/settings/new-device'],
    deletes: [],
  },
  { name: 'logStreams', ...crud('GET /log-streams', 'GET /log-streams', 'POST /log-streams', 'PATCH /log-streams/{id}', 'DELETE /log-streams/{id}') },
  { name: 'customDomains', ...crud('GET /custom-domains', 'GET /custom-domains', 'POST /custom-domains', 'PATCH /custom-domains/{id}', 'DELETE /custom-domains/{id}') },
  { name: 'themes', ...crud('GET /branding/themes/default', 'GET /branding/themes/default', 'POST /branding/themes', 'PATCH /branding/themes/{themeId}', 'DELETE /branding/themes/{themeId}') },
  { name: 'forms', ...crud('GET /forms', 'GET /forms/{id}', 'POST /forms', 'PATCH /forms/{id}', 'DELETE /forms/{id}') },
  { name: 'flows', ...crud('GET /flows', 'GET /flows/{id}', 'POST /flows', 'PATCH /flows/{id}', 'DELETE /flows/{id}') },
  {
    name: 'flowVaultConnections',
    ...crud('GET /flows/vault/connections', 'GET /flows/vault/connections', 'POST /flows/vault/connections', 'PATCH /flows/vault/connections/{id}', 'DELETE /flows/vault/connections/{id}'),
  },
  {
    name: 'selfServiceProfiles',
    reads: ['GET /self-service-profiles', 'GET /self-service-profiles/{id}/custom-text/{language}/{page}'],
    writes: ['POST /self-service-profiles', 'PATCH /self-service-profiles/{id}', 'PUT /self-service-profiles/{id}/custom-text/{language}/{page}'],
    deletes: ['DELETE /self-service-profiles/{id}'],
  },
  { name: 'networkACLs', ...crud('GET /network-acls', 'GET /network-acls', 'POST /network-acls', 'PATCH /network-acls/{id}', 'DELETE /network-acls/{id}') },
  {
    name: 'userAttributeProfiles',
    ...crud('GET /user-attribute-profiles', 'GET /user-attribute-profiles', 'POST /user-attribute-profiles', 'PATCH /user-attribute-profiles/{id}', 'DELETE /user-attribute-profiles/{id}'),
  },
  {
    name: 'connectionProfiles',
    ...crud('GET /connection-profiles', 'GET /connection-profiles', 'POST /connection-profiles', 'PATCH /connection-profiles/{id}', 'DELETE /connection-profiles/{id}'),
  },
  {
    name: 'tokenExchangeProfiles',
    ...crud('GET /token-exchange-profiles', 'GET /token-exchange-profiles', 'POST /token-exchange-profiles', 'PATCH /token-exchange-profiles/{id}', 'DELETE /token-exchange-profiles/{id}'),
  },
  { name: 'supplementalSignals', reads: ['GET /supplemental-signals'], writes: ['PATCH /supplemental-signals'], deletes: [] },
  {
    name: 'rateLimitPolicies',
    ...crud('GET /rate-limit-policies', 'GET /rate-limit-policies', 'POST /rate-limit-policies', 'PATCH /rate-limit-policies/{id}', 'DELETE /rate-limit-policies/{id}'),
  },
  { name: 'eventStreams', ...crud('GET /event-streams', 'GET /event-streams', 'POST /event-streams', 'PATCH /event-streams/{id}', 'DELETE /event-streams/{id}') },
];

/** a0vault's own calls, by step. */
export const OWN_STEPS = {
  'users (export)': ['POST /jobs/users-exports', 'GET /jobs/{id}'],
  'memberships (read)': ['GET /roles/{id}/users', 'GET /organizations/{id}/members', 'GET /organizations/{id}/members/{user_id}/roles'],
  'id map': ['GET /roles', 'GET /organizations', 'GET /connections', 'GET /clients', 'GET /resource-servers'],
  'users (import)': ['POST /jobs/users-imports', 'GET /jobs/{id}', 'GET /jobs/{id}/errors', 'GET /users-by-email', 'GET /users/{id}'],
  'memberships (write)': ['POST /roles/{id}/users', 'POST /organizations/{id}/members', 'POST /organizations/{id}/members/{user_id}/roles'],
} as const satisfies Record<string, readonly KnownRoute[]>;

export type Step = keyof typeof OWN_STEPS;

export interface Requirement {
  route: KnownRoute;
  /** Any one of these scopes suffices (from the OpenAPI document). */
  anyOf: readonly string[];
  /** What needs it: an a0vault step or `config: <type>`. */
  what: string;
  /** 'required': the command fails without it. 'skips': that config type is left out of a snapshot. */
  effect: 'required' | 'skips';
}

export interface RequirementOptions {
  /** Include users (export/import jobs). Default true. */
  users?: boolean;
  /** Include role and organization memberships. Default true. */
  memberships?: boolean;
  /** deploy-cli config types; default all; [] for none. */
  configTypes?: readonly string[];
  /** Restore may delete objects (adds delete scopes). */
  allowDelete?: boolean;
}

/** Every scope requirement of a command, one per (route, what). */
export function requirementsFor(command: Command, opts: RequirementOptions = {}): Requirement[] {
  const out: Requirement[] = [];
  const add = (route: KnownRoute, what: string, effect: Requirement['effect']) => out.push({ route, anyOf: ROUTE_SCOPES[route], what, effect });
  const steps: Step[] = ['id map'];
  if (opts.users !== false) steps.push('users (export)');
  if (opts.memberships !== false) steps.push('memberships (read)');
  if (command === 'restore') {
    if (opts.users !== false) steps.push('users (import)');
    if (opts.memberships !== false) steps.push('memberships (write)');
  }
  for (const step of steps) for (const route of OWN_STEPS[step]) add(route, step, 'required');
  const selected = CONFIG_TYPES.filter((t) => opts.configTypes === undefined || opts.configTypes.includes(t.name));
  for (const t of selected) {
    const what = `config: ${t.name}`;
    for (const r of t.reads) add(r, what, command === 'snapshot' ? 'skips' : 'required');
    if (command !== 'restore') continue;
    for (const r of t.writes) add(r, what, 'required');
    if (opts.allowDelete) for (const r of t.deletes) add(r, what, 'required');
  }
  return out;
}
