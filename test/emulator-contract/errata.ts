/**
 * Where Auth0's OpenAPI document cannot be satisfied by any response, the contract test
 * validates against a corrected copy. Each correction names the contradiction.
 *
 * 1. List responses are `oneOf [array, offset object, checkpoint object]`, but a checkpoint
 *    page without `next` (the last page, exactly what Auth0 answers — recorded exchanges in
 *    ../shared/research/auth0-api.md §4) also matches the offset object, whose properties are
 *    all optional: `oneOf` fails on a correct answer. Responses are checked with `anyOf`.
 * 2. GetBrandingPhoneProviderResponseContent (and the list/create/update variants) require
 *    `credentials` while not listing it under `properties` with `additionalProperties: false`:
 *    no object can be valid. `credentials` is dropped from `required` (Auth0 never returns them).
 */
import type { ValidateFunction } from 'ajv';
import { oasDocument, validatorFactory, type Json, type OasDocument } from '../emulator/oas.js';

function correct(doc: OasDocument): OasDocument {
  const copy = structuredClone(doc);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Json;
      if (Array.isArray(o.oneOf)) {
        o.anyOf = o.oneOf;
        delete o.oneOf;
      }
      for (const v of Object.values(o)) walk(v);
    }
  };
  for (const [name, schema] of Object.entries(copy.components.schemas)) {
    if (/ResponseContent$/.test(name)) walk(schema);
    const props = schema.properties as Json | undefined;
    if (Array.isArray(schema.required) && schema.additionalProperties === false && props) {
      schema.required = (schema.required as string[]).filter((r) => r in props);
    }
  }
  for (const item of Object.values(copy.paths)) {
    for (const op of Object.values(item as Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Json }> }> }>)) {
      for (const r of Object.values(op?.responses ?? {})) for (const c of Object.values(r.content ?? {})) walk(c.schema);
    }
  }
  return copy;
}

let factory: ((schema: Json) => ValidateFunction) | undefined;

/** Validator for a response schema of the published document, with the errata above applied. */
export function responseValidator(schema: Json): ValidateFunction {
  factory ??= validatorFactory(correct(oasDocument()));
  const name = typeof schema.$ref === 'string' ? schema.$ref : undefined;
  // inline schemas of the published document are re-read from the corrected copy by identity of their JSON
  return factory(name ? schema : (JSON.parse(JSON.stringify(schema).replaceAll('"oneOf"', '"anyOf"')) as Json));
}
