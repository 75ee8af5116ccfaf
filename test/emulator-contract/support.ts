/** Helpers shared by the emulator contract tests. */
import type { RunningEmulator } from '../emulator/server.js';

/** A Management API token for the emulator's own client (all scopes). */
export async function managementToken(emu: RunningEmulator, credentials = { clientId: emu.clientId, clientSecret: emu.clientSecret }): Promise<string> {
  const res = await fetch(`${emu.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      audience: `https://${emu.domain}/api/v2/`,
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** GET/POST/… below /api/v2 with a token; returns status, headers and parsed body. */
export async function api(
  emu: RunningEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(`${emu.url}/api/v2${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined, text };
}
