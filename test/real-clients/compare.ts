/**
 * "Everything the source config says is in the dump": a subset comparison of a deploy-cli
 * source (after keyword replacement) against a deploy-cli dump of the tenant it was deployed
 * into. Extra fields in the dump (defaults the tenant adds) are not differences. Known,
 * unavoidable transformations by deploy-cli itself are applied to the source first
 * (`normalizeSource`, each one commented); dumped placeholders (`##…##`, secrets deploy-cli
 * masks) match any value; file references (`./actions/x/code.js`) compare file contents.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { allowedTenantFlags } from 'auth0-deploy-cli/lib/tools/auth0/handlers/tenant.js';

type Obj = Record<string, unknown>;

/** How items of a list type are matched between source and dump. */
const MATCH_KEYS: Record<string, (item: Obj) => string> = {
  clientGrants: (i) => `${String(i.client_id)}|${String(i.audience)}`,
  emailTemplates: (i) => String(i.template),
  guardianFactors: (i) => String(i.name),
  themes: () => 'theme',
  customDomains: (i) => String(i.domain),
  resourceServers: (i) => String(i.identifier),
  rulesConfigs: (i) => String(i.key),
  phoneTemplates: (i) => String(i.type),
};

export function normalizeSource(source: Obj): Obj {
  const s = structuredClone(source);
  // deploy-cli renames the deprecated client field before sending it
  for (const c of (s.clients as Obj[] | undefined) ?? []) {
    if ('cross_origin_auth' in c) {
      c.cross_origin_authentication ??= c.cross_origin_auth;
      delete c.cross_origin_auth;
    }
  }
  // rules-configs values can never be read back: deploy-cli always dumps []
  if (Array.isArray(s.rulesConfigs)) s.rulesConfigs = [];
  // action secret values are write-only: the dump keeps the names only
  for (const a of (s.actions as Obj[] | undefined) ?? []) {
    if (Array.isArray(a.secrets)) a.secrets = (a.secrets as Obj[]).map((x) => ({ name: x.name }));
  }
  // tenant flags outside deploy-cli's allow-list are dropped before the PATCH
  const tenant = s.tenant as Obj | undefined;
  if (tenant?.flags && typeof tenant.flags === 'object') {
    tenant.flags = Object.fromEntries(Object.entries(tenant.flags as Obj).filter(([k]) => allowedTenantFlags.includes(k)));
  }
  // the migrations section is excluded (AUTH0_EXCLUDED) and never dumped
  delete s.migrations;
  return s;
}

export interface DiffContext {
  sourceDir: string;
  dumpDir: string;
}

const PLACEHOLDER = /^##[A-Z0-9_]+##$/;

/** Differences as `path: expected … got …` strings (empty when the source is contained in the dump). */
export function subsetDiff(expected: unknown, actual: unknown, ctx: DiffContext, at = ''): string[] {
  if (expected === null || expected === undefined) return [];
  if (typeof actual === 'string' && PLACEHOLDER.test(actual)) return [];
  if (typeof expected === 'string' && typeof actual === 'string' && expected.startsWith('./') && actual.startsWith('./')) {
    const a = path.join(ctx.sourceDir, expected);
    const b = path.join(ctx.dumpDir, actual);
    if (existsSync(a) && existsSync(b)) {
      return readFileSync(a, 'utf8').trim() === readFileSync(b, 'utf8').trim() ? [] : [`${at}: file ${expected} differs from ${actual}`];
    }
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at}: expected a list, got ${JSON.stringify(actual)}`];
    if (expected.every((e) => e === null || typeof e !== 'object')) {
      const want = [...expected].map((e) => JSON.stringify(e)).sort();
      const got = new Set(actual.map((e) => JSON.stringify(e)));
      const missing = want.filter((w) => !got.has(w));
      return missing.length ? [`${at}: missing ${missing.join(', ')}`] : [];
    }
    const type = at.split('.')[0] ?? '';
    const key = MATCH_KEYS[type] ?? ((i: Obj) => String(i.name ?? i.action_name ?? canonicalJson(i)));
    const out: string[] = [];
    for (const item of expected as Obj[]) {
      const k = key(item);
      const match = (actual as Obj[]).find((x) => x && typeof x === 'object' && key(x) === k);
      if (!match) out.push(`${at}[${k}]: missing from the dump`);
      else out.push(...subsetDiff(item, match, ctx, `${at}[${k}]`));
    }
    return out;
  }
  if (typeof expected === 'object') {
    if (!actual || typeof actual !== 'object') return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected as Obj).flatMap(([k, v]) => subsetDiff(v, (actual as Obj)[k], ctx, at ? `${at}.${k}` : k));
  }
  return expected === actual ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** Drops fields that change on every deploy although nothing changed (see docs/emulator.md). */
export function stableState(state: Obj): Obj {
  const volatile = new Set(['updated_at', 'updated_on', 'built_at', 'deployed_version', 'created_at']);
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Obj).filter(([k]) => !volatile.has(k)).map(([k, x]) => [k, strip(x)]));
    }
    return v;
  };
  const collections = { ...((state.collections ?? {}) as Record<string, Obj[]>) };
  // every deploy of an action with `deployed: true` creates a new version, as on Auth0
  delete collections['action-versions'];
  // a bindings PATCH replaces the trigger's list: new binding ids each time
  if (collections['trigger-bindings']) {
    collections['trigger-bindings'] = collections['trigger-bindings']
      .map(({ id: _id, ...rest }) => rest)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return strip({ ...state, collections }) as Obj;
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Obj)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
