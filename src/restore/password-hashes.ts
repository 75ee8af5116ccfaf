/**
 * The password-hash export Auth0 support provides (the Management API never returns hashes):
 * NDJSON, one user a line, with `_id.$oid` (the user_id without `auth0|`) or `user_id`, the
 * `email`, and `passwordHash` (bcrypt). Read once, streamed, into a lookup by user id and by
 * email (lower-cased) that the import packer merges into import records.
 *
 * Never logged: errors name the line number only, never its content.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';
import type { PasswordHashFields } from './import-packer.js';
import type { UserRef } from './membership-diff.js';

export interface PasswordHashLookup {
  (ref: UserRef): PasswordHashFields | undefined;
  readonly size: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export async function loadPasswordHashes(stream: Readable, signal: AbortSignal, source = 'password hashes'): Promise<PasswordHashLookup> {
  const byId = new Map<string, string>();
  const byEmail = new Map<string, string>();
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    throwIfAborted(signal);
    if (text.trim() === '') continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new A0vaultError('usage', `${source}: line ${line} is not JSON`, { cause: err instanceof Error ? new Error(err.name) : undefined });
    }
    const hash = str(rec.passwordHash) ?? str(rec.password_hash);
    if (!hash) continue;
    const oid = rec._id !== null && typeof rec._id === 'object' ? str((rec._id as Record<string, unknown>).$oid) : str(rec._id);
    const id = oid ?? str(rec.user_id)?.replace(/^auth0\|/, '');
    if (id) byId.set(id, hash);
    const email = str(rec.email)?.toLowerCase();
    if (email) byEmail.set(email, hash);
  }
  const lookup = ((ref: UserRef) => {
    const hash = byId.get(ref.user_id.replace(/^auth0\|/, '')) ?? (ref.email ? byEmail.get(ref.email.toLowerCase()) : undefined);
    return hash === undefined ? undefined : { password_hash: hash };
  }) as PasswordHashLookup;
  Object.defineProperty(lookup, 'size', { get: () => Math.max(byId.size, byEmail.size) });
  return lookup;
}
