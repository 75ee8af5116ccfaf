/**
 * How the emulator shapes a user: ids, identities, default name/nickname/picture, the
 * `fields`/`include_fields` projection, and the "secret" flags that are stored beside a user
 * but never returned (Auth0 never returns password hashes or MFA secrets through the API).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Rec } from '../contract.js';

/** A user exactly as `GET /users/{id}` returns it. */
export type User = Rec & { user_id: string; identities: Identity[]; created_at: string; updated_at: string };

export interface Identity extends Rec {
  connection: string;
  user_id: string;
  provider: string;
  isSocial: boolean;
}

/** Stored beside the user, never returned by any route. */
export interface UserSecret {
  password_set?: boolean;
  password_hash_imported?: boolean;
  custom_password_hash_imported?: boolean;
  mfa_factors?: number;
}

/** Strategies whose users live in the Auth0 user store (passwords allowed). */
export function isDatabaseStrategy(strategy: unknown): boolean {
  return strategy === 'auth0';
}

export function isPasswordlessStrategy(strategy: unknown): boolean {
  return strategy === 'email' || strategy === 'sms';
}

const SOCIAL = new Set([
  'google-oauth2', 'facebook', 'github', 'twitter', 'linkedin', 'apple', 'windowslive', 'amazon',
  'dropbox', 'bitbucket', 'paypal', 'yahoo', 'box', 'salesforce', 'fitbit', 'instagram', 'line',
  'shopify', 'soundcloud', 'vkontakte', 'weibo', 'wordpress', 'yandex', 'baidu', 'evernote', 'exact',
  'untappd', 'thirtysevensignals', 'dwolla', 'planningcenter', 'daccount', 'bitly', 'oauth2',
]);

export function isSocialStrategy(strategy: unknown): boolean {
  return typeof strategy === 'string' && SOCIAL.has(strategy);
}

/** The identity provider name Auth0 puts in `identities[].provider` and the user_id prefix. */
export function providerFor(strategy: unknown): string {
  return typeof strategy === 'string' && strategy.length > 0 ? strategy : 'auth0';
}

/** 24 lowercase hex characters, like the ObjectIds Auth0 uses for database users. */
export function newObjectId(): string {
  return randomBytes(12).toString('hex');
}

export function gravatarUrl(email: string | undefined, fallbackName: string): string {
  const hash = createHash('md5').update((email ?? '').trim().toLowerCase()).digest('hex');
  const initials = fallbackName.replace(/[^a-z]/gi, '').slice(0, 2).toLowerCase() || 'un';
  return `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F${initials}.png`;
}

export interface NewUserInput {
  connection: string;
  strategy: string;
  /** Identity user id without provider prefix. */
  idpUserId: string;
  now: string;
  email?: string;
  profile: Rec;
}

/**
 * Builds a new user the way Auth0 fills defaults: `name` = email (or username/phone),
 * `nickname` = local part of the email, a gravatar `picture`, one identity.
 */
export function buildUser(input: NewUserInput): User {
  const provider = providerFor(input.strategy);
  const email = input.email;
  const profile = { ...input.profile };
  const username = typeof profile.username === 'string' ? profile.username : undefined;
  const phone = typeof profile.phone_number === 'string' ? profile.phone_number : undefined;
  const displayName = email ?? username ?? phone ?? input.idpUserId;
  const user: Rec = {
    created_at: input.now,
    ...(email !== undefined ? { email } : {}),
    ...(email !== undefined ? { email_verified: profile.email_verified === true } : {}),
    identities: [
      { connection: input.connection, user_id: input.idpUserId, provider, isSocial: isSocialStrategy(input.strategy) },
    ],
    name: displayName,
    nickname: email !== undefined ? (email.split('@')[0] ?? email) : (username ?? displayName),
    picture: gravatarUrl(email, displayName),
    updated_at: input.now,
    user_id: `${provider}|${input.idpUserId}`,
  };
  delete profile.email_verified;
  for (const [key, value] of Object.entries(profile)) {
    if (value !== undefined) user[key] = value;
  }
  return user as User;
}

/**
 * Applies Auth0's `fields` / `include_fields` query parameters to one object (top-level keys
 * only, as Auth0 does). `fields` absent or empty returns the object unchanged.
 */
export function projectFields(obj: Rec, fields: string | null, includeFields: string | null): Rec {
  if (fields === null || fields.trim() === '') return obj;
  const names = new Set(fields.split(',').map((f) => f.trim()).filter((f) => f.length > 0));
  const include = includeFields !== 'false';
  const out: Rec = {};
  for (const [key, value] of Object.entries(obj)) {
    if (names.has(key) === include) out[key] = value;
  }
  return out;
}

/** Lowercases an email the way Auth0 stores it. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
