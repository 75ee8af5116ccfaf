/**
 * Role members, organization members and organization member roles, kept in SQLite beside
 * the users. Lists are ordered by user id (role members, org members) or role id (a user's
 * roles), so offset and checkpoint pagination are stable. Callers check that users, roles and
 * organizations exist; this layer only stores pairs.
 */
import type { Db } from './db.js';

export interface Slice {
  /** Offset mode. */
  offset?: number;
  /** Checkpoint mode: return ids strictly after this one. */
  after?: string;
  limit: number;
}

export interface MemberRow {
  user_id: string;
  /** The member's user JSON (null when the user row is missing, which callers treat as gone). */
  data: string | null;
}

export class MembershipStore {
  private readonly s;

  constructor(private readonly db: Db) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      addRole: p('INSERT OR IGNORE INTO role_members (role_id, user_id) VALUES (?, ?)'),
      removeRole: p('DELETE FROM role_members WHERE role_id = ? AND user_id = ?'),
      rolesOfUser: p('SELECT role_id FROM role_members WHERE user_id = ? ORDER BY role_id'),
      countRoleMembers: p('SELECT COUNT(*) AS n FROM role_members WHERE role_id = ?'),
      roleMembersOffset: p(
        `SELECT m.user_id, u.data FROM role_members m LEFT JOIN users u ON u.user_id = m.user_id
         WHERE m.role_id = ? ORDER BY m.user_id LIMIT ? OFFSET ?`,
      ),
      roleMembersAfter: p(
        `SELECT m.user_id, u.data FROM role_members m LEFT JOIN users u ON u.user_id = m.user_id
         WHERE m.role_id = ? AND m.user_id > ? ORDER BY m.user_id LIMIT ?`,
      ),
      addOrg: p('INSERT OR IGNORE INTO org_members (org_id, user_id) VALUES (?, ?)'),
      removeOrg: p('DELETE FROM org_members WHERE org_id = ? AND user_id = ?'),
      removeOrgRolesOfMember: p('DELETE FROM org_member_roles WHERE org_id = ? AND user_id = ?'),
      isOrgMember: p('SELECT 1 AS x FROM org_members WHERE org_id = ? AND user_id = ?'),
      orgsOfUser: p('SELECT org_id FROM org_members WHERE user_id = ? ORDER BY org_id'),
      countOrgMembers: p('SELECT COUNT(*) AS n FROM org_members WHERE org_id = ?'),
      orgMembersOffset: p(
        `SELECT m.user_id, u.data FROM org_members m LEFT JOIN users u ON u.user_id = m.user_id
         WHERE m.org_id = ? ORDER BY m.user_id LIMIT ? OFFSET ?`,
      ),
      orgMembersAfter: p(
        `SELECT m.user_id, u.data FROM org_members m LEFT JOIN users u ON u.user_id = m.user_id
         WHERE m.org_id = ? AND m.user_id > ? ORDER BY m.user_id LIMIT ?`,
      ),
      addMemberRole: p('INSERT OR IGNORE INTO org_member_roles (org_id, user_id, role_id) VALUES (?, ?, ?)'),
      removeMemberRole: p('DELETE FROM org_member_roles WHERE org_id = ? AND user_id = ? AND role_id = ?'),
      memberRoles: p('SELECT role_id FROM org_member_roles WHERE org_id = ? AND user_id = ? ORDER BY role_id'),
      deleteUser: [
        p('DELETE FROM role_members WHERE user_id = ?'),
        p('DELETE FROM org_members WHERE user_id = ?'),
        p('DELETE FROM org_member_roles WHERE user_id = ?'),
      ],
      deleteRole: [p('DELETE FROM role_members WHERE role_id = ?'), p('DELETE FROM org_member_roles WHERE role_id = ?')],
      deleteOrg: [p('DELETE FROM org_members WHERE org_id = ?'), p('DELETE FROM org_member_roles WHERE org_id = ?')],
    };
  }

  /** Single-pair inserts without their own transaction (for seeds running inside one). */
  addRoleMember(roleId: string, userId: string): void {
    this.s.addRole.run(roleId, userId);
  }

  addOrgMember(orgId: string, userId: string): void {
    this.s.addOrg.run(orgId, userId);
  }

  addMemberRole(orgId: string, userId: string, roleId: string): void {
    this.s.addMemberRole.run(orgId, userId, roleId);
  }

  addRoleMembers(roleId: string, userIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const u of userIds) this.s.addRole.run(roleId, u);
    })();
  }

  removeRoleMembers(roleId: string, userIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const u of userIds) this.s.removeRole.run(roleId, u);
    })();
  }

  rolesOfUser(userId: string): string[] {
    return (this.s.rolesOfUser.all(userId) as { role_id: string }[]).map((r) => r.role_id);
  }

  countRoleMembers(roleId: string): number {
    return (this.s.countRoleMembers.get(roleId) as { n: number }).n;
  }

  roleMembers(roleId: string, slice: Slice): MemberRow[] {
    if (slice.after !== undefined) return this.s.roleMembersAfter.all(roleId, slice.after, slice.limit) as MemberRow[];
    return this.s.roleMembersOffset.all(roleId, slice.limit, slice.offset ?? 0) as MemberRow[];
  }

  addOrgMembers(orgId: string, userIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const u of userIds) this.s.addOrg.run(orgId, u);
    })();
  }

  /** Removes members and, with them, their roles in that organization. */
  removeOrgMembers(orgId: string, userIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const u of userIds) {
        this.s.removeOrg.run(orgId, u);
        this.s.removeOrgRolesOfMember.run(orgId, u);
      }
    })();
  }

  isOrgMember(orgId: string, userId: string): boolean {
    return this.s.isOrgMember.get(orgId, userId) !== undefined;
  }

  orgsOfUser(userId: string): string[] {
    return (this.s.orgsOfUser.all(userId) as { org_id: string }[]).map((r) => r.org_id);
  }

  countOrgMembers(orgId: string): number {
    return (this.s.countOrgMembers.get(orgId) as { n: number }).n;
  }

  orgMembers(orgId: string, slice: Slice): MemberRow[] {
    if (slice.after !== undefined) return this.s.orgMembersAfter.all(orgId, slice.after, slice.limit) as MemberRow[];
    return this.s.orgMembersOffset.all(orgId, slice.limit, slice.offset ?? 0) as MemberRow[];
  }

  memberRoles(orgId: string, userId: string): string[] {
    return (this.s.memberRoles.all(orgId, userId) as { role_id: string }[]).map((r) => r.role_id);
  }

  addMemberRoles(orgId: string, userId: string, roleIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const r of roleIds) this.s.addMemberRole.run(orgId, userId, r);
    })();
  }

  removeMemberRoles(orgId: string, userId: string, roleIds: readonly string[]): void {
    this.db.transaction(() => {
      for (const r of roleIds) this.s.removeMemberRole.run(orgId, userId, r);
    })();
  }

  /** Drops every membership of a user (called when the user is deleted). */
  forgetUser(userId: string): void {
    for (const st of this.s.deleteUser) st.run(userId);
  }

  /** Drops every membership that names a deleted role. */
  forgetRole(roleId: string): void {
    for (const st of this.s.deleteRole) st.run(roleId);
  }

  /** Drops every membership of a deleted organization. */
  forgetOrganization(orgId: string): void {
    for (const st of this.s.deleteOrg) st.run(orgId);
  }
}
