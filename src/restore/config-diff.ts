/**
 * Compares two deploy-cli tenant.yaml documents (already parsed, keyword markers already
 * replaced, referenced files inlined with `inlineFiles`): the snapshot's configuration and a
 * fresh dump of the target.
 *
 * Algorithm: for every resource type present in the snapshot document (deploy-cli leaves types
 * absent from its input alone), objects are matched by the type's natural identifier
 * (TYPE_KEYS below, default `name`; singletons are one object). Matched pairs are compared
 * field by field, recursively; arrays are compared as a whole (order-insensitive where Auth0
 * treats them as sets). A masked value (`##UPPER_CASE##`, `_VALUE_NOT_SHOWN_`) on either side,
 * or a field Auth0 never returns, is never a change: its path goes to `cannotCompare`, once.
 * Identifier fields (`id`, a client's `client_id`, …) differ between tenants and are ignored.
 *
 * Contract: pure and deterministic (output sorted by deploy order, then key); never throws on
 * odd input (values of unexpected shape are compared as plain JSON values). Secret-looking
 * values in the output are replaced by REDACTED_VALUE.
 */
import { canonicalJson } from '../archive/manifest.js';
import { sortConfigTypes } from './order.js';
import type { ConfigDoc, ConfigObject, FieldChange, TypeDiff } from './types.js';

export const REDACTED_VALUE = '<redacted>';
const MASK = /^##[A-Z0-9_]+##$/;
const NOT_SHOWN = '_VALUE_NOT_SHOWN_';

/** Types deploy-cli writes as one object. */
const SINGLETONS = new Set([
  'tenant', 'emailProvider', 'guardianPolicies', 'guardianPhoneFactorSelectedProvider', 'guardianPhoneFactorMessageTypes',
  'branding', 'prompts', 'triggers', 'attackProtection', 'riskAssessment', 'supplementalSignals',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const both = (a: unknown, b: unknown): string | undefined => (str(a) !== undefined && str(b) !== undefined ? `${str(a)} → ${str(b)}` : undefined);

/** Natural identifier per type (default: `name`), from deploy-cli's matching rules (research D3). */
const TYPE_KEYS: Record<string, (o: ConfigObject) => string | undefined> = {
  resourceServers: (o) => str(o.identifier),
  clientGrants: (o) => both(o.client_id, o.audience),
  emailTemplates: (o) => str(o.template),
  rulesConfigs: (o) => str(o.key),
  phoneTemplates: (o) => str(o.type),
  customDomains: (o) => str(o.domain),
  tokenExchangeProfiles: (o) => str(o.subject_token_type),
  networkACLs: (o) => str(o.priority) ?? str(o.description),
  rateLimitPolicies: (o) => (isPlainObject(o.consumer_selector) ? canonicalJson(o.consumer_selector) : str(o.consumer_selector)),
  guardianFactorProviders: (o) => (str(o.provider) ? `${str(o.name)} / ${str(o.provider)}` : str(o.name)),
  themes: (o) => str(o.displayName) ?? 'default',
};

/** Fields that identify an object in one tenant only; never compared. */
const IDENTIFIER_FIELDS: Record<string, readonly string[]> = { clients: ['client_id'], customDomains: ['custom_domain_id'], themes: ['themeId'] };

/** Paths (`*` = any key or index) Auth0 never returns or deploy-cli strips: never comparable. */
export const WRITE_ONLY: Record<string, readonly string[]> = {
  clients: ['client_secret'],
  actions: ['secrets.*.value'],
  hooks: ['secrets.*'],
  flowVaultConnections: ['setup'],
  emailProvider: ['credentials'],
  databases: ['options.configuration'],
  connections: ['options.configuration', 'options.client_secret'],
  guardianFactorProviders: ['auth_token', 'aws_secret_access_key'],
  phoneProviders: ['credentials'],
};

/** Arrays whose order matters (all other arrays of scalars are sets). */
const ORDERED_ARRAYS: Record<string, readonly string[]> = { tenant: ['enabled_locales'], triggers: ['*'], flows: ['actions'], forms: ['nodes'] };
/** Arrays of objects that are sets (all other arrays of objects are ordered). */
const UNORDERED_OBJECT_ARRAYS: Record<string, readonly string[]> = {
  roles: ['permissions'],
  organizations: ['connections', 'client_grants', 'discovery_domains'],
  actions: ['secrets', 'dependencies'],
  resourceServers: ['scopes'],
};

const SECRET_KEY = /(^|_)(secret|password|passwd|api_?key|auth_?token|private_?key|access_?token|credentials?)$|(Secret|Token|ApiKey|Password|authorization|Authorization)$/;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for deploy-cli's secret placeholders and values Auth0 will not show. */
export function isMaskedValue(v: unknown): boolean {
  return typeof v === 'string' && (MASK.test(v) || v === NOT_SHOWN);
}

/** The natural identifier of `obj` within `type`, or undefined when it has none. */
export function objectKey(type: string, obj: ConfigObject): string | undefined {
  return (TYPE_KEYS[type] ?? ((o: ConfigObject) => str(o.name)))(obj);
}

export function isSingletonType(type: string, value: unknown): boolean {
  return SINGLETONS.has(type) || isPlainObject(value);
}

function matches(pattern: string, path: string[]): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === path[i]);
}

