/**
 * JSON Schema validation with Auth0's error vocabulary. Auth0 validates with z-schema, so its
 * messages read "Missing required property: x", "Value 1000 is greater than maximum 100", and
 * bulk-import errors carry z-schema-like codes (OBJECT_REQUIRED, INVALID_TYPE, FORMAT, PATTERN,
 * …). This module runs ajv and translates its errors into that vocabulary.
 */
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type AjvClass = typeof AjvModule.default;
type AddFormats = typeof addFormatsModule.default;
import { ApiError } from '../http/types.js';

// ajv and ajv-formats are CommonJS with `exports.default`; NodeNext sees the namespace.
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

export interface SchemaError {
  code: string;
  message: string;
  /** Dotted path of the offending property (`mfa_factors[0].totp.secret`), absent at the root. */
  path?: string;
}

let ajv: InstanceType<typeof Ajv> | undefined;

/** Compiles a draft-07 schema (formats from ajv-formats; unknown custom formats accepted). */
export function compileSchema(schema: object): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    addFormats(ajv);
    ajv.addFormat('user-id-with-max-length', { type: 'string', validate: (s: string) => s.length <= 1024 });
    ajv.addFormat('role-id', true);
  }
  return ajv.compile(schema);
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** `/mfa_factors/0/totp` → `mfa_factors[0].totp`. */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function valueAt(data: unknown, pointer: string): unknown {
  let cur: unknown = data;
  for (const seg of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function translate(e: ErrorObject, data: unknown): SchemaError | undefined {
  const path = dotted(e.instancePath);
  const value = valueAt(data, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const at = (code: string, message: string, where = path): SchemaError =>
    where ? { code, message, path: where } : { code, message };
  switch (e.keyword) {
    case 'required':
      return at('OBJECT_REQUIRED', `Missing required property: ${String(p.missingProperty)}`, child(path, String(p.missingProperty)));
    case 'additionalProperties':
      return at('OBJECT_ADDITIONAL_PROPERTIES', `Additional properties not allowed: ${String(p.additionalProperty)}`);
    case 'type':
      return at('INVALID_TYPE', `Expected type ${String(p.type)} but found type ${typeOf(value)}`);
    case 'format':
      return at('FORMAT', `Object didn't pass validation for format ${String(p.format)}: ${String(value)}`);
    case 'pattern':
      return e.propertyName === undefined
        ? at('PATTERN', `String does not match pattern ${String(p.pattern)}`)
        : at('PATTERN', `String does not match pattern ${String(p.pattern)}: ${e.propertyName}`);
    case 'minLength':
      return at('MIN_LENGTH', `String is too short (${String(value).length} chars), minimum ${String(p.limit)}`);
    case 'maxLength':
      return at('MAX_LENGTH', `String is too long (${String(value).length} chars), maximum ${String(p.limit)}`);
    case 'minimum':
      return at('MINIMUM', `Value ${String(value)} is less than minimum ${String(p.limit)}`);
    case 'maximum':
      return at('MAXIMUM', `Value ${String(value)} is greater than maximum ${String(p.limit)}`);
    case 'minItems':
      return at('ARRAY_LENGTH_SHORT', `Array is too short (${(value as unknown[]).length}), minimum ${String(p.limit)}`);
    case 'maxItems':
      return at('ARRAY_LENGTH_LONG', `Array is too long (${(value as unknown[]).length}), maximum ${String(p.limit)}`);
    case 'enum':
    case 'const':
      return at('ENUM_MISMATCH', `No enum match for: ${JSON.stringify(value)}`);
    case 'anyOf':
    case 'oneOf':
      return at('ANY_OF_MISSING', "Data does not match any schemas from 'anyOf'");
    case 'not':
      return e.propertyName === undefined
        ? at('NOT_PASSED', "Data matches schema from 'not'")
        : at('NOT_PASSED', `Property name not allowed: ${e.propertyName}`);
    case 'propertyNames':
    case 'if':
    case 'allOf':
      return undefined; // the inner error is reported on its own
    default:
      return at('INVALID', e.message ?? 'Invalid value');
  }
}

/** Auth0-vocabulary errors for `data`, or [] when valid. Errors inside anyOf/oneOf branches are folded into one. */
export function schemaErrors(validate: ValidateFunction, data: unknown): SchemaError[] {
  if (validate(data)) return [];
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    if (/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath)) continue;
    const t = translate(e, data);
    if (!t) continue;
    const key = `${t.code}|${t.path ?? ''}|${t.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}

/** Property descriptions Auth0 appends to validation messages, by property name. */
export type Descriptions = Record<string, string>;

function formatMessage(kind: 'Payload' | 'Query', err: SchemaError, descriptions: Descriptions): string {
  const showPath = err.path !== undefined && err.code !== 'OBJECT_REQUIRED' && err.code !== 'OBJECT_ADDITIONAL_PROPERTIES';
  const desc = err.path !== undefined ? descriptions[err.path] : undefined;
  const where = showPath ? ` on property ${err.path}${desc ? ` (${desc})` : ''}` : '';
  return `${kind} validation error: '${err.message}'${where}.`;
}

/** Throws Auth0's 400 `invalid_body` for the first error of a request body. */
export function assertBody(validate: ValidateFunction, body: unknown, descriptions: Descriptions = {}): void {
  const first = schemaErrors(validate, body ?? {})[0];
  if (first) throw new ApiError(400, formatMessage('Payload', first, descriptions), 'invalid_body');
}

/** Auth0's 400 `invalid_query_string` error for one query parameter. */
export function queryError(message: string, property: string, description?: string): ApiError {
  return new ApiError(
    400,
    formatMessage('Query', { code: 'Q', message, path: property }, description ? { [property]: description } : {}),
    'invalid_query_string',
  );
}
