/**
 * Singleton settings (tenant settings, branding, prompts, attack protection, risk assessment,
 * supplemental signals, guardian settings, email provider, universal-login template), one row
 * each; routes are generated for whichever of GET/PATCH/PUT/POST/DELETE the OpenAPI document
 * has at the path. PATCH merges top-level fields (and `flags`), PUT replaces, POST creates
 * (409 when set), DELETE unsets. Rows marked `unsetIs404` answer 404 with the documented
 * message while unset (email provider, universal-login template), as a new tenant does.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { Rec } from '../contract.js';
import { ApiError, type HttpMethod, type RouteDef } from '../http/types.js';
import { documentedMessage, operation, operationScopes, responseSchema, toPattern } from '../oas.js';
import { hasBody, statusOf } from './collection.js';
import { allowedKeys, fieldProjector, projectTo } from './listing.js';
import { extraResponseKeys } from './relaxations.js';

interface SingletonRow {
  path: string;
  unsetIs404?: { code?: string };
  /** Adjusts the merged value before it is stored. */
  normalize?: (value: Rec, previous: Rec | undefined) => Rec;
  /** Merge nested objects of these keys instead of replacing them. */
  deepMerge?: string[];
  /** Output transformation before projection (e.g. hide secrets). */
  present?: (value: Rec) => Rec;
}

/** Email provider credentials: only these are ever returned (EmailProviderCredentials). */
const SHOWN_CREDENTIALS = ['api_user', 'region', 'smtp_host', 'smtp_port', 'smtp_user'];

const minutesToHours: [string, string][] = [
  ['session_lifetime_in_minutes', 'session_lifetime'],
  ['idle_session_lifetime_in_minutes', 'idle_session_lifetime'],
  ['ephemeral_session_lifetime_in_minutes', 'ephemeral_session_lifetime'],
  ['idle_ephemeral_session_lifetime_in_minutes', 'idle_ephemeral_session_lifetime'],
];

export const singletonRows: SingletonRow[] = [
  {
    path: '/tenants/settings',
    deepMerge: ['flags'],
    // Auth0 accepts lifetimes in minutes and reports them in hours (deploy-cli sends minutes)
    normalize: (v) => {
      for (const [minutes, hours] of minutesToHours) {
        if (typeof v[minutes] === 'number') {
          v[hours] = Number(((v[minutes] as number) / 60).toFixed(4));
          delete v[minutes];
        }
      }
      return v;
    },
  },
  { path: '/branding' },
  { path: '/prompts' },
  { path: '/attack-protection/breached-password-detection' },
  { path: '/attack-protection/brute-force-protection' },
  { path: '/attack-protection/suspicious-ip-throttling' },
  { path: '/attack-protection/bot-detection' },
  { path: '/attack-protection/captcha' },
  { path: '/attack-protection/phone-provider-protection' },
  { path: '/risk-assessments/settings' },
  { path: '/risk-assessments/settings/new-device' },
  { path: '/supplemental-signals' },
  { path: '/guardian/policies' },
  { path: '/guardian/factors/phone/message-types' },
  { path: '/guardian/factors/phone/selected-provider' },
  { path: '/guardian/factors/phone/templates' },
  { path: '/guardian/factors/phone/providers/twilio' },
  { path: '/guardian/factors/sms/templates' },
  { path: '/guardian/factors/sms/providers/twilio' },
  { path: '/guardian/factors/sms/selected-provider' },
  { path: '/guardian/factors/push-notification/selected-provider' },
  { path: '/guardian/factors/push-notification/providers/sns' },
  { path: '/guardian/factors/push-notification/providers/apns' },
  { path: '/guardian/factors/push-notification/providers/fcm' },
  { path: '/guardian/factors/push-notification/providers/fcmv1' },
  { path: '/guardian/factors/duo/settings' },
  {
    path: '/emails/provider',
    unsetIs404: { code: 'inexistent_email_provider' },
    present: (v) => {
      const credentials = (v.credentials ?? {}) as Rec;
      return { ...v, credentials: Object.fromEntries(Object.entries(credentials).filter(([k]) => SHOWN_CREDENTIALS.includes(k))) };
    },
  },
  {
    path: '/branding/templates/universal-login',
    unsetIs404: {},
    // PUT takes a string or {template}; GET answers {body}
    normalize: (v) => ({ body: typeof v.template === 'string' ? v.template : v.body }),
  },
];

