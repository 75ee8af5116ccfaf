/**
 * User seeds. `seedUsers` adds N generated users (fast path for big tenants: batched
 * transactions, prepared statements) spread over the tenant's database connections, with role
 * memberships and organization memberships + member roles drawn from the roles and
 * organizations present in the ConfigStore. `seedDemoUsers` adds ~1,000 realistic users,
 * including social users when a social connection exists.
 *
 * Deterministic: same seed + same count + same configuration → identical users and
 * memberships (see seed-data.ts). Throws when the tenant has no database connection.
 */
import type { ConfigStore, Rec } from '../contract.js';
import { Prng, hashString } from './prng.js';
import { generateDatabaseUser, generateSocialUser, type GenerateContext, type Generated } from './seed-data.js';
import type { NewUserRow, SqliteUserStore } from './store.js';
import { isDatabaseStrategy, isSocialStrategy } from './user-model.js';

export interface SeedUsersOptions {
  count: number;
  seed: string | number;
  /** Users per transaction (default 20,000). */
  batchSize?: number;
  /** Called after each batch with the number of users written so far. */
  onProgress?: (done: number) => void;
  /** Share of users given a role (default 0.3). */
  roleRate?: number;
  /** Share of users made members of an organization (default 0.15). */
  orgRate?: number;
}

export interface SeedSummary {
  users: number;
  roleMembers: number;
  orgMembers: number;
  orgMemberRoles: number;
}

const BULK_THRESHOLD = 50_000;

interface Conn {
  id: string;
  name: string;
  strategy: string;
}

function connectionsOf(config: ConfigStore, pred: (strategy: unknown) => boolean): Conn[] {
  return config
    .list('connections')
    .filter((c) => pred(c.strategy))
    .map((c) => ({ id: String(c.id), name: String(c.name), strategy: String(c.strategy) }));
}

function ids(list: readonly Rec[]): string[] {
  return list.map((r) => String(r.id));
}

class MembershipDrawer {
  readonly summary: SeedSummary = { users: 0, roleMembers: 0, orgMembers: 0, orgMemberRoles: 0 };
  constructor(
    private readonly store: SqliteUserStore,
    private readonly roles: string[],
    private readonly orgs: string[],
    private readonly roleRate: number,
    private readonly orgRate: number,
  ) {}

  /** Draws memberships for one user; always consumes the same draws for the same outcomes. */
  draw(rng: Prng, userId: string): void {
    const m = this.store.memberships;
    if (this.roles.length > 0 && rng.chance(this.roleRate)) {
      const first = rng.pick(this.roles);
      m.addRoleMember(first, userId);
      this.summary.roleMembers++;
      if (rng.chance(0.15)) {
        const second = rng.pick(this.roles);
        if (second !== first) {
          m.addRoleMember(second, userId);
          this.summary.roleMembers++;
        }
      }
    }
    if (this.orgs.length > 0 && rng.chance(this.orgRate)) {
      const org = rng.pick(this.orgs);
      m.addOrgMember(org, userId);
      this.summary.orgMembers++;
      if (this.roles.length > 0 && rng.chance(0.5)) {
        m.addMemberRole(org, userId, rng.pick(this.roles));
        this.summary.orgMemberRoles++;
      }
    }
  }
}

/** Adds `count` generated users deterministically; returns what was written. */
export function seedUsers(store: SqliteUserStore, config: ConfigStore, options: SeedUsersOptions): SeedSummary {
  const databases = connectionsOf(config, isDatabaseStrategy);
  if (databases.length === 0) throw new Error('seedUsers: the tenant has no database connection');
  const rng = new Prng(`users:${options.seed}`);
  const tag = `.${(hashString(String(options.seed)) % 46656).toString(36).padStart(3, '0')}`;
  const drawer = new MembershipDrawer(
    store,
    ids(config.list('roles')),
    ids(config.list('organizations')),
    options.roleRate ?? 0.3,
    options.orgRate ?? 0.15,
  );
  const batchSize = options.batchSize ?? 20_000;
  const offset = store.count();
  let done = 0;
  const load = () => {
    while (done < options.count) {
    const n = Math.min(batchSize, options.count - done);
      store.transaction(() => {
        for (let i = 0; i < n; i++) {
          // 80 % in the first database connection, the rest spread over the others.
          const conn = databases.length === 1 || rng.chance(0.8) ? databases[0]! : rng.pick(databases.slice(1));
          const ctx: GenerateContext = { connection: conn, tag, createdStepMs: 20_000 };
          const g = generateDatabaseUser(rng, offset + done + i, ctx);
          store.insert(toRow(g, conn));
          drawer.draw(rng, g.user.user_id);
        }
      });
      done += n;
      drawer.summary.users = done;
      options.onProgress?.(done);
    }
  };
  // Large seeds load without secondary indexes and build them once at the end.
  if (options.count >= BULK_THRESHOLD) store.bulkLoad(load);
  else load();
  return drawer.summary;
}

export interface SeedDemoOptions {
  seed?: string | number;
  /** Default 1,000. */
  count?: number;
}

/**
 * ~1,000 realistic users: mostly database users, ~5 % social users (when the tenant has a
 * social connection such as google-oauth2), ~2 % blocked, some with phone numbers, all with
 * metadata; 40 % with a role, 30 % in an organization (with member roles).
 */
export function seedDemoUsers(store: SqliteUserStore, config: ConfigStore, options: SeedDemoOptions = {}): SeedSummary {
  const databases = connectionsOf(config, isDatabaseStrategy);
  const socials = connectionsOf(config, isSocialStrategy);
  if (databases.length === 0) throw new Error('seedDemoUsers: the tenant has no database connection');
  const rng = new Prng(`demo:${options.seed ?? 'demo'}`);
  const count = options.count ?? 1000;
  const drawer = new MembershipDrawer(store, ids(config.list('roles')), ids(config.list('organizations')), 0.4, 0.3);
  const offset = store.count();
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const social = socials.length > 0 && rng.chance(0.05);
      const conn = social ? rng.pick(socials) : rng.pick(databases);
      const ctx: GenerateContext = { connection: conn, tag: '', createdStepMs: 3_600_000 };
      const g = social ? generateSocialUser(rng, offset + i, ctx) : generateDatabaseUser(rng, offset + i, ctx);
      if (!social && rng.chance(0.02)) g.user.blocked = true;
      store.insert(toRow(g, conn));
      drawer.draw(rng, g.user.user_id);
    }
  });
  drawer.summary.users = count;
  return drawer.summary;
}

function toRow(g: Generated, conn: Conn): NewUserRow {
  return g.secret ? { user: g.user, connectionId: conn.id, secret: g.secret } : { user: g.user, connectionId: conn.id };
}
