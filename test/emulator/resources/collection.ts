/**
 * Generic CRUD for collection resources, driven by one `ResourceType` row each (table.ts).
 * Routes are generated only for the operations the OpenAPI document has under the type's path
 * (list, create, get, update with PATCH or PUT, delete); scopes, success statuses and list
 * shapes come from the document, messages from its 404/409 descriptions unless the row
 * overrides them. Create assigns the id, applies defaults, refuses duplicates (409); update
 * merges top-level fields; delete answers the documented status and notifies the store.
 */
import type { Rec } from '../contract.js';
import type { MemoryConfigStore } from '../config-store.js';
import { ApiError, type EmuRequest, type EmuResponse, type HttpMethod, type RouteDef } from '../http/types.js';
import { documentedMessage, oasDocument, operation, operationScopes, responseSchema, successStatuses, toPattern, type OasOperation } from '../oas.js';
import { allowedKeys, fieldProjector, listBody, listShape, projectTo } from './listing.js';

export interface ResourceEnv {
  store: MemoryConfigStore;
  domain: () => string;
  now: () => string;
}

export interface ResourceType {
  /** Store type name (also what ConfigStore.list takes), e.g. `connections`. */
  type: string;
  /** Collection path in the OpenAPI document, e.g. `/connections`. */
  path: string;
  idField: string;
  newId: () => string;
  /** Fields whose combination must be unique (409). */
  unique?: string[];
  conflictMessage?: string;
  notFoundMessage?: string;
  notFoundCode?: string;
  /** Fields a new record gets unless the body sets them. */
  defaults?: (body: Rec, env: ResourceEnv) => Rec;
  /** Adjusts the record after create/update merging; may throw ApiError (e.g. unknown references). */
  normalize?: (rec: Rec, env: ResourceEnv, previous?: Rec) => Rec;
  /** Output transformation (e.g. hide secret values). Projection to the documented keys follows. */
  present?: (rec: Rec, env: ResourceEnv) => Rec;
  /** List filters by query parameter. */
  filters?: Record<string, (rec: Rec, value: string, all: URLSearchParams) => boolean>;
  /** Offset-cap message (400 invalid_paging past 1,000 results), where Auth0 caps. */
  offsetCap?: string;
  /** Refuses a delete (e.g. the global client). */
  guardDelete?: (rec: Rec) => void;
  /** Called after a create with the stored record and the request body (e.g. to create children). */
  afterCreate?: (rec: Rec, body: Rec, env: ResourceEnv) => void;
  /** Called after a delete (cascades beyond children). */
  afterDelete?: (rec: Rec, env: ResourceEnv) => void;
  /** created_at/updated_at maintained when the response schema has them (default true). */
  timestamps?: boolean;
  /** Response keys kept beyond the closed schema (see relaxations.ts). */
  keepKeys?: string[];
  /** Object fields an update merges into the stored object (a `null` value removes that key). */
  mergeFields?: string[];
}

interface Ops {
  list?: OasOperation;
  create?: OasOperation;
  get?: OasOperation;
  update?: { method: HttpMethod; op: OasOperation };
  remove?: OasOperation;
  itemPath?: string;
}

function findOps(path: string): Ops {
  const ops: Ops = { list: operation('GET', path), create: operation('POST', path) };
  // the item path is the collection path plus one `{param}` segment
  const docPaths = Object.keys(oasPaths());
  const itemPath = docPaths.find((p) => p.startsWith(`${path}/{`) && p.slice(path.length + 1).split('/').length === 1);
  if (itemPath) {
    ops.itemPath = itemPath;
    ops.get = operation('GET', itemPath);
    const patch = operation('PATCH', itemPath);
    const put = operation('PUT', itemPath);
    if (patch) ops.update = { method: 'PATCH', op: patch };
    else if (put) ops.update = { method: 'PUT', op: put };
    ops.remove = operation('DELETE', itemPath);
  }
  return ops;
}

function oasPaths(): Record<string, unknown> {
  return oasDocument().paths;
}

export function statusOf(op: OasOperation, fallback: number): number {
  return successStatuses(op)[0] ?? fallback;
}

/** True when the documented success answer has a body. */
export function hasBody(op: OasOperation, status: number): boolean {
  return responseSchema(op, status) !== undefined;
}

