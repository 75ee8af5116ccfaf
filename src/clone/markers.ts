/**
 * Keyword markers and masked values as auth0-deploy-cli 8.44 writes and reads them.
 *
 * What deploy-cli writes into a yaml dump for secrets it cannot export (read in
 * node_modules/auth0-deploy-cli/lib, 8.44.0):
 * - `##<TYPE>_<KEY>_SECRET##` from `maskSecretAtPath` (lib/tools/utils.js): `<TYPE>` and `<KEY>`
 *   with every non-alphanumeric character turned into `_`, upper-cased. Used for
 *   `connections[].options.client_secret` (`<KEY>` = the strategy:
 *   `##CONNECTIONS_GOOGLE_OAUTH2_SECRET##`) and `logStreams[].sink.{httpAuthorization,
 *   splunkToken, datadogApiKey, mixpanelServiceAccountPassword, segmentWriteKey}` (`<KEY>` = the
 *   stream type: `##LOGSTREAMS_DATADOG_SECRET##`) (lib/context/defaults.js). Two objects with
 *   the same strategy or type get the same keyword.
 * - Fixed keywords in lib/context/defaults.js: email provider credentials
 *   (`##SENDGRID_API_KEY##` and the other api-key providers, `##SMTP_HOSTNAME##`, `##SMTP_PORT##`,
 *   `##SMTP_USER##`, `##SMTP_PASS##`, `##SES_ACCESS_KEY_ID##`, `##SES_ACCESS_SECRET_KEY##`,
 *   `##SES_AWS_REGION##`, `##AZURE_CS_CONNECTION_KEY##`, `##MS365_TENANT_ID##`,
 *   `##MS365_CLIENT_ID##`, `##MS365_CLIENT_SECRET##`), phone provider `##TWILIO_AUTH_TOKEN##`,
 *   captcha `##CAPTCHA_<PROVIDER>_SECRET##`, `##CAPTCHA_RECAPTCHA_ENTERPRISE_API_KEY##` /
 *   `_PROJECT_ID##`, event-stream webhooks `##EVENT_STREAM_WEBHOOK_BASIC_AUTH_PASSWORD##`,
 *   `##EVENT_STREAM_WEBHOOK_BEARER_TOKEN##`, `##EVENT_STREAM_WEBHOOK_HEADER_VALUE##`.
 *   js-yaml quotes them: `client_secret: '##CONNECTIONS_GITHUB_SECRET##'`.
 * - `_VALUE_NOT_SHOWN_` (constants.OBFUSCATED_SECRET_VALUE): what the Management API returns
 *   for hook secrets, written as is into `hooks[].secrets`; deploy-cli never sends it back.
 * - Action secrets are written with their `name` only (the API never returns values).
 * On deploy, deploy-cli replaces `'@@KEY@@'`, `"@@KEY@@"`, `@@KEY@@` by the JSON of the mapping
 * and then `##KEY##` by the raw value, on the raw text of tenant.yaml and of every referenced
 * file, before parsing (lib/tools/utils.js keywordReplace).
 *
 * Contract: pure helpers; keyword names are `[A-Z0-9_]+` like deploy-cli's own unresolved-marker
 * check (lower-case `@@password@@` are Auth0 template variables, not markers).
 */
export const NOT_SHOWN = '_VALUE_NOT_SHOWN_';

const STRING_MARKER = /##([A-Z0-9_]+)##/g;
const WHOLE_STRING_MARKER = /^##([A-Z0-9_]+)##$/;
const ARRAY_MARKER = /(['"]?)@@([A-Z0-9_]+)@@\1/g;
const SENTINEL_PREFIX = '__A0VAULT_';
const SENTINEL = /__A0VAULT_(KW|ARR)_([A-Z0-9_]+)__/g;

/**
 * Rewrites markers in raw YAML into plain-scalar-safe sentinels, so that parsing keeps them
 * (unquoted `value: ##KEY##` would otherwise parse as a comment, `@@KEY@@` fail to parse).
 * Returns undefined when the text already contains the sentinel prefix (never in real dumps).
 */
export function protectMarkers(rawYaml: string): string | undefined {
  if (rawYaml.includes(SENTINEL_PREFIX)) return undefined;
  return rawYaml.replace(ARRAY_MARKER, (_m, _q, key: string) => `${SENTINEL_PREFIX}ARR_${key}__`).replace(STRING_MARKER, (_m, key: string) => `${SENTINEL_PREFIX}KW_${key}__`);
}

/** Turns sentinels in a parsed string back into marker text (`##KEY##`, `@@KEY@@`). */
export function restoreMarkers(value: string): string {
  return value.replace(SENTINEL, (_m, kind: string, key: string) => (kind === 'ARR' ? `@@${key}@@` : `##${key}##`));
}

export interface MarkerUse {
  keyword: string;
  /** `array` for `@@KEY@@`, `string` for `##KEY##`. */
  form: 'array' | 'string';
  /** True when the marker is the whole value (not embedded in a longer string). */
  whole: boolean;
}

/** Markers in one (restored) string value. */
export function markersIn(value: string): MarkerUse[] {
  const out: MarkerUse[] = [];
  const wholeArray = /^@@([A-Z0-9_]+)@@$/.exec(value);
  if (wholeArray?.[1]) return [{ keyword: wholeArray[1], form: 'array', whole: true }];
  const whole = WHOLE_STRING_MARKER.test(value);
  for (const m of value.matchAll(STRING_MARKER)) if (m[1]) out.push({ keyword: m[1], form: 'string', whole });
  for (const m of value.matchAll(/@@([A-Z0-9_]+)@@/g)) if (m[1]) out.push({ keyword: m[1], form: 'array', whole: false });
  return out;
}

/** Keywords of the markers in free text (templates, code), each once, in order of appearance. */
export function markersInText(text: string): string[] {
  const keys = new Set<string>();
  for (const m of text.matchAll(STRING_MARKER)) if (m[1]) keys.add(m[1]);
  for (const m of text.matchAll(/@@([A-Z0-9_]+)@@/g)) if (m[1]) keys.add(m[1]);
  return [...keys];
}

/** deploy-cli's keyword form for a derived name: non-alphanumerics to `_`, upper case. */
export function keywordOf(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^a-zA-Z0-9]/g, '_')).join('_').toUpperCase();
}

/**
 * True when `value` can replace a `##KEY##` marker inside a YAML scalar written by the `yaml`
 * package without changing the document's structure (no quotes, backslash, line break, `#` or
 * `: `). Values that fail go through the `@@KEY@@` form (JSON) when the marker is a whole
 * value, and are refused when it is embedded.
 */
export function isYamlInlineSafe(value: string): boolean {
  return !/['"\\\r\n#]|: |:$/.test(value);
}
