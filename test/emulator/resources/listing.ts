/**
 * Lists exactly as Auth0 answers them, with the shape taken from the operation's response
 * schema in the OpenAPI document:
 * - offset (`page`, `per_page`, `include_totals`): a bare array without `include_totals`, the
 *   wrapper object (`{<key>: […], start, limit, total}` or whatever properties the document's
 *   offset variant declares, e.g. `{actions, total, page, per_page}`) with it, or always when
 *   the document has no bare-array form;
 * - checkpoint (`from`, `take`): `{<key>: […], next?}`, `next` only while more remain;
 * - neither: the whole list (bare array, or the document's wrapper object).
 * Also: `fields`/`include_fields` projection and the 1,000-result offset cap where Auth0 has it.
 */
import { ApiError } from '../http/types.js';
import { deref, oasDocument, responseSchema, type Json, type OasOperation } from '../oas.js';
import type { Rec } from '../contract.js';

export interface ListShape {
  bare: boolean;
  /** Array property of the wrapper objects (e.g. `clients`, `eventStreams`, `configs`). */
  key?: string;
  /** Other properties of the offset/always-object variant (`start`, `limit`, `total`, `page`, …). */
  offsetProps?: string[];
  checkpoint: boolean;
  /** The schema of one item (for response projection). */
  itemSchema?: Json;
}

const shapeCache = new WeakMap<OasOperation, ListShape>();

export function listShape(op: OasOperation): ListShape {
  const cached = shapeCache.get(op);
  if (cached) return cached;
  const schema = deref(responseSchema(op, 200));
  const variants = schema?.oneOf ? (schema.oneOf as Json[]).map((v) => deref(v) ?? {}) : schema ? [schema] : [];
  const shape: ListShape = { bare: false, checkpoint: false };
  for (const v of variants) {
    if (v.type === 'array') {
      shape.bare = true;
      shape.itemSchema ??= deref(v.items as Json);
      continue;
    }
    const props = (v.properties ?? {}) as Record<string, Json>;
    const key = Object.keys(props).find((k) => props[k]?.type === 'array');
    if (!key) continue;
    shape.key ??= key;
    shape.itemSchema ??= deref((props[key]?.items ?? {}) as Json);
    if ('next' in props) shape.checkpoint = true;
    else shape.offsetProps = Object.keys(props).filter((k) => k !== key);
  }
  shapeCache.set(op, shape);
  return shape;
}

export interface ListOptions {
  /** Message of the 400 `invalid_paging` when (page+1)·per_page exceeds 1,000 (endpoints where Auth0 caps). */
  offsetCap?: string;
}

function boolParam(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  return v === null ? undefined : v === 'true';
}

function encodeCursor(seq: number): string {
  return Buffer.from(`${seq}`).toString('base64url');
}

function decodeCursor(from: string): number {
  const n = Number(Buffer.from(from, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw new ApiError(400, 'Invalid pagination cursor', 'invalid_paging');
  return n;
}

/** Builds the list body for items (already filtered, in creation order with sequence numbers). */
export function listBody(
  op: OasOperation,
  items: readonly { seq: number; rec: Rec }[],
  query: URLSearchParams,
  present: (rec: Rec) => Rec,
  options: ListOptions = {},
): unknown {
  const shape = listShape(op);
  const params = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
  const project = fieldProjector(query);
  const out = (slice: readonly { rec: Rec }[]) => slice.map((i) => project(present(i.rec)));
  const wantsCheckpoint = shape.checkpoint && (query.has('take') || query.has('from') || (!shape.bare && !shape.offsetProps));
  if (wantsCheckpoint && shape.key) {
    const take = Number(query.get('take') ?? 50);
    const from = query.get('from');
    const start = from ? decodeCursor(from) : 0;
    const rest = items.filter((i) => i.seq >= start);
    const page = rest.slice(0, take);
    const body: Record<string, unknown> = { [shape.key]: out(page) };
    const next = rest[take];
    if (next) body.next = encodeCursor(next.seq);
    return body;
  }
  const paged = params.has('page') || params.has('per_page');
  let slice: readonly { seq: number; rec: Rec }[] = items;
  let page = 0;
  let perPage = items.length;
  if (paged) {
    page = Number(query.get('page') ?? 0);
    perPage = Number(query.get('per_page') ?? 50);
    if (options.offsetCap && (page + 1) * perPage > 1000 && query.has('page')) {
      throw new ApiError(400, options.offsetCap, 'invalid_paging');
    }
    slice = items.slice(page * perPage, page * perPage + perPage);
  }
  const includeTotals = boolParam(query, 'include_totals') === true;
  if (shape.bare && (!includeTotals || !shape.key)) return out(slice);
  if (!shape.key) return out(slice);
  const body: Record<string, unknown> = {};
  for (const p of shape.offsetProps ?? []) {
    if (p === 'start') body.start = page * perPage;
    else if (p === 'limit') body.limit = perPage;
    else if (p === 'total') body.total = items.length;
    else if (p === 'page') body.page = page;
    else if (p === 'per_page') body.per_page = perPage;
    else if (p === 'length') body.length = slice.length;
  }
  body[shape.key] = out(slice);
  return body;
}

/** `fields=a,b&include_fields=true|false` (default true) applied to top-level keys. */
export function fieldProjector(query: URLSearchParams): (rec: Rec) => Rec {
  const fields = query.get('fields');
  if (!fields) return (r) => r;
  const names = new Set(
    fields
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f.length > 0),
  );
  const include = query.get('include_fields') !== 'false';
  return (r) => Object.fromEntries(Object.entries(r).filter(([k]) => names.has(k) === include));
}

/** Top-level property names a closed schema allows (undefined when the schema is open). */
export function allowedKeys(schema: Json | undefined, doc = oasDocument()): Set<string> | undefined {
  const s = deref(schema, doc);
  if (s?.maxProperties === 0) return new Set();
  if (!s || s.additionalProperties !== false) return undefined;
  if (s.properties === undefined) return new Set();
  return new Set(Object.keys(s.properties as object));
}

export function projectTo(rec: Rec, keys: Set<string> | undefined): Rec {
  if (!keys) return rec;
  return Object.fromEntries(Object.entries(rec).filter(([k]) => keys.has(k)));
}
