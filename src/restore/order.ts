/**
 * Restore order as data: the steps of a restore with their dependencies, the deploy-cli
 * resource types (in deploy-cli's own deploy order), and validation of `--only` / `--exclude`.
 *
 * Contract: `resolveSelection` either returns the steps and config types a restore touches, or
 * throws an A0vaultError with code 'usage' naming every unknown type. Nothing here does I/O.
 */
import { A0vaultError } from '../core/errors.js';

export type StepType = 'config' | 'users' | 'memberships';

export interface RestoreStep {
  type: StepType;
  /** Steps that must have finished first (only steps that are part of this restore). */
  dependsOn: StepType[];
}

/** Configuration first, then users (they need their connections), then memberships (they need both). */
export const RESTORE_STEPS: readonly RestoreStep[] = [
  { type: 'config', dependsOn: [] },
  { type: 'users', dependsOn: ['config'] },
  { type: 'memberships', dependsOn: ['config', 'users'] },
];

/**
 * deploy-cli 8.44's resource types grouped by its deploy order (`@order` of each handler;
 * ties keep deploy-cli's handler order). deploy-cli applies them itself in this order; the
 * groups are here so a plan can be printed and checked in the order it will be applied.
 */
export const CONFIG_TYPE_GROUPS: readonly { order: number; types: readonly string[] }[] = [
  { order: 40, types: ['clientAuthCredentialsPre'] },
  {
    order: 50,
    types: [
      'rules', 'rulesConfigs', 'hooks', 'pages', 'resourceServers', 'clients', 'guardianFactors',
      'guardianFactorProviders', 'guardianFactorTemplates', 'guardianPolicies',
      'guardianPhoneFactorSelectedProvider', 'guardianPhoneFactorMessageTypes', 'attackProtection',
      'riskAssessment', 'networkACLs', 'rateLimitPolicies', 'connectionProfiles', 'actionModules',
      'customDomains', 'userAttributeProfiles',
    ],
  },
  { order: 51, types: ['actions'] },
  {
    order: 60,
    types: ['clientGrants', 'connections', 'databases', 'emailProvider', 'phoneProviders', 'roles', 'selfServiceProfiles', 'themes'],
  },
  { order: 65, types: ['phoneTemplates', 'tokenExchangeProfiles'] },
  { order: 70, types: ['branding', 'clientAuthCredentials', 'emailTemplates', 'flowVaultConnections', 'logStreams', 'organizations'] },
  { order: 75, types: ['eventStreams'] },
  { order: 80, types: ['flows', 'prompts', 'triggers'] },
  { order: 90, types: ['forms'] },
  { order: 100, types: ['supplementalSignals', 'tenant'] },
];

/** The 44 resource type names deploy-cli accepts in AUTH0_INCLUDED_ONLY / AUTH0_EXCLUDED, in deploy order. */
export const CONFIG_TYPES: readonly string[] = CONFIG_TYPE_GROUPS.flatMap((g) => g.types).filter((t) => t !== 'clientAuthCredentialsPre');

const CONFIG_TYPE_SET = new Set(CONFIG_TYPES);

/** Every name `--only` / `--exclude` accept: 'config' (all config types), each config type, 'users', 'memberships'. */
export const SELECTABLE_TYPES: readonly string[] = ['config', ...CONFIG_TYPES, 'users', 'memberships'];

export function isConfigType(name: string): boolean {
  return CONFIG_TYPE_SET.has(name);
}

/** Position of a config type in deploy order (unknown types sort last, by name). */
export function configTypeRank(type: string): number {
  const i = CONFIG_TYPES.indexOf(type);
  return i === -1 ? CONFIG_TYPES.length : i;
}

export function sortConfigTypes(types: Iterable<string>): string[] {
  return [...types].sort((a, b) => configTypeRank(a) - configTypeRank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export interface SelectionInput {
  only?: readonly string[];
  exclude?: readonly string[];
  /** `--user`: one user with their memberships; config is not restored unless `only` names it. */
  user?: string;
  /** `--connection`: that connection's config object and its users (with their memberships). */
  connection?: string;
}

export interface ResolvedSelection {
  /** Steps in order, with dependencies limited to the selected steps. */
  steps: RestoreStep[];
  /** Config types the restore manages, in deploy order (empty when the config step is not selected). */
  configTypes: string[];
}

function usage(message: string, details: Record<string, unknown>): A0vaultError {
  return new A0vaultError('usage', message, { details });
}

function checkNames(flag: string, names: readonly string[]): void {
  const unknown = names.filter((n) => !SELECTABLE_TYPES.includes(n));
  if (unknown.length > 0) {
    throw usage(`${flag}: unknown type${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${SELECTABLE_TYPES.join(', ')})`, { flag, unknown });
  }
  if (names.length === 0) throw usage(`${flag} needs at least one type`, { flag });
}

function expand(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    if (n === 'config') CONFIG_TYPES.forEach((t) => out.add(t));
    else out.add(n);
  }
  return out;
}

/**
 * Validates `--only` / `--exclude` (mutually exclusive, like deploy-cli's pair) and applies the
 * defaults of `--user` (users and memberships only) and `--connection` (the connection's config
 * types, users and memberships).
 */
export function resolveSelection(input: SelectionInput): ResolvedSelection {
  if (input.only !== undefined && input.exclude !== undefined) {
    throw usage('--only and --exclude cannot be used together', { only: input.only, exclude: input.exclude });
  }
  let chosen: Set<string>;
  if (input.only !== undefined) {
    checkNames('--only', input.only);
    chosen = expand(input.only);
  } else {
    if (input.user !== undefined) chosen = new Set(['users', 'memberships']);
    else if (input.connection !== undefined) chosen = new Set(['databases', 'connections', 'users', 'memberships']);
    else chosen = expand(['config', 'users', 'memberships']);
    if (input.exclude !== undefined) {
      checkNames('--exclude', input.exclude);
      for (const n of expand(input.exclude)) chosen.delete(n);
    }
  }
  const configTypes = CONFIG_TYPES.filter((t) => chosen.has(t));
  const present = new Set<StepType>();
  if (configTypes.length > 0) present.add('config');
  if (chosen.has('users')) present.add('users');
  if (chosen.has('memberships')) present.add('memberships');
  const steps = RESTORE_STEPS.filter((s) => present.has(s.type)).map((s) => ({ type: s.type, dependsOn: s.dependsOn.filter((d) => present.has(d)) }));
  if (steps.length === 0) throw usage('the selection leaves nothing to restore', { only: input.only, exclude: input.exclude });
  return { steps, configTypes };
}