function merge(previous: unknown, body: Rec, deep: string[]): Rec {
  const base = previous && typeof previous === 'object' && !Array.isArray(previous) ? (previous as Rec) : {};
  const out: Rec = { ...base, ...body };
  for (const k of deep) {
    const a = base[k];
    const b = body[k];
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) out[k] = { ...a, ...b };
  }
  return out;
}

export function singletonRoutes(store: MemoryConfigStore): RouteDef[] {
  const routes: RouteDef[] = [];
  for (const row of singletonRows) {
    const get = operation('GET', row.path);
    const getKeys = get ? allowedKeys(responseSchema(get, 200)) : undefined;
    const keep = extraResponseKeys[row.path];
    const keys = getKeys && keep ? new Set([...getKeys, ...keep]) : getKeys;
    const present = (v: unknown, opKeys: Set<string> | undefined = keys): unknown => {
      if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
      const shown = row.present ? row.present(v as Rec) : (v as Rec);
      return projectTo(shown, opKeys && keep ? new Set([...opKeys, ...keep]) : opKeys);
    };
    const unset = () => {
      const message = documentedMessage(get, 404)?.split(' | ')[0] ?? 'Not Found';
      return new ApiError(404, message, row.unsetIs404?.code);
    };
    const current = (): unknown => store.getSingleton(row.path);
    const add = (method: HttpMethod, handler: RouteDef['handler']) => {
      const op = operation(method, row.path);
      if (op) routes.push({ method, pattern: toPattern(row.path), scopes: operationScopes(op), handler });
    };
    add('GET', (req) => {
      const v = current();
      if (v === undefined) {
        if (row.unsetIs404) throw unset();
        return { status: 200, body: {} };
      }
      const shown = present(v);
      return { status: 200, body: shown && typeof shown === 'object' && !Array.isArray(shown) ? fieldProjector(req.query)(shown as Rec) : shown };
    });
    const write = (method: HttpMethod, compute: (body: unknown, previous: unknown) => unknown) => {
      const op = operation(method, row.path);
      if (!op) return;
      const status = statusOf(op, 200);
      add(method, (req) => {
        const previous = current();
        if (method === 'PATCH' && previous === undefined && row.unsetIs404) throw unset();
        if (method === 'POST' && previous !== undefined) {
          throw new ApiError(409, documentedMessage(op, 409)?.split(' | ')[0] ?? 'Conflict');
        }
        let value = compute(structuredClone(req.body ?? {}), previous);
        if (row.normalize && value && typeof value === 'object' && !Array.isArray(value)) value = row.normalize(value as Rec, previous as Rec | undefined);
        store.setSingleton(row.path, value);
        const created = previous === undefined;
        if (method === 'PUT' && row.path === '/branding/templates/universal-login') return { status: created ? 201 : 204 };
        return hasBody(op, status) ? { status, body: present(value, allowedKeys(responseSchema(op, status)) ?? keys) } : { status };
      });
    };
    write('PATCH', (body, previous) => (Array.isArray(body) ? body : merge(previous, body as Rec, row.deepMerge ?? [])));
    write('PUT', (body) => (typeof body === 'string' ? { template: body } : body));
    write('POST', (body) => body);
    const del = operation('DELETE', row.path);
    if (del) {
      add('DELETE', () => {
        if (current() === undefined && row.unsetIs404) throw unset();
        store.deleteSingleton(row.path);
        return { status: statusOf(del, 204) };
      });
    }
  }
  return routes;
}