/** A deep copy with secret-looking string values replaced (placeholders are kept: they hold no secret). */
export function redactSecrets(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, key));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  if (typeof value === 'string' && SECRET_KEY.test(key) && !isMaskedValue(value)) return REDACTED_VALUE;
  return value;
}

export interface ConfigDiffOptions {
  /** Restrict to these types (default: every type in the snapshot document). */
  types?: readonly string[];
  allowDelete: boolean;
  /**
   * 'ignore' (restore plans): a field only the target has is not a change, since deploy-cli
   * leaves fields absent from its input alone. 'report' (`a0vault diff`): it is a change, and
   * types only the target has are compared too.
   */
  fieldsOnlyInTarget?: 'ignore' | 'report';
  /** Objects never deleted, by type and key (the client a0vault runs as, …). */
  protect?: Record<string, readonly string[]>;
  /** Limit a type to some objects (e.g. `--connection`); both sides are filtered. */
  objectFilter?: (type: string, key: string) => boolean;
}

export interface ConfigDiffResult {
  types: Record<string, TypeDiff>;
  cannotCompare: string[];
  warnings: string[];
}

interface Ctx {
  type: string;
  label: string;
  report: boolean;
  changes: FieldChange[];
  cannot: Set<string>;
}

function fullPath(ctx: Ctx, path: string[]): string {
  return `${ctx.label}.${path.join('.')}`;
}

function sortedCanon(arr: unknown[]): string[] {
  return arr.map((v) => canonicalJson(v)).sort();
}

function containsMasked(v: unknown): boolean {
  if (isMaskedValue(v)) return true;
  if (Array.isArray(v)) return v.some(containsMasked);
  if (isPlainObject(v)) return Object.values(v).some(containsMasked);
  return false;
}

/** Equality where masked leaves match anything (each one noted as cannot-compare). */
function equalWithMasks(a: unknown, b: unknown, path: string[], ctx: Ctx): boolean {
  if (isMaskedValue(a) || isMaskedValue(b)) {
    ctx.cannot.add(fullPath(ctx, path));
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equalWithMasks(v, b[i], [...path, String(i)], ctx));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => equalWithMasks(a[k], b[k], [...path, k], ctx));
  }
  return a === b || (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b));
}

function arraysEqual(a: unknown[], b: unknown[], path: string[], ctx: Ctx): boolean {
  if (containsMasked(a) || containsMasked(b)) return equalWithMasks(a, b, path, ctx);
  const scalars = [...a, ...b].every((v) => !Array.isArray(v) && !isPlainObject(v));
  const ordered = scalars
    ? (ORDERED_ARRAYS[ctx.type] ?? []).some((p) => matches(p, path))
    : !(UNORDERED_OBJECT_ARRAYS[ctx.type] ?? []).some((p) => matches(p, path));
  if (a.length !== b.length) return false;
  if (ordered) return canonicalJson(a) === canonicalJson(b);
  const x = sortedCanon(a);
  const y = sortedCanon(b);
  return x.every((v, i) => v === y[i]);
}

function compare(a: unknown, b: unknown, path: string[], ctx: Ctx): void {
  if ((WRITE_ONLY[ctx.type] ?? []).some((p) => matches(p, path))) {
    if (a !== undefined || b !== undefined) ctx.cannot.add(fullPath(ctx, path));
    return;
  }
  if (isMaskedValue(a) || isMaskedValue(b)) {
    ctx.cannot.add(fullPath(ctx, path));
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      if (a[k] === undefined && !ctx.report) continue;
      compare(a[k], b[k], [...path, k], ctx);
    }
    return;
  }
  if (a === undefined && !ctx.report) return;
  const equal = Array.isArray(a) && Array.isArray(b) ? arraysEqual(a, b, path, ctx) : a === b || (a !== undefined && b !== undefined && canonicalJson(a) === canonicalJson(b));
  if (equal) return;
  const key = path[path.length - 1] ?? '';
  const change: FieldChange = { path: path.join('.') };
  if (b !== undefined) change.from = redactSecrets(b, key);
  if (a !== undefined) change.to = redactSecrets(a, key);
  ctx.changes.push(change);
}

