/**
 * Deterministic user generators for the seeds: one PRNG draw sequence per seed, so the same
 * seed, count and configuration (connections, roles, organizations in creation order) always
 * produce byte-identical users and memberships. Dates derive from fixed epochs, never from
 * the clock.
 */
import type { Rec } from '../contract.js';
import type { Prng } from './prng.js';
import { buildUser, type User, type UserSecret } from './user-model.js';

export const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ana', 'Ben', 'Bianca', 'Carlos', 'Chen', 'Chloe', 'Dario', 'Deepa', 'Elena',
  'Emeka', 'Eva', 'Farah', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Ivan', 'Jamal', 'Jana', 'Jonas',
  'Kai', 'Kenji', 'Lara', 'Leo', 'Lucia', 'Maya', 'Mateo', 'Mei', 'Nadia', 'Noah', 'Olga', 'Omar',
  'Priya', 'Quinn', 'Rafael', 'Rosa', 'Sami', 'Sara', 'Tariq', 'Tess', 'Uma', 'Victor', 'Wen', 'Yara', 'Zoe',
] as const;

export const LAST_NAMES = [
  'Abbott', 'Adeyemi', 'Alvarez', 'Bauer', 'Becker', 'Chen', 'Costa', 'Dubois', 'Eriksen', 'Fischer',
  'Garcia', 'Gupta', 'Haddad', 'Hansen', 'Ito', 'Jensen', 'Kowalski', 'Kumar', 'Larsen', 'Lopez',
  'Martin', 'Moreau', 'Nakamura', 'Novak', 'Okafor', 'Olsen', 'Park', 'Petrov', 'Quispe', 'Rossi',
  'Sato', 'Schmidt', 'Silva', 'Singh', 'Tanaka', 'Torres', 'Usman', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zhang',
] as const;

const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'corp.example.io'] as const;
const LOCALES = ['en', 'en-GB', 'de', 'fr', 'es', 'pt-BR', 'ja', 'nl'] as const;
const PLANS = ['free', 'starter', 'pro', 'enterprise'] as const;
const THEMES = ['light', 'dark', 'system'] as const;

/** Fixed epochs so generated dates never depend on when the seed runs. */
const CREATED_BASE = Date.UTC(2021, 0, 1);
const DAY = 86_400_000;

export interface GenerateContext {
  connection: { id: string; name: string; strategy: string };
  /** Appended to emails so several seeds can share a tenant. */
  tag: string;
  /** Spacing of creation times. */
  createdStepMs: number;
}

export interface Generated {
  user: User;
  secret?: UserSecret;
}

/** Like a MongoDB ObjectId: creation seconds (8 hex) + 16 random hex, so ids grow with time. */
function objectId(createdMs: number, rng: Prng): string {
  return Math.floor(createdMs / 1000).toString(16).padStart(8, '0') + rng.hex(16);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function metadata(rng: Prng, index: number): { user_metadata: Rec; app_metadata: Rec } {
  return {
    user_metadata: {
      locale: rng.pick(LOCALES),
      preferences: { newsletter: rng.chance(0.4), theme: rng.pick(THEMES) },
      ...(rng.chance(0.3) ? { nickname_display: `user${index}` } : {}),
    },
    app_metadata: {
      account_id: `acc_${rng.hex(10)}`,
      plan: rng.pick(PLANS),
      ...(rng.chance(0.1) ? { flags: ['beta'] } : {}),
    },
  };
}

/** One database-connection user; consumes a fixed number of draws for a given outcome path. */
export function generateDatabaseUser(rng: Prng, index: number, ctx: GenerateContext): Generated {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = `${first}.${last}.${index}${ctx.tag}@${rng.pick(DOMAINS)}`.toLowerCase();
  const created = CREATED_BASE + index * ctx.createdStepMs + rng.int(1000);
  const updated = created + rng.int(300) * DAY;
  const logins = rng.int(400);
  const profile: Rec = {
    email_verified: rng.chance(0.85),
    given_name: first,
    family_name: last,
    ...metadata(rng, index),
  };
  if (rng.chance(0.25)) {
    profile.phone_number = `+1555${rng.digits(7)}`;
    profile.phone_verified = rng.chance(0.5);
  }
  if (rng.chance(0.01)) profile.blocked = true;
  if (logins > 0) {
    profile.last_login = iso(updated);
    profile.last_ip = `10.${rng.int(256)}.${rng.int(256)}.${1 + rng.int(254)}`;
    profile.logins_count = logins;
  }
  const user = buildUser({
    connection: ctx.connection.name,
    strategy: ctx.connection.strategy,
    idpUserId: objectId(created, rng),
    now: iso(created),
    email,
    profile,
  });
  user.name = `${first} ${last}`;
  user.updated_at = iso(updated);
  return { user, secret: { password_set: true } };
}

/** One social (e.g. google-oauth2) user, as Auth0 stores it after a first login. */
export function generateSocialUser(rng: Prng, index: number, ctx: GenerateContext): Generated {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = `${first}.${last}.${index}${ctx.tag}@gmail.example.com`.toLowerCase();
  const created = CREATED_BASE + index * ctx.createdStepMs + rng.int(1000);
  const user = buildUser({
    connection: ctx.connection.name,
    strategy: ctx.connection.strategy,
    idpUserId: rng.digits(21),
    now: iso(created),
    email,
    profile: {
      email_verified: true,
      given_name: first,
      family_name: last,
      locale: rng.pick(LOCALES),
      last_login: iso(created + rng.int(200) * DAY),
      last_ip: `192.0.2.${1 + rng.int(254)}`,
      logins_count: 1 + rng.int(50),
      user_metadata: { locale: rng.pick(LOCALES) },
    },
  });
  user.name = `${first} ${last}`;
  user.picture = `https://lh3.googleusercontent.com/a/${rng.hex(20)}=s96-c`;
  return { user };
}
