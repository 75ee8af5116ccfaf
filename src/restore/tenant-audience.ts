/**
 * The Management API of a tenant is a resource server whose identifier is
 * `https://<tenant domain>/api/v2/`; deploy-cli dumps client grants to it with that audience.
 * Restored into another tenant, the grant must name THAT tenant's Management API (the source's
 * does not exist there: deploy-cli's create answers 404 "Resource server not found"), and a
 * diff across tenants must see both audiences as the same API.
 */
import { isPlainObject } from './config-diff.js';
import type { ConfigDoc } from './types.js';

export function managementAudience(domain: string): string {
  return `https://${domain}/api/v2/`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The source tenant's Management API audience (with or without the trailing slash) → the target's, in YAML or JSON text. */
export function retargetAudienceText(text: string, from: string, to: string): string {
  if (from.toLowerCase() === to.toLowerCase()) return text;
  return text.replace(new RegExp(`https://${escape(from)}/api/v2/?(?=["'\\s,\\]}]|$)`, 'gim'), managementAudience(to));
}

function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

/** The same rewrite on a parsed configuration document (whole string values only). */
export function retargetAudience(doc: ConfigDoc, from: string, to: string): ConfigDoc {
  if (from.toLowerCase() === to.toLowerCase()) return doc;
  const pattern = new RegExp(`^https://${escape(from)}/api/v2/?$`, 'i');
  return mapStrings(doc, (s) => (pattern.test(s) ? managementAudience(to) : s)) as ConfigDoc;
}
