/**
 * Exclusions for clones: whole resource types, or single objects by name, removed from a
 * deploy-cli tenant.yaml document together with the references that would otherwise make the
 * deploy fail (a grant to an excluded client, a trigger binding of an excluded action, ...).
 *
 * A type removed from the document is left alone by deploy-cli in the target (it only manages
 * types present in its input), so an excluded type keeps whatever the target has.
 *
 * Contract: pure; returns a new document and the list of what was removed (cascaded removals
 * are listed too, with their type and name).
 */
import { isPlainObject, objectKey } from '../restore/config-diff.js';
import type { ExcludeRule } from './mappings.js';

export type Doc = Record<string, unknown>;

export interface Excluded {
  type: string;
  name?: string;
  /** Set for removals that follow from another exclusion. */
  because?: string;
}

/** Names an object may be excluded by: its `name` and its natural identifier. */
function namesOf(type: string, obj: Record<string, unknown>): string[] {
  const out = new Set<string>();
  if (typeof obj.name === 'string') out.add(obj.name);
  const key = objectKey(type, obj);
  if (key !== undefined) out.add(key);
  return [...out];
}

function label(type: string, obj: Record<string, unknown>): string {
  return namesOf(type, obj)[0] ?? '(unnamed)';
}

type Removed = { type: string; obj: Record<string, unknown> };

function filterArray(doc: Doc, type: string, drop: (obj: Record<string, unknown>) => boolean, excluded: Excluded[], because?: string, removed?: Removed[]): void {
  const list = doc[type];
  if (!Array.isArray(list)) return;
  doc[type] = list.filter((item) => {
    if (!isPlainObject(item) || !drop(item)) return true;
    excluded.push({ type, name: label(type, item), ...(because ? { because } : {}) });
    removed?.push({ type, obj: item });
    return false;
  });
}

function removeFromStringList(obj: Record<string, unknown>, field: string, names: Set<string>): void {
  const list = obj[field];
  if (Array.isArray(list)) obj[field] = list.filter((v) => !(typeof v === 'string' && names.has(v)));
}

/** Removes references to excluded objects from the objects that remain. */
function cascade(doc: Doc, removed: Removed[], excluded: Excluded[]): void {
  const values = (type: string, field: string) =>
    new Set(removed.filter((r) => r.type === type && typeof r.obj[field] === 'string').map((r) => r.obj[field] as string));
  const clients = values('clients', 'name');
  const apis = values('resourceServers', 'identifier');
  const actions = values('actions', 'name');
  const connections = new Set([...values('connections', 'name'), ...values('databases', 'name')]);
  if (clients.size > 0) {
    filterArray(doc, 'clientGrants', (g) => typeof g.client_id === 'string' && clients.has(g.client_id), excluded, 'its client is excluded');
    for (const type of ['connections', 'databases']) {
      for (const c of Array.isArray(doc[type]) ? (doc[type] as unknown[]) : []) if (isPlainObject(c)) removeFromStringList(c, 'enabled_clients', clients);
    }
  }
  if (apis.size > 0) {
    filterArray(doc, 'clientGrants', (g) => typeof g.audience === 'string' && apis.has(g.audience), excluded, 'its API is excluded');
    for (const role of Array.isArray(doc.roles) ? (doc.roles as unknown[]) : []) {
      if (isPlainObject(role) && Array.isArray(role.permissions)) {
        role.permissions = role.permissions.filter((p) => !(isPlainObject(p) && typeof p.resource_server_identifier === 'string' && apis.has(p.resource_server_identifier)));
      }
    }
  }
  if (actions.size > 0 && isPlainObject(doc.triggers)) {
    doc.triggers = Object.fromEntries(
      Object.entries(doc.triggers).map(([trigger, bindings]) => [
        trigger,
        Array.isArray(bindings) ? bindings.filter((b) => !(isPlainObject(b) && typeof b.action_name === 'string' && actions.has(b.action_name))) : bindings,
      ]),
    );
  }
  if (connections.size > 0) {
    for (const org of Array.isArray(doc.organizations) ? (doc.organizations as unknown[]) : []) {
      if (isPlainObject(org) && Array.isArray(org.connections)) {
        org.connections = org.connections.filter((c) => !(isPlainObject(c) && typeof c.name === 'string' && connections.has(c.name)));
      }
    }
  }
}

/**
 * Applies `rules` to a deep copy of `doc`. Object rules whose name matches nothing are
 * reported in `unmatched` (a typo should not silently clone what it meant to leave out).
 */
export function applyExclusions(doc: Doc, rules: readonly ExcludeRule[]): { doc: Doc; excluded: Excluded[]; unmatched: ExcludeRule[] } {
  const out = structuredClone(doc);
  const excluded: Excluded[] = [];
  const unmatched: ExcludeRule[] = [];
  for (const rule of rules.filter((r) => r.name === undefined)) {
    if (rule.type in out) {
      delete out[rule.type];
      excluded.push({ type: rule.type });
    }
  }
  const direct: Excluded[] = [];
  const removed: Removed[] = [];
  for (const rule of rules.filter((r) => r.name !== undefined)) {
    const before = direct.length;
    const list = out[rule.type];
    if (Array.isArray(list)) filterArray(out, rule.type, (obj) => namesOf(rule.type, obj).includes(rule.name as string), direct, undefined, removed);
    else if (isPlainObject(list) && rule.type === 'triggers' && rule.name && rule.name in list) {
      delete list[rule.name];
      direct.push({ type: rule.type, name: rule.name });
    }
    if (direct.length === before && !excluded.some((e) => e.type === rule.type && e.name === undefined)) unmatched.push(rule);
  }
  excluded.push(...direct);
  cascade(out, removed, excluded);
  return { doc: out, excluded, unmatched };
}
