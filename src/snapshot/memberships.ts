/**
 * Memberships that neither the user export nor deploy-cli captures: role members and
 * organization members with their organization roles. Yielded record by record (NDJSON rows),
 * each naming both the source id and the name, so restore can translate ids by name.
 */
import type { IdMap, TenantReader } from './types.js';

export interface RoleMemberRecord {
  role_id: string;
  role_name: string;
  user_id: string;
  email?: string;
}

export interface OrgMemberRecord {
  org_id: string;
  org_name: string;
  user_id: string;
  email?: string;
  roles: { id: string; name: string }[];
}

export async function* roleMemberRecords(reader: TenantReader, idMap: IdMap, signal: AbortSignal): AsyncGenerator<RoleMemberRecord> {
  for (const role of idMap.roles) {
    for await (const m of reader.listRoleMembers(role.id, signal)) {
      yield { role_id: role.id, role_name: role.name, user_id: m.user_id, ...(m.email ? { email: m.email } : {}) };
    }
  }
}

export async function* orgMemberRecords(reader: TenantReader, idMap: IdMap, signal: AbortSignal): AsyncGenerator<OrgMemberRecord> {
  for (const org of idMap.organizations) {
    for await (const m of reader.listOrgMembers(org.id, signal)) {
      const roles = await reader.listOrgMemberRoles(org.id, m.user_id, signal);
      yield {
        org_id: org.id,
        org_name: org.name,
        user_id: m.user_id,
        ...(m.email ? { email: m.email } : {}),
        roles: roles.map((r) => ({ id: r.id, name: r.name })),
      };
    }
  }
}
