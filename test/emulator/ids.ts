/**
 * Identifier generators shaped like Auth0's: `con_` + 16 alphanumerics, 32-character client
 * ids, 64-character client secrets, UUIDs for actions, 24 hex characters for resource servers.
 */
import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function alnum(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 248) out += ALNUM[b % 62];
  }
  return out.length === length ? out : out + alnum(length - out.length);
}

/** `prefix_` + 16 alphanumerics (con_, rol_, org_, cgr_, lst_, rul_, …). */
export function prefixedId(prefix: string, length = 16): string {
  return `${prefix}_${alnum(length)}`;
}

export function clientId(): string {
  return alnum(32);
}

export function clientSecret(): string {
  return randomBytes(48).toString('base64url');
}

export function hexId(bytes = 12): string {
  return randomBytes(bytes).toString('hex');
}

export function uuid(): string {
  return randomUUID();
}
