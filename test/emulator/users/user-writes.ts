/**
 * `POST /users` and `PATCH /users/{id}` semantics: which connections accept which fields,
 * uniqueness (email and username per connection, user_id globally → 409), Auth0's metadata
 * merge on update (first level merged, `null` removes a key, `{}` clears), and password flags
 * that are stored but never returned.
 */
import type { ConfigStore, Rec } from '../contract.js';
import { ApiError } from '../http/types.js';
import { connectionNotFound, userExists, userNotFound } from './errors.js';
import type { SqliteUserStore } from './store.js';
import {
  buildUser,
  isDatabaseStrategy,
  isPasswordlessStrategy,
  newObjectId,
  normalizeEmail,
  providerFor,
  type User,
} from './user-model.js';

const PROFILE_FIELDS = [
  'email_verified', 'given_name', 'family_name', 'name', 'nickname', 'picture', 'phone_number',
  'phone_verified', 'blocked', 'user_metadata', 'app_metadata', 'username',
] as const;

function missing(prop: string): ApiError {
  return new ApiError(400, `Payload validation error: 'Missing required property: ${prop}'.`, 'invalid_body');
}

/** Creates a user per `POST /users` (body already schema-validated). */
export function createUser(store: SqliteUserStore, config: ConfigStore, body: Rec, nowIso: string): User {
  const connName = String(body.connection);
  const conn = config.findBy('connections', 'name', connName);
  if (!conn) throw connectionNotFound();
  const strategy = conn.strategy;
  const options = (conn.options ?? {}) as Rec;
  if (isDatabaseStrategy(strategy)) {
    if (body.email === undefined && !(options.requires_username === true && body.username !== undefined)) throw missing('email');
    if (body.password === undefined) throw missing('password');
    if (options.requires_username === true && body.username === undefined) throw missing('username');
  } else if (isPasswordlessStrategy(strategy)) {
    if (strategy === 'email' && body.email === undefined) throw missing('email');
    if (strategy === 'sms' && body.phone_number === undefined) throw missing('phone_number');
    if (body.password !== undefined) {
      throw new ApiError(400, 'Password is only allowed for database connections.', 'invalid_body');
    }
  } else {
    throw new ApiError(400, 'Connection is not supported for this operation.', 'operation_not_supported');
  }
  const email = typeof body.email === 'string' ? normalizeEmail(body.email) : undefined;
  if (email !== undefined && store.byEmail(email, connName).length > 0) throw userExists();
  if (typeof body.username === 'string' && store.byUsername(body.username, connName)) throw userExists();
  const idpUserId = typeof body.user_id === 'string' && body.user_id !== '' ? body.user_id : newObjectId();
  if (store.get(`${providerFor(strategy)}|${idpUserId}`)) throw userExists();
  const profile: Rec = {};
  for (const f of PROFILE_FIELDS) if (body[f] !== undefined) profile[f] = body[f];
  const user = buildUser({ connection: connName, strategy: String(strategy), idpUserId, now: nowIso, email, profile });
  store.insert({ user, connectionId: String(conn.id), secret: body.password !== undefined ? { password_set: true } : {} });
  return user;
}

function mergeMetadata(current: unknown, patch: Rec): Rec {
  if (Object.keys(patch).length === 0) return {};
  const out: Rec = { ...((current ?? {}) as Rec) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

const SIMULTANEOUS: [string, string][] = [
  ['password', 'email'],
  ['password', 'email_verified'],
  ['username', 'email'],
  ['username', 'email_verified'],
  ['username', 'password'],
];

/** Applies `PATCH /users/{id}` (body already schema-validated); returns the updated user. */
export function updateUser(store: SqliteUserStore, userId: string, body: Rec, nowIso: string): User {
  const user = store.get(userId);
  if (!user) throw userNotFound();
  for (const [a, b] of SIMULTANEOUS) {
    if (body[a] !== undefined && body[b] !== undefined) {
      throw new ApiError(400, `Cannot update ${a} and ${b} simultaneously.`, 'invalid_body');
    }
  }
  const identity = user.identities[0];
  const isDb = identity?.provider === 'auth0';
  if (typeof body.email === 'string') {
    if (!isDb) throw new ApiError(400, 'Cannot update email for non-database user.', 'invalid_body');
    const email = normalizeEmail(body.email);
    const clash = store.byEmail(email, identity.connection).find((u) => u.user_id !== userId);
    if (clash) throw new ApiError(409, 'The specified new email already exists', 'email_already_exists');
    if (email !== user.email) {
      user.email = email;
      user.email_verified = body.email_verified === true;
    }
  }
  for (const f of ['given_name', 'family_name', 'name', 'nickname', 'picture', 'phone_number', 'username', 'email'] as const) {
    if (body[f] === null) delete user[f];
    else if (f !== 'email' && body[f] !== undefined) user[f] = body[f];
  }
  for (const f of ['blocked', 'email_verified', 'phone_verified'] as const) {
    if (typeof body[f] === 'boolean') user[f] = body[f];
  }
  for (const f of ['user_metadata', 'app_metadata'] as const) {
    if (body[f] !== undefined) user[f] = mergeMetadata(user[f], body[f] as Rec);
  }
  if (typeof body.username === 'string' && identity) {
    const clash = store.byUsername(body.username, identity.connection);
    if (clash && clash.user_id !== userId) throw userExists();
  }
  user.updated_at = nowIso;
  const secret = typeof body.password === 'string' ? { ...store.getSecret(userId), password_set: true } : undefined;
  store.replace(user, secret);
  return user;
}
