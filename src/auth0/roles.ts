/**
 * Roles: list (offset; a tenant holds at most 1,000 roles), permissions (offset), members
 * (checkpoint, any number), and assigning users to a role in batches.
 */
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';
import { sendInBatches, type BatchResult } from './batch.js';
import { paginateCheckpoint, paginateOffset } from './paginate.js';

/** Users per `POST /roles/{id}/users` (Auth0 documents no maximum; 10 like organization members). */
export const ROLE_USERS_PER_CALL = 10;

export function listRoles(api: ManagementApi, o: CallOptions = {}): AsyncGenerator<Management.Role> {
  return paginateOffset(
    async (page, perPage) => {
      const p = await api.call((ro) => api.sdk.roles.list({ page, per_page: perPage, include_totals: true }, ro), o);
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /roles' },
  );
}

export function listRolePermissions(api: ManagementApi, roleId: string, o: CallOptions = {}): AsyncGenerator<Management.PermissionsResponsePayload> {
  return paginateOffset(
    async (page, perPage) => {
      const p = await api.call((ro) => api.sdk.roles.permissions.list(roleId, { page, per_page: perPage, include_totals: true }, ro), o);
      return { items: p.data, total: p.response.total };
    },
    { route: 'GET /roles/{id}/permissions' },
  );
}

/** Every user directly assigned to the role (checkpoint pagination: no 1,000 cap). */
export function listRoleUsers(api: ManagementApi, roleId: string, o: CallOptions = {}): AsyncGenerator<Management.RoleUser> {
  return paginateCheckpoint(
    async (from, take) => {
      const p = await api.call((ro) => api.sdk.roles.users.list(roleId, { from, take }, ro), o);
      return { items: p.data, next: p.response.next };
    },
    { route: 'GET /roles/{id}/users' },
  );
}

/** Assigns users to a role, ROLE_USERS_PER_CALL per request, all batches queued at once. */
export function assignRoleUsers(api: ManagementApi, roleId: string, userIds: readonly string[], o: CallOptions = {}): Promise<BatchResult> {
  return sendInBatches(userIds, ROLE_USERS_PER_CALL, (users) => api.call((ro) => api.sdk.roles.users.assign(roleId, { users }, ro), o));
}
