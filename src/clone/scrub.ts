/**
 * Deterministic pseudonymisation of exported user records for clones (`--scrub-pii`).
 *
 * Every replaced value is derived from a keyed HMAC-SHA256 of (field kind, original value) with
 * a salt the caller provides: the same input and salt always give the same output, so the same
 * e-mail address maps to the same pseudonym in users and in memberships, while nobody without
 * the salt can test a guess. Without a stable salt (e.g. a new random one per run) the output
 * differs between runs: keep the salt in a secret store if clones must be repeatable.
 *
 * What changes (docs/clone.md):
 * - email → `u-<16 hex>@example.invalid` (the domain is replaceable; `.invalid` never
 *   delivers mail); the input is lower-cased and trimmed first, as Auth0 stores it;
 * - name, given_name, family_name, nickname → `User <8 hex>`, `Given-<8 hex>`, `Family-<8 hex>`,
 *   `u-<8 hex>`; username → `u<14 hex>` (15 characters, Auth0's default maximum);
 * - phone_number → `+999` followed by 11 digits (999 is an unassigned country code);
 * - picture → `https://example.invalid/avatar/<16 hex>.png`;
 * - each listed metadata field (`user_metadata.x.y`): a string becomes `m-<16 hex>`, any other
 *   value is removed;
 * - identities keep provider, connection, user_id and isSocial only (profileData and tokens go);
 * - password_hash, custom_password_hash and last_ip are removed.
 * `user_id` is kept (memberships refer to it); everything else is copied. Membership records
 * (`scrubMembership`) get the same e-mail pseudonym, so matching by e-mail still works.
 *
 * Contract: pure; never mutates its input; the salt must be non-empty (A0vaultError 'usage').
 */
import { createHmac } from 'node:crypto';
import { A0vaultError } from '../core/errors.js';

export interface ScrubOptions {
  /** HMAC key. Same salt + same input = same output. */
  salt: string | Buffer;
  /** Dotted paths under user_metadata / app_metadata to pseudonymise. */
  metadataFields?: readonly string[];
  /** Domain of pseudonymous e-mail addresses (default example.invalid). */
  emailDomain?: string;
}

export type UserRecord = Record<string, unknown>;

const DROPPED = ['password_hash', 'custom_password_hash', 'last_ip'];
const IDENTITY_KEPT = ['provider', 'connection', 'user_id', 'isSocial'];

function checkSalt(salt: string | Buffer): void {
  if (salt.length === 0) throw new A0vaultError('usage', 'scrubbing PII needs a non-empty salt', { details: {} });
}

/** Hex HMAC of one value of one kind. */
export function pseudonymHex(salt: string | Buffer, kind: string, value: string, length = 16): string {
  checkSalt(salt);
  return createHmac('sha256', salt).update(kind).update('\u0000').update(value).digest('hex').slice(0, length);
}

/** The pseudonym of an e-mail address (use it for memberships or lookups keyed by e-mail). */
export function pseudonymizeEmail(email: string, salt: string | Buffer, domain = 'example.invalid'): string {
  return `u-${pseudonymHex(salt, 'email', email.trim().toLowerCase())}@${domain}`;
}

function phone(salt: string | Buffer, value: string): string {
  const digits = BigInt(`0x${pseudonymHex(salt, 'phone', value, 16)}`) % 100_000_000_000n;
  return `+999${digits.toString().padStart(11, '0')}`;
}

const FIELDS: Record<string, (salt: string | Buffer, v: string) => string> = {
  name: (s, v) => `User ${pseudonymHex(s, 'name', v, 8)}`,
  given_name: (s, v) => `Given-${pseudonymHex(s, 'given_name', v, 8)}`,
  family_name: (s, v) => `Family-${pseudonymHex(s, 'family_name', v, 8)}`,
  nickname: (s, v) => `u-${pseudonymHex(s, 'nickname', v, 8)}`,
  username: (s, v) => `u${pseudonymHex(s, 'username', v, 14)}`,
  phone_number: phone,
  picture: (s, v) => `https://example.invalid/avatar/${pseudonymHex(s, 'picture', v)}.png`,
};

function scrubPath(record: UserRecord, path: string, salt: string | Buffer): void {
  const parts = path.split('.');
  let parent: unknown = record;
  for (const part of parts.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) return;
    parent = (parent as Record<string, unknown>)[part];
  }
  const last = parts[parts.length - 1];
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || last === undefined) return;
  const obj = parent as Record<string, unknown>;
  if (!(last in obj)) return;
  if (typeof obj[last] === 'string') obj[last] = `m-${pseudonymHex(salt, `meta:${path}`, obj[last] as string)}`;
  else delete obj[last];
}

/** A pseudonymised copy of one exported user record. */
export function scrubUser(record: UserRecord, options: ScrubOptions): UserRecord {
  checkSalt(options.salt);
  const out = structuredClone(record);
  for (const field of DROPPED) delete out[field];
  if (typeof out.email === 'string') out.email = pseudonymizeEmail(out.email, options.salt, options.emailDomain);
  for (const [field, fn] of Object.entries(FIELDS)) {
    if (typeof out[field] === 'string') out[field] = fn(options.salt, out[field] as string);
  }
  if (Array.isArray(out.identities)) {
    out.identities = out.identities.map((identity: unknown) =>
      typeof identity === 'object' && identity !== null
        ? Object.fromEntries(Object.entries(identity).filter(([k]) => IDENTITY_KEPT.includes(k)))
        : identity,
    );
  }
  for (const path of options.metadataFields ?? []) scrubPath(out, path, options.salt);
  return out;
}

/** A membership record (role or organization member) with its e-mail pseudonymised like scrubUser's. */
export function scrubMembership<T extends object>(record: T, options: Pick<ScrubOptions, 'salt' | 'emailDomain'>): T {
  checkSalt(options.salt);
  const email = (record as { email?: unknown }).email;
  return typeof email === 'string' ? { ...record, email: pseudonymizeEmail(email, options.salt, options.emailDomain) } : { ...record };
}