function withoutIdentifiers(type: string, obj: ConfigObject, singleton: boolean): ConfigObject {
  const drop = singleton ? [] : ['id', ...(IDENTIFIER_FIELDS[type] ?? [])];
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !drop.includes(k)));
}

/** Objects of one type by key; objects without a key get `#<index>` (they never match). */
function index(type: string, value: unknown, side: string, warnings: string[], filter: ConfigDiffOptions['objectFilter']): Map<string, ConfigObject> {
  const out = new Map<string, ConfigObject>();
  const items = Array.isArray(value) ? value : [];
  items.forEach((item, i) => {
    const obj = isPlainObject(item) ? item : { value: item };
    const key = objectKey(type, obj) ?? `#${i}`;
    if (filter && !filter(type, key)) return;
    if (out.has(key)) warnings.push(`${side} ${type}: more than one object is named ${JSON.stringify(key)}; the first is used`);
    else out.set(key, withoutIdentifiers(type, obj, false));
  });
  return out;
}

function diffType(type: string, snap: unknown, target: unknown, options: ConfigDiffOptions, cannot: Set<string>, warnings: string[]): TypeDiff {
  const diff: TypeDiff = { create: [], update: [], unchanged: 0, onlyInTarget: [] };
  const report = options.fieldsOnlyInTarget === 'report';
  if (isSingletonType(type, snap ?? target)) {
    const a = isPlainObject(snap) ? snap : {};
    const b = isPlainObject(target) ? target : {};
    const ctx: Ctx = { type, label: type, report, changes: [], cannot };
    compare(a, b, [], ctx);
    if (ctx.changes.length > 0) diff.update.push({ name: type, changes: ctx.changes });
    else diff.unchanged = 1;
    return diff;
  }
  const snapObjects = index(type, snap, 'snapshot', warnings, options.objectFilter);
  const targetObjects = index(type, target, 'target', warnings, options.objectFilter);
  for (const [key, obj] of [...snapObjects].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const other = targetObjects.get(key);
    if (other === undefined) {
      diff.create.push(redactSecrets(obj) as ConfigObject);
      continue;
    }
    const ctx: Ctx = { type, label: `${type}[${key}]`, report, changes: [], cannot };
    compare(obj, other, [], ctx);
    if (ctx.changes.length > 0) diff.update.push({ name: key, changes: ctx.changes });
    else diff.unchanged++;
  }
  const protectedKeys = new Set(options.protect?.[type] ?? []);
  for (const key of [...targetObjects.keys()].sort()) {
    if (!snapObjects.has(key)) diff.onlyInTarget.push({ name: key, willDelete: options.allowDelete && !protectedKeys.has(key) });
  }
  return diff;
}

/** Per-type differences between the snapshot's configuration and the target's. */
export function diffConfig(snapshot: ConfigDoc, target: ConfigDoc, options: ConfigDiffOptions): ConfigDiffResult {
  const present = new Set(Object.keys(snapshot).filter((t) => snapshot[t] !== undefined && snapshot[t] !== null));
  if (options.fieldsOnlyInTarget === 'report') Object.keys(target).forEach((t) => target[t] != null && present.add(t));
  const wanted = options.types ? new Set(options.types) : undefined;
  const types: Record<string, TypeDiff> = {};
  const cannot = new Set<string>();
  const warnings: string[] = [];
  for (const type of sortConfigTypes([...present].filter((t) => !wanted || wanted.has(t)))) {
    types[type] = diffType(type, snapshot[type], target[type], options, cannot, warnings);
  }
  return { types, cannotCompare: [...cannot].sort(), warnings };
}

/**
 * Replaces every string value equal to a referenced file's path (`./actions/x/code.js` or
 * `actions/x/code.js`) by that file's content, so code and templates are compared by content.
 * `files` maps relative paths (no leading `./`) to text. Pure; returns a new document.
 */
export function inlineFiles(doc: ConfigDoc, files: ReadonlyMap<string, string>): ConfigDoc {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return files.get(v.replace(/^\.\//, '')) ?? v;
    if (Array.isArray(v)) return v.map(walk);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc) as ConfigDoc;
}
