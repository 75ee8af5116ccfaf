/**
 * Where the emulator accepts more than Auth0's OpenAPI document allows, because the real
 * service accepts it (evidence: real deploy-cli exports in ../shared/real-tenants/, see its
 * README point 3). Each relaxation patches a copy of the document used for request validation;
 * the published document stays untouched for the response contract tests.
 *
 * | schema | relaxation | evidence |
 * | --- | --- | --- |
 * | Create/UpdateClientRequestContent | accepts `cross_origin_auth` (boolean; the older name of `cross_origin_authentication`) | every real export carries it |
 * | Create/UpdateResourceServerRequestContent | accepts `token_lifetime_for_web` (integer; the document lists it only in responses) | compe-plus, zenika-til |
 * | Create/UpdateRuleRequestContent | accepts `stage` (`login_success`, the only stage rules still have; deploy-cli sends it) | compe-plus, zenika-til, dhirendrak-auth0-config |
 * | UpdateSettingsRequestContent (prompts) | accepts `enable_ulp_wcag_compliance` (boolean; returned by real GET /prompts) | vibecodes-comingsoon |
 * | UpdateTenantSettingsRequestContent | accepts `universal_login` (object; legacy colours block) | compe-plus, zenika-til, vibecodes-comingsoon |
 * | TenantSettingsFlags | accepts any boolean flag (the document lists 29; tenants carry more, e.g. `universal_login`, `new_universal_login_experience_enabled`, `dashboard_new_onboarding`) | compe-plus, zenika-til |
 * | ConnectionAllowedAudiencesGoogleOAuth2 | also a string (real exports hold `''`) | vibecodes-comingsoon |
 * | ConnectionClientIdLinkedin | pattern `^[a-z0-9]$` dropped (it matches one character only; length 14 stays relaxed too, real ids are longer) | vibecodes-comingsoon |
 */
import { oasDocument, setRelaxedDocument, type Json, type OasDocument } from '../oas.js';

/** Response keys the emulator keeps although the closed response schema does not list them. */
export const extraResponseKeys: Record<string, string[]> = {
  // tenant settings: real GETs returned `universal_login` (it is in every real export)
  '/tenants/settings': ['universal_login'],
  // resource servers: returned by the real API (listed in ResourceServer, kept for clarity)
  'resource-servers': ['token_lifetime_for_web'],
};

function relax(doc: OasDocument): OasDocument {
  const copy = structuredClone(doc);
  const s = copy.components.schemas;
  const props = (name: string): Record<string, Json> => {
    const schema = s[name];
    if (!schema) throw new Error(`relaxations: schema ${name} missing from the OpenAPI document`);
    schema.properties ??= {};
    return schema.properties as Record<string, Json>;
  };
  for (const name of ['CreateClientRequestContent', 'UpdateClientRequestContent']) {
    props(name).cross_origin_auth = { type: 'boolean' };
  }
  for (const name of ['CreateResourceServerRequestContent', 'UpdateResourceServerRequestContent']) {
    props(name).token_lifetime_for_web = { type: 'integer' };
  }
  for (const name of ['CreateRuleRequestContent', 'UpdateRuleRequestContent']) {
    props(name).stage = { type: 'string', enum: ['login_success'] };
  }
  props('UpdateSettingsRequestContent').enable_ulp_wcag_compliance = { type: 'boolean' };
  props('UpdateTenantSettingsRequestContent').universal_login = { type: 'object' };
  const flags = s.TenantSettingsFlags;
  if (flags) flags.additionalProperties = { type: 'boolean' };
  const audiences = s.ConnectionAllowedAudiencesGoogleOAuth2;
  if (audiences) s.ConnectionAllowedAudiencesGoogleOAuth2 = { anyOf: [audiences, { type: 'string' }] };
  const linkedin = s.ConnectionClientIdLinkedin;
  if (linkedin) {
    delete linkedin.pattern;
    delete linkedin.minLength;
    delete linkedin.maxLength;
  }
  return copy;
}

let relaxedDoc: OasDocument | undefined;

/** The relaxed document (built once). */
export function relaxedDocument(): OasDocument {
  relaxedDoc ??= relax(oasDocument());
  return relaxedDoc;
}

setRelaxedDocument(relaxedDocument);
