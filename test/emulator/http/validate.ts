/**
 * Query-string and body validation against an OpenAPI operation, with Auth0's error texts
 * (its API validates with z-schema, whose messages these imitate):
 *   400 {"message":"Query validation error: 'Value 1000 is greater than maximum 100' on property per_page (…).","errorCode":"invalid_query_string"}
 *   400 {"message":"Payload validation error: 'Additional properties not allowed: foo'.","errorCode":"invalid_body"}
 */
import type { ErrorObject } from 'ajv';
import { requestSchema, requestValidator, type OasOperation } from '../oas.js';
import { ApiError } from './types.js';

/** Validates the query parameters the operation declares (unknown parameters are ignored, as Auth0 does). */
export function validateQuery(op: OasOperation, query: URLSearchParams): void {
  for (const p of op.parameters ?? []) {
    if (p.in !== 'query') continue;
    const raw = query.get(p.name);
    if (raw === null) continue;
    const schema = (p.schema ?? {}) as { type?: string | string[]; minimum?: number; maximum?: number; enum?: unknown[] };
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    const fail = (detail: string): never => {
      const desc = p.description ? ` (${p.description.replace(/\.$/, '')})` : '';
      throw new ApiError(400, `Query validation error: '${detail}' on property ${p.name}${desc}.`, 'invalid_query_string');
    };
    if (type === 'integer' || type === 'number') {
      if (raw.trim() === '' || !Number.isFinite(Number(raw)) || (type === 'integer' && !Number.isInteger(Number(raw)))) {
        fail(`Expected type ${type} but found type string`);
      }
      const n = Number(raw);
      if (schema.maximum !== undefined && n > schema.maximum) fail(`Value ${raw} is greater than maximum ${schema.maximum}`);
      if (schema.minimum !== undefined && n < schema.minimum) fail(`Value ${raw} is less than minimum ${schema.minimum}`);
    } else if (type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') fail('Expected type boolean but found type string');
    } else if (schema.enum && !schema.enum.includes(raw)) {
      fail(`No enum match for: ${raw}`);
    }
  }
}

/** Validates a parsed JSON body against the operation's request schema (relaxed per relaxations.ts). */
export function validateBody(op: OasOperation, body: unknown): void {
  const schema = requestSchema(op);
  if (!schema) return;
  if (body === undefined) {
    if (op.requestBody && (op.requestBody as { required?: boolean }).required) {
      throw new ApiError(400, "Payload validation error: 'Expected type object but found type undefined'.", 'invalid_body');
    }
    return;
  }
  const validate = requestValidator(schema);
  if (validate(body)) return;
  const first = pickError(validate.errors ?? []);
  throw new ApiError(400, `Payload validation error: ${describe(first)}`, 'invalid_body');
}

function pickError(errors: ErrorObject[]): ErrorObject | undefined {
  // oneOf/anyOf wrappers are less helpful than the concrete branch error
  return errors.find((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword)) ?? errors[0];
}

function describe(e: ErrorObject | undefined): string {
  if (!e) return "'Invalid payload'.";
  const prop = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const on = prop ? ` on property ${prop}` : '';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `'Additional properties not allowed: ${String(params.additionalProperty)}'${on}.`;
    case 'required':
      return `'Missing required property: ${String(params.missingProperty)}'${on}.`;
    case 'type':
      return `'Expected type ${String(params.type)} but found type ${typeOfValue(e.data)}'${on}.`;
    case 'pattern':
      return `'String does not match pattern ${String(params.pattern)}'${on}.`;
    case 'enum':
      return `'No enum match for: ${JSON.stringify(e.data)}'${on}.`;
    case 'maxLength':
      return `'String is too long (${String(e.data).length} chars), maximum ${String(params.limit)}'${on}.`;
    case 'minLength':
      return `'String is too short (${String(e.data).length} chars), minimum ${String(params.limit)}'${on}.`;
    case 'maximum':
      return `'Value ${String(e.data)} is greater than maximum ${String(params.limit)}'${on}.`;
    case 'minimum':
      return `'Value ${String(e.data)} is less than minimum ${String(params.limit)}'${on}.`;
    case 'maxItems':
      return `'Array is too long (${Array.isArray(e.data) ? e.data.length : '?'}), maximum ${String(params.limit)}'${on}.`;
    case 'minItems':
      return `'Array is too short (${Array.isArray(e.data) ? e.data.length : '?'}), minimum ${String(params.limit)}'${on}.`;
    case 'format':
      return `'Object didn't pass validation for format ${String(params.format)}: ${String(e.data)}'${on}.`;
    default:
      return `'${e.message ?? 'Invalid value'}'${on}.`;
  }
}

function typeOfValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
