/**
 * Auth0's Management API OpenAPI document (vendored in ./oas/) as the emulator's source of
 * truth: which scopes each operation needs, its success status, its query parameters and
 * limits, its request-body schema and its response schema.
 *
 * Two ajv instances are offered: `strictValidator` validates against the document exactly as
 * published (used by the contract tests for responses), `requestValidator` validates against
 * the document after the relaxations in resources/relaxations.ts (what the real service
 * accepts although the document says otherwise).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { HttpMethod } from './http/types.js';

// ajv-formats is CommonJS with `exports.default`; NodeNext sees the namespace.
const addFormats = addFormatsModule.default;

export type Json = Record<string, unknown>;

export interface OasParameter {
  name: string;
  in: 'query' | 'path' | 'header';
  description?: string;
  required?: boolean;
  schema?: Json;
}

export interface OasOperation {
  operationId?: string;
  parameters?: OasParameter[];
  requestBody?: { content: Record<string, { schema?: Json }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Json }> } & Json>;
  security?: Record<string, string[]>[];
}

export interface OasDocument {
  paths: Record<string, Record<string, OasOperation | unknown>>;
  components: { schemas: Record<string, Json>; securitySchemes: Json };
}

export const oasDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'oas');

let cachedDoc: OasDocument | undefined;

/** The management document as published (parsed once per process; do not mutate). */
export function oasDocument(): OasDocument {
  cachedDoc ??= JSON.parse(readFileSync(path.join(oasDir, 'management-api-oas.json'), 'utf8')) as OasDocument;
  return cachedDoc;
}

const methods: HttpMethod[] = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** `/roles/{id}/users` → `/roles/:id/users` (the router's pattern syntax). */
export function toPattern(oasPath: string): string {
  return oasPath.replace(/\{([^}]+)\}/g, ':$1');
}

/** `/roles/:id/users` → `/roles/{id}/users`. */
export function toOasPath(pattern: string): string {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function operation(method: HttpMethod, oasPath: string): OasOperation | undefined {
  const item = oasDocument().paths[oasPath];
  const op = item?.[method.toLowerCase()];
  return op && typeof op === 'object' && 'responses' in op ? (op as OasOperation) : undefined;
}

/** Finds the operation for a router pattern, whatever the parameter names are. */
export function operationForPattern(method: HttpMethod, pattern: string): { path: string; op: OasOperation } | undefined {
  const shape = pattern.replace(/:[A-Za-z0-9_]+/g, '{}');
  for (const p of Object.keys(oasDocument().paths)) {
    if (p.replace(/\{[^}]+\}/g, '{}') !== shape) continue;
    const op = operation(method, p);
    if (op) return { path: p, op };
  }
  return undefined;
}

export function listOperations(): { method: HttpMethod; path: string; op: OasOperation }[] {
  const out: { method: HttpMethod; path: string; op: OasOperation }[] = [];
  for (const p of Object.keys(oasDocument().paths)) {
    for (const m of methods) {
      const op = operation(m, p);
      if (op) out.push({ method: m, path: p, op });
    }
  }
  return out;
}

/** Scopes of which any one suffices ("expected any of"), from the security block. */
export function operationScopes(op: OasOperation): string[] {
  for (const s of op.security ?? []) {
    const scopes = s.oAuth2ClientCredentials;
    if (scopes) return [...scopes];
  }
  return [];
}

/** Every Management API scope the document defines (what a full-access client gets). */
export function allScopes(): string[] {
  const schemes = oasDocument().components.securitySchemes as {
    oAuth2ClientCredentials?: { flows?: { clientCredentials?: { scopes?: Record<string, string> } } };
  };
  return Object.keys(schemes.oAuth2ClientCredentials?.flows?.clientCredentials?.scopes ?? {});
}

