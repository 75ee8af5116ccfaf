/**
 * Making locations safe to show: no user names, passwords, tokens, signatures or upload
 * session ids may reach a log, an error message or a report.
 */

const SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;
const SENSITIVE_PARAM =
  /(token|key|secret|sig|signature|password|passw|pwd|credential|auth|session|upload_?id|assertion|code|x-goog-|x-amz-|access)/i;
export const REDACTED = 'REDACTED';

/**
 * Returns `location` without credentials: userinfo (`user:pass@`) is removed, and the value of
 * every query parameter whose name looks secret (token, key, sig, upload_id, …) is replaced by
 * REDACTED; the fragment is dropped. Strings that are not `scheme://` URLs (plain paths) come
 * back unchanged. Never throws.
 */
export function redactLocation(location: string): string {
  if (!SCHEME_URL.test(location)) return location;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return redactUnparsable(location);
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.search) {
    const params = new URLSearchParams(url.search);
    const kept: string[] = [];
    for (const [name, value] of params) {
      const shown = SENSITIVE_PARAM.test(name) ? REDACTED : value;
      kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(shown)}`);
    }
    url.search = kept.join('&');
  }
  return url.toString();
}

/** Redacts every `scheme://…` URL inside free text (e.g. an HTTP client's error message). */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => redactLocation(match));
}

function redactUnparsable(location: string): string {
  const withoutUser = location.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  const [beforeHash = ''] = withoutUser.split('#');
  const queryAt = beforeHash.indexOf('?');
  if (queryAt < 0) return beforeHash;
  const query = beforeHash
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=')[0] ?? '';
      return SENSITIVE_PARAM.test(decodeSafely(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${beforeHash.slice(0, queryAt)}?${query}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