/** The generic route set for one resource type. */
export function collectionRoutes(t: ResourceType, env: ResourceEnv): RouteDef[] {
  const { store } = env;
  store.defineType(t.type, t.idField);
  const ops = findOps(t.path);
  const routes: RouteDef[] = [];
  const itemKeys = ops.get ? allowedKeys(responseSchema(ops.get, statusOf(ops.get, 200))) : undefined;
  const listKeys = ops.list ? allowedKeys(listShape(ops.list).itemSchema) : undefined;
  const keep = (keys: Set<string> | undefined) => (keys && t.keepKeys ? new Set([...keys, ...t.keepKeys]) : keys);
  const present = (rec: Rec, keys: Set<string> | undefined): Rec => projectTo(t.present ? t.present(rec, env) : rec, keep(keys));
  const notFound = () =>
    new ApiError(404, t.notFoundMessage ?? documentedMessage(ops.get ?? ops.update?.op, 404)?.split(' | ')[0] ?? 'Not Found', t.notFoundCode);
  const find = (req: EmuRequest): Rec => {
    const id = Object.values(req.params)[0] ?? '';
    const rec = store.get(t.type, id);
    if (!rec) throw notFound();
    return rec;
  };
  const conflict = (candidate: Rec, exceptId?: string): void => {
    if (!t.unique) return;
    const fields = t.unique;
    if (fields.some((f) => candidate[f] === undefined)) return;
    const clash = store
      .list(t.type)
      .find((r) => r[t.idField] !== exceptId && fields.every((f) => JSON.stringify(r[f]) === JSON.stringify(candidate[f])));
    if (clash) {
      const message = t.conflictMessage ?? documentedMessage(ops.create, 409)?.split(' | ')[0] ?? 'Conflict';
      throw new ApiError(409, message);
    }
  };
  const stamp = (rec: Rec, created: boolean, schemaKeys: Set<string> | undefined): Rec => {
    if (t.timestamps === false) return rec;
    const at = env.now();
    const hasKey = (k: string) => !schemaKeys || schemaKeys.has(k);
    if (created && hasKey('created_at')) rec.created_at = at;
    if (hasKey('updated_at')) rec.updated_at = at;
    return rec;
  };
  const route = (method: HttpMethod, oasPath: string, op: OasOperation, handler: RouteDef['handler']): RouteDef => ({
    method,
    pattern: toPattern(oasPath),
    scopes: operationScopes(op),
    handler,
  });

  if (ops.list) {
    const op = ops.list;
    routes.push(
      route('GET', t.path, op, (req) => {
        const filters = Object.entries(t.filters ?? {}).filter(([name]) => req.query.has(name));
        const items = store.entries(t.type).filter(({ rec }) => filters.every(([name, f]) => f(rec, req.query.get(name) ?? '', req.query)));
        return { status: 200, body: listBody(op, items, req.query, (r) => present(r, listKeys), { offsetCap: t.offsetCap }) };
      }),
    );
  }
  if (ops.create) {
    const op = ops.create;
    const status = statusOf(op, 201);
    routes.push(
      route('POST', t.path, op, (req) => {
        const body = (req.body ?? {}) as Rec;
        let rec: Rec = { ...(t.defaults?.(body, env) ?? {}), ...structuredClone(body) };
        rec[t.idField] = t.newId();
        if (t.normalize) rec = t.normalize(rec, env);
        conflict(rec);
        stamp(rec, true, itemKeys);
        store.insert(t.type, rec);
        t.afterCreate?.(rec, body, env);
        return hasBody(op, status) ? { status, body: present(rec, itemKeys ?? listKeys) } : { status };
      }),
    );
  }
  if (ops.get && ops.itemPath) {
    routes.push(route('GET', ops.itemPath, ops.get, (req) => ({ status: 200, body: fieldProjector(req.query)(present(find(req), itemKeys)) })));
  }
  if (ops.update && ops.itemPath) {
    const { method, op } = ops.update;
    const status = statusOf(op, 200);
    routes.push(
      route(method, ops.itemPath, op, (req) => {
        const previous = find(req);
        const body = structuredClone((req.body ?? {}) as Rec);
        let rec: Rec = method === 'PUT' ? { ...body } : { ...previous, ...body };
        if (method === 'PATCH') for (const f of t.mergeFields ?? []) mergeField(rec, previous, body, f);
        rec[t.idField] = previous[t.idField];
        if (method === 'PUT' && previous.created_at !== undefined) rec.created_at = previous.created_at;
        if (t.normalize) rec = t.normalize(rec, env, previous);
        conflict(rec, String(previous[t.idField]));
        stamp(rec, false, itemKeys);
        store.replace(t.type, String(previous[t.idField]), rec);
        return hasBody(op, status) ? { status, body: present(rec, itemKeys) } : { status };
      }),
    );
  }
  if (ops.remove && ops.itemPath) {
    const op = ops.remove;
    const status = statusOf(op, 204);
    routes.push(
      route('DELETE', ops.itemPath, op, (req): EmuResponse => {
        const rec = find(req);
        t.guardDelete?.(rec);
        store.remove(t.type, String(rec[t.idField]));
        t.afterDelete?.(rec, env);
        return { status };
      }),
    );
  }
  return routes;
}

function mergeField(rec: Rec, previous: Rec, body: Rec, field: string): void {
  const before = previous[field];
  const patch = body[field];
  if (!isPlain(before) || !isPlain(patch)) return;
  const merged: Rec = { ...before };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  rec[field] = merged;
}

function isPlain(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