/** Success status codes (2xx) the operation documents, in ascending order. */
export function successStatuses(op: OasOperation): number[] {
  return Object.keys(op.responses)
    .filter((c) => /^2\d\d$/.test(c))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The JSON response schema for a status, or undefined when the document gives none. */
export function responseSchema(op: OasOperation, status: number): Json | undefined {
  const content = op.responses[String(status)]?.content;
  if (!content) return undefined;
  return (content['application/json'] ?? Object.values(content)[0])?.schema;
}

export function requestSchema(op: OasOperation): Json | undefined {
  const content = op.requestBody?.content;
  if (!content) return undefined;
  return (content['application/json'] ?? Object.values(content)[0])?.schema;
}

/** Follows a `$ref` into components (one level), returning the schema itself otherwise. */
export function deref(schema: Json | undefined, doc: OasDocument = oasDocument()): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.split('/').pop() ?? '';
  return doc.components.schemas[name];
}

export function schemaName(schema: Json | undefined): string | undefined {
  const ref = schema?.$ref;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
}

/** Error text for a documented status, e.g. the 404 description "The connection does not exist." */
export function documentedMessage(op: OasOperation | undefined, status: number): string | undefined {
  const d = op?.responses[String(status)]?.description;
  return typeof d === 'string' ? d : undefined;
}

// ---------------------------------------------------------------------------------------------
// ajv

function buildAjv(doc: OasDocument): Ajv2020 {
  // unicodeRegExp off: some patterns in the document (e.g. `[\w-\.]`) are invalid in unicode mode
  const ajv = new Ajv2020({ strict: false, allErrors: true, verbose: true, logger: false, validateFormats: true, unicodeRegExp: false });
  addFormats(ajv);
  // The document uses Auth0-specific format names (callback-url, client-id, …) whose rules
  // are not published; they are accepted as-is.
  for (const name of collectFormats(doc.components)) {
    if (!ajv.formats[name]) ajv.addFormat(name, true);
  }
  ajv.addSchema({ $id: 'oas', components: doc.components });
  return ajv;
}

function collectFormats(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) collectFormats(n, into);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') into.add(v);
      else collectFormats(v, into);
    }
  }
  return into;
}

type AjvInstance = Ajv2020;
let strictAjv: AjvInstance | undefined;
let relaxedAjv: AjvInstance | undefined;
const inlineIds = new WeakMap<object, string>();
let inlineCounter = 0;

function compile(ajv: AjvInstance, schema: Json): ValidateFunction {
  const name = schemaName(schema);
  if (name) {
    const v = ajv.getSchema(`oas#/components/schemas/${name}`);
    if (!v) throw new Error(`schema ${name} not in the OpenAPI document`);
    return v;
  }
  // inline schema: rewrite local refs to the registered document and compile once per ajv
  let id = inlineIds.get(schema);
  if (!id) {
    id = `inline-${inlineCounter++}`;
    inlineIds.set(schema, id);
  }
  const existing = ajv.getSchema(id);
  if (existing) return existing;
  const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"oas#/components/')) as Json;
  ajv.addSchema({ ...rewritten, $id: id });
  const v = ajv.getSchema(id);
  if (!v) throw new Error(`inline schema ${id} did not compile`);
  return v;
}

/** Validator for a schema taken from the published document (no relaxations). */
export function strictValidator(schema: Json): ValidateFunction {
  strictAjv ??= buildAjv(oasDocument());
  return compile(strictAjv, schema);
}

/** A validator factory over another copy of the document (e.g. with documented errata applied). */
export function validatorFactory(doc: OasDocument): (schema: Json) => ValidateFunction {
  let ajv: Ajv2020 | undefined;
  return (schema) => {
    ajv ??= buildAjv(doc);
    return compile(ajv, schema);
  };
}

let relaxedDocFactory: (() => OasDocument) | undefined;

/** resources/relaxations.ts registers how to build the relaxed copy of the document. */
export function setRelaxedDocument(factory: () => OasDocument): void {
  relaxedDocFactory = factory;
  relaxedAjv = undefined;
}

/** Validator for request bodies: the document plus the documented relaxations. */
export function requestValidator(schema: Json): ValidateFunction {
  relaxedAjv ??= buildAjv(relaxedDocFactory ? relaxedDocFactory() : oasDocument());
  return compile(relaxedAjv, schema);
}

export type { ErrorObject };
