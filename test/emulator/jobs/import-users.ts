/**
 * Applies the users of an import job, one record at a time, with Auth0's rules:
 * - each record is validated against schemas/import-user.schema.json (errors in Auth0's codes);
 * - a record repeating an email, user_id or username seen earlier in the same file fails with
 *   DUPLICATED_USER (no insert-then-update inside one file);
 * - a record whose email exists in the connection fails with DUPLICATED_USER unless `upsert`,
 *   in which case only upsertable attributes are written and app/user metadata are replaced
 *   wholesale; an existing user_id (different email) fails with DUPLICATED_USER;
 * - new users get the strategy prefix (`auth0|` + user_id, so an already prefixed id becomes
 *   `auth0|auth0|…`), `email_verified` false unless the record says true, and password hashes
 *   stored as flags only. Errors echo the record with secrets replaced by "*****".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Rec } from '../contract.js';
import type { SqliteUserStore } from '../users/store.js';
import { buildUser, newObjectId, normalizeEmail, providerFor, type User, type UserSecret } from '../users/user-model.js';
import { compileSchema, schemaErrors } from '../users/validate.js';
import type { ImportError, ImportJob } from './job-model.js';

export const IMPORT_SCHEMA_PATH = fileURLToPath(new URL('../../../schemas/import-user.schema.json', import.meta.url));

let validator: ReturnType<typeof compileSchema> | undefined;
function validateRecord(record: unknown): ImportError['errors'] {
  validator ??= compileSchema(JSON.parse(readFileSync(IMPORT_SCHEMA_PATH, 'utf8')) as object);
  return schemaErrors(validator, record);
}

const SECRET = '*****';

/** A copy of an import record with hash values and MFA secrets replaced by "*****". */
export function redact(record: unknown): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const out = structuredClone(record) as Rec;
  if (out.password_hash !== undefined) out.password_hash = SECRET;
  const cph = out.custom_password_hash as Rec | undefined;
  if (cph && typeof cph === 'object') {
    for (const part of ['hash', 'salt'] as const) {
      const p = cph[part] as Rec | undefined;
      if (p && typeof p === 'object' && p.value !== undefined) p.value = SECRET;
    }
    const key = (cph.hash as Rec | undefined)?.key as Rec | undefined;
    if (key && typeof key === 'object' && key.value !== undefined) key.value = SECRET;
  }
  if (Array.isArray(out.mfa_factors)) {
    for (const f of out.mfa_factors as Rec[]) {
      const totp = f?.totp as Rec | undefined;
      if (totp && typeof totp === 'object' && totp.secret !== undefined) totp.secret = SECRET;
    }
  }
  return out;
}

const UPSERTABLE = ['email_verified', 'given_name', 'family_name', 'name', 'nickname', 'picture'] as const;
const PROFILE = [...UPSERTABLE, 'username', 'blocked', 'phone_number', 'phone_verified', 'app_metadata', 'user_metadata'] as const;

function secretOf(r: Rec): UserSecret {
  const s: UserSecret = {};
  if (r.password_hash !== undefined) s.password_hash_imported = true;
  if (r.custom_password_hash !== undefined) s.custom_password_hash_imported = true;
  if (Array.isArray(r.mfa_factors)) s.mfa_factors = r.mfa_factors.length;
  return s;
}

function dup(what: string): ImportError['errors'][number] {
  return { code: 'DUPLICATED_USER', message: `A user with this ${what} was already provided.` };
}

/** Result of one record: the counter it moves, plus errors when it failed. */
type Outcome = { kind: 'inserted' | 'updated' } | { kind: 'failed'; errors: ImportError['errors'] };

function applyRecord(store: SqliteUserStore, job: ImportJob, record: unknown, nowIso: string): Outcome {
  const schema = validateRecord(record);
  if (schema.length > 0) return { kind: 'failed', errors: schema };
  const r = record as Rec;
  const email = normalizeEmail(String(r.email));
  const username = typeof r.username === 'string' ? r.username : undefined;
  const idpId = typeof r.user_id === 'string' && r.user_id !== '' ? r.user_id : undefined;
  const seen = job.seen;
  if (seen.emails.has(email)) return { kind: 'failed', errors: [dup('email')] };
  if (idpId !== undefined && seen.userIds.has(idpId)) return { kind: 'failed', errors: [dup('user_id')] };
  if (username !== undefined && seen.usernames.has(username)) return { kind: 'failed', errors: [dup('username')] };
  seen.emails.add(email);
  if (idpId !== undefined) seen.userIds.add(idpId);
  if (username !== undefined) seen.usernames.add(username);

  const existing = store.byEmail(email, job.connectionName)[0];
  if (existing) {
    if (!job.upsert) {
      return { kind: 'failed', errors: [{ code: 'DUPLICATED_USER', message: 'The user already exist and upsert parameter is false' }] };
    }
    const updated: User = { ...existing };
    for (const f of UPSERTABLE) if (r[f] !== undefined) updated[f] = r[f];
    for (const f of ['app_metadata', 'user_metadata'] as const) if (r[f] !== undefined) updated[f] = r[f];
    updated.updated_at = nowIso;
    const secret = { ...store.getSecret(existing.user_id) };
    if (r.custom_password_hash !== undefined) secret.custom_password_hash_imported = true;
    store.replace(updated, secret);
    return { kind: 'updated' };
  }
  const provider = providerFor(job.strategy);
  if (idpId !== undefined && store.get(`${provider}|${idpId}`)) {
    return { kind: 'failed', errors: [{ code: 'DUPLICATED_USER', message: 'The user already exists.' }] };
  }
  if (username !== undefined && store.byUsername(username, job.connectionName)) {
    return { kind: 'failed', errors: [{ code: 'CONFLICT_USERNAME', message: 'The username provided is in use already.' }] };
  }
  const profile: Rec = {};
  for (const f of PROFILE) if (r[f] !== undefined) profile[f] = r[f];
  profile.email_verified = r.email_verified === true;
  const user = buildUser({
    connection: job.connectionName,
    strategy: job.strategy,
    idpUserId: idpId ?? newObjectId(),
    now: nowIso,
    email,
    profile,
  });
  store.insert({ user, connectionId: job.connectionId, secret: secretOf(r) });
  return { kind: 'inserted' };
}

/** Processes up to `count` more records of `job` in one transaction; returns how many were processed. */
export function processImportUsers(store: SqliteUserStore, job: ImportJob, count: number, nowIso: string): number {
  const users = job.users ?? [];
  const end = Math.min(users.length, job.processed + count);
  const start = job.processed;
  store.transaction(() => {
    for (let i = start; i < end; i++) {
      const record = users[i];
      const outcome = applyRecord(store, job, record, nowIso);
      if (outcome.kind === 'failed') {
        job.summary.failed++;
        job.errors.push({ user: redact(record), errors: outcome.errors });
      } else {
        job.summary[outcome.kind]++;
      }
    }
  });
  job.processed = end;
  return end - start;
}

/** Parses the users file; a job-level failure message when it is not a JSON array. */
export function parseUsersFile(file: Buffer): { users: unknown[] } | { error: string } {
  let text = file.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: 'Failed to parse users file JSON when importing users. Make sure it is valid JSON.' };
  }
  if (!Array.isArray(parsed)) return { error: 'Users file must be a JSON array of users.' };
  return { users: parsed };
}
