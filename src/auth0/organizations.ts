/**
 * Organizations: list and members (checkpoint, no 1,000 cap), a member's roles (offset; at most
 * 50 per member), adding members (Auth0 allows 10 per request) and assigning member roles.
 */
import type { Management } from 'auth0';
import { sendInBatches, type BatchResult } from './batch.js';
import type { CallOptions, ManagementApi } from './client.js';
import { paginateCheckpoint, paginateOffset } from './paginate.js';

/** Auth0's maximum for `POST /organizations/{id}/members`. */
export const ORG_MEMBERS_PER_CALL = 10;

export function listOrganizations(api: ManagementApi, o: CallOptions = {}): AsyncGenerator<Management.Organization> {
  return paginateCheckpoint(
    async (from, take) => {
      const p = await api.call((ro) => api.sdk.organizations.list({ from, take }, ro), o);
      return { items: p.data, next: p.response.next };
    },
    { route: 'GET /organizations' },
  );
}

export function listOrganizationMembers(
  api: ManagementApi,
  orgId: string,
  o: CallOptions & { fields?: string } = {},
): AsyncGenerator<Management.OrganizationMember> {
  return paginateCheckpoint(
    async (from, take) => {
      const req = { from, take, ...(o.fields ? { fields: o.fields, include_fields: true } : {}) };
      const p = await api.call((ro) => api.sdk.organizations.members.list(orgId, req, ro), o);
      return { items: p.data, next: p.response.next };
    },
    { route: 'GET /organizations/{id}/members' },
  );
}

export function listMemberRoles(api: ManagementApi, orgId: string, userId: string, o: CallOptions = {}): AsyncGenerator<Management.Role> {
  return paginateOffset(
    async (page, perPage) => {
      const p = await api.call(
        (ro) => api.sdk.organizations.members.roles.list(orgId, userId, { page, per_page: perPage, include_totals: true }, ro),
        o,
      );
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /organizations/{id}/members/{id}/roles' },
  );
}

/** Adds members ORG_MEMBERS_PER_CALL per request, all batches queued at once. */
export function addOrganizationMembers(api: ManagementApi, orgId: string, userIds: readonly string[], o: CallOptions = {}): Promise<BatchResult> {
  return sendInBatches(userIds, ORG_MEMBERS_PER_CALL, (members) => api.call((ro) => api.sdk.organizations.members.create(orgId, { members }, ro), o));
}

/** Assigns organization roles to one member (Auth0 allows at most 50 roles per member). */
export async function assignMemberRoles(api: ManagementApi, orgId: string, userId: string, roleIds: readonly string[], o: CallOptions = {}): Promise<void> {
  if (roleIds.length === 0) return;
  await api.call((ro) => api.sdk.organizations.members.roles.assign(orgId, userId, { roles: [...roleIds] }, ro), o);
}
