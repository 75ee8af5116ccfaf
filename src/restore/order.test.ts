import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A0vaultError } from '../core/errors.js';
import { CONFIG_TYPE_GROUPS, CONFIG_TYPES, RESTORE_STEPS, resolveSelection, sortConfigTypes } from './order.js';

// deploy-cli-sdk.md A2, verbatim.
const A2_TYPES = `rules, rulesConfigs, hooks,
pages, resourceServers, clients, databases, connections, tenant, emailProvider, emailTemplates,
clientGrants, guardianFactors, guardianFactorProviders, guardianFactorTemplates,
guardianPolicies, guardianPhoneFactorSelectedProvider, guardianPhoneFactorMessageTypes, roles,
branding, phoneProviders, phoneTemplates, prompts, actions, actionModules, triggers,
organizations, attackProtection, riskAssessment, logStreams, customDomains, themes, forms, flows,
flowVaultConnections, selfServiceProfiles, networkACLs, userAttributeProfiles,
connectionProfiles, tokenExchangeProfiles, supplementalSignals, rateLimitPolicies, eventStreams,
clientAuthCredentials`
  .split(',')
  .map((s) => s.trim());

function usageError(fn: () => unknown): A0vaultError {
  try {
    fn();
  } catch (err) {
    if (err instanceof A0vaultError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('config types', () => {
  it('are the 44 deploy-cli type names', () => {
    expect(A2_TYPES).toHaveLength(44);
    expect([...CONFIG_TYPES].sort()).toEqual([...A2_TYPES].sort());
  });

  it('match the installed deploy-cli handlers and their @order (drift test)', () => {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('auth0-deploy-cli/package.json')), 'lib/tools/auth0/handlers');
    const index = readFileSync(join(dir, 'index.js'), 'utf8');
    const files = new Map([...index.matchAll(/const (\w+) = __importStar\(require\("\.\/(\w+)"\)\)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    expect(files.size).toBe(45);
    const expected = new Map<string, number>();
    for (const [type, file] of files) {
      const order = /default_1\.order\)\('(\d+)'\)/.exec(readFileSync(join(dir, `${file}.js`), 'utf8'));
      expected.set(type, order ? Number(order[1]) : 50);
    }
    const ours = new Map(CONFIG_TYPE_GROUPS.flatMap((g) => g.types.map((t) => [t, g.order] as const)));
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(expected));
  });

  it('sort in deploy order, unknown types last', () => {
    expect(sortConfigTypes(['tenant', 'zzz', 'roles', 'clients', 'actions'])).toEqual(['clients', 'actions', 'roles', 'tenant', 'zzz']);
  });
});

describe('resolveSelection', () => {
  it('by default restores everything: config, then users, then memberships', () => {
    const s = resolveSelection({});
    expect(s.steps).toEqual(RESTORE_STEPS);
    expect(s.configTypes).toEqual(CONFIG_TYPES);
  });

  it('--only users keeps the users step without dependencies on unselected steps', () => {
    expect(resolveSelection({ only: ['users'] })).toEqual({ steps: [{ type: 'users', dependsOn: [] }], configTypes: [] });
  });

  it('--only with config types and memberships', () => {
    const s = resolveSelection({ only: ['roles', 'memberships', 'organizations'] });
    expect(s.configTypes).toEqual(['roles', 'organizations']);
    expect(s.steps).toEqual([
      { type: 'config', dependsOn: [] },
      { type: 'memberships', dependsOn: ['config'] },
    ]);
  });

  it('--exclude removes types, and "config" removes them all', () => {
    const s = resolveSelection({ exclude: ['clients', 'users'] });
    expect(s.configTypes).not.toContain('clients');
    expect(s.configTypes).toHaveLength(43);
    expect(s.steps.map((x) => x.type)).toEqual(['config', 'memberships']);
    expect(resolveSelection({ exclude: ['config'] }).steps.map((x) => x.type)).toEqual(['users', 'memberships']);
  });

  it('rejects unknown names, naming each of them', () => {
    const err = usageError(() => resolveSelection({ only: ['roles', 'role', 'userz'] }));
    expect(err.code).toBe('usage');
    expect(err.message).toContain('role, userz');
    expect(err.details.unknown).toEqual(['role', 'userz']);
  });

  it('rejects --only with --exclude, an empty list, and a selection that leaves nothing', () => {
    expect(usageError(() => resolveSelection({ only: ['roles'], exclude: ['users'] })).code).toBe('usage');
    expect(usageError(() => resolveSelection({ only: [] })).code).toBe('usage');
    expect(usageError(() => resolveSelection({ exclude: ['config', 'users', 'memberships'] })).message).toContain('nothing');
  });

  it('--user defaults to users and memberships; --connection adds its config types', () => {
    expect(resolveSelection({ user: 'a@example.com' }).steps.map((x) => x.type)).toEqual(['users', 'memberships']);
    const c = resolveSelection({ connection: 'db' });
    expect(c.configTypes).toEqual(['connections', 'databases']);
    expect(c.steps.map((x) => x.type)).toEqual(['config', 'users', 'memberships']);
    expect(resolveSelection({ user: 'x', only: ['users'] }).steps).toHaveLength(1);
  });
});
