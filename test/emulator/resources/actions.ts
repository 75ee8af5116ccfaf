/**
 * Actions beyond CRUD: deploying an action (creates a version, marks the action deployed;
 * builds finish instantly), versions, the trigger catalogue, trigger bindings (PATCH replaces a
 * trigger's whole binding list, references by action name or id), and action-module versions.
 */
import type { MemoryConfigStore } from '../config-store.js';
import type { Rec } from '../contract.js';
import { ApiError, type RouteDef } from '../http/types.js';
import { uuid } from '../ids.js';
import { listBody } from './listing.js';
import { bodyObject, okStatus, opRoute, requireParent } from './route.js';

/** The trigger catalogue (id, version) of a current tenant. */
const TRIGGERS: [string, string, string][] = [
  ['post-login', 'v3', 'CURRENT'],
  ['post-login', 'v2', 'DEPRECATED'],
  ['credentials-exchange', 'v2', 'CURRENT'],
  ['pre-user-registration', 'v2', 'CURRENT'],
  ['post-user-registration', 'v2', 'CURRENT'],
  ['post-change-password', 'v2', 'CURRENT'],
  ['send-phone-message', 'v2', 'CURRENT'],
  ['password-reset-post-challenge', 'v1', 'CURRENT'],
  ['custom-email-provider', 'v1', 'CURRENT'],
  ['custom-phone-provider', 'v1', 'CURRENT'],
  ['custom-token-exchange', 'v1', 'CURRENT'],
  ['event-stream', 'v1', 'CURRENT'],
];

const ACTION_VERSIONS = 'action-versions';
const BINDINGS = 'trigger-bindings';
const MODULE_VERSIONS = 'action-module-versions';

export function actionRoutes(store: MemoryConfigStore, now: () => string): RouteDef[] {
  store.defineType(ACTION_VERSIONS, 'id');
  store.defineType(BINDINGS, 'id');
  store.defineType(MODULE_VERSIONS, 'id');
  const action = (id: string | undefined, op: Parameters<typeof requireParent>[3]) =>
    requireParent(store, 'actions', id, op, 'The action does not exist.');
  const secretNames = (a: Rec) => (Array.isArray(a.secrets) ? (a.secrets as Rec[]).map((s) => ({ name: s.name, updated_at: s.updated_at ?? a.updated_at })) : []);
  const actionSummary = (a: Rec): Rec => ({
    id: a.id,
    name: a.name,
    supported_triggers: a.supported_triggers,
    created_at: a.created_at,
    updated_at: a.updated_at,
    all_changes_deployed: a.all_changes_deployed,
  });
  const presentBinding = (b: Rec): Rec => {
    const a = store.get('actions', String(b.action_id));
    const { action_id: _a, ...rest } = b;
    return { ...rest, action: a ? actionSummary(a) : { id: b.action_id } };
  };

  return [
    opRoute('POST', '/actions/actions/{id}/deploy', (req, op) => {
      const a = action(req.params.id, op);
      const number = store.entries(ACTION_VERSIONS, String(a.id)).length + 1;
      const at = now();
      const version: Rec = {
        id: uuid(),
        action_id: a.id,
        code: a.code,
        dependencies: a.dependencies ?? [],
        deployed: true,
        runtime: a.runtime,
        secrets: secretNames(a),
        status: 'built',
        number,
        built_at: at,
        created_at: at,
        updated_at: at,
        supported_triggers: a.supported_triggers,
      };
      for (const e of store.entries(ACTION_VERSIONS, String(a.id))) e.rec.deployed = false;
      store.insert(ACTION_VERSIONS, version, String(a.id));
      const { action_id: _x, ...summary } = version;
      store.replace('actions', String(a.id), { ...a, deployed_version: summary, all_changes_deployed: true, status: 'built', built_at: at });
      return { status: okStatus(op, 202), body: { ...version, action: actionSummary(a) } };
    }),
    opRoute('GET', '/actions/actions/{actionId}/versions', (req, op) => {
      const a = action(req.params.actionId, op);
      const items = [...store.entries(ACTION_VERSIONS, String(a.id))].reverse();
      return { status: 200, body: listBody(op, items, req.query, (v) => v) };
    }),
    opRoute('GET', '/actions/actions/{actionId}/versions/{id}', (req, op) => {
      const a = action(req.params.actionId, op);
      const v = store.getChild(ACTION_VERSIONS, String(a.id), req.params.id ?? '');
      if (!v) throw new ApiError(404, 'The action version does not exist.');
      return { status: 200, body: v };
    }),
    opRoute('GET', '/actions/triggers', () => ({
      status: 200,
      body: {
        triggers: TRIGGERS.map(([id, version, status]) => ({
          id,
          version,
          status,
          runtimes: ['node18-actions', 'node22'],
          default_runtime: 'node22',
          compatible_triggers: [],
          binding_policy: 'trigger-bound',
        })),
      },
    })),
    opRoute('GET', '/actions/triggers/{triggerId}/bindings', (req, op) => {
      const trigger = req.params.triggerId ?? '';
      if (!TRIGGERS.some(([id]) => id === trigger)) throw new ApiError(404, 'The trigger does not exist.');
      return { status: 200, body: listBody(op, store.entries(BINDINGS, trigger), req.query, presentBinding) };
    }),
    opRoute('PATCH', '/actions/triggers/{triggerId}/bindings', (req, op) => {
      const trigger = req.params.triggerId ?? '';
      if (!TRIGGERS.some(([id]) => id === trigger)) throw new ApiError(404, 'The trigger does not exist.');
      const wanted = Array.isArray(bodyObject(req).bindings) ? (bodyObject(req).bindings as Rec[]) : [];
      const resolved = wanted.map((b) => {
        const ref = (b.ref ?? {}) as Rec;
        const a =
          ref.type === 'action_id' ? store.get('actions', String(ref.value)) : store.list('actions').find((x) => x.name === ref.value);
        if (!a) throw new ApiError(404, `The action ${String(ref.value)} does not exist.`);
        if (a.deployed_version === undefined) throw new ApiError(400, `The action ${String(a.name)} has not been deployed.`);
        return { a, display_name: b.display_name ?? a.name };
      });
      store.removeChildren(BINDINGS, trigger);
      const at = now();
      for (const { a, display_name } of resolved) {
        store.insert(BINDINGS, { id: uuid(), trigger_id: trigger, display_name, action_id: a.id, created_at: at, updated_at: at }, trigger);
      }
      return { status: okStatus(op), body: { bindings: store.entries(BINDINGS, trigger).map((e) => presentBinding(e.rec)) } };
    }),
    opRoute('GET', '/actions/modules/{id}/versions', (req, op) => {
      const m = requireParent(store, 'action-modules', req.params.id, op, 'The action module does not exist.');
      return { status: 200, body: listBody(op, store.entries(MODULE_VERSIONS, String(m.id)), req.query, (v) => v) };
    }),
    opRoute('POST', '/actions/modules/{id}/versions', (req, op) => {
      const m = requireParent(store, 'action-modules', req.params.id, op, 'The action module does not exist.');
      const number = store.entries(MODULE_VERSIONS, String(m.id)).length + 1;
      const version: Rec = { id: uuid(), module_id: m.id, version_number: number, code: m.code, dependencies: m.dependencies ?? [], secrets: [], created_at: now() };
      store.insert(MODULE_VERSIONS, version, String(m.id));
      const { module_id: _m, ...latest } = version;
      store.replace('action-modules', String(m.id), { ...m, latest_version_number: number, all_changes_published: true, latest_version: latest });
      return { status: okStatus(op), body: version };
    }),
  ];
}
