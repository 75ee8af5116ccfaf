/**
 * Management API routes for memberships: a user's roles and organizations, a role's users
 * (offset with the 1,000-record cap, or checkpoint), organization members (offset or
 * checkpoint; at most 10 members per add/remove call) and organization member roles (at most
 * 50 per member → 409). Roles and organizations are looked up in the ConfigStore; users and the
 * membership pairs live in the user store.
 */
import type { ConfigStore, Rec } from '../contract.js';
import { ApiError, type EmuRequest, type RouteDef } from '../http/types.js';
import { orgNotFound, roleNotFound, rolesNotFound, userNotFound, usersNotFound } from './errors.js';
import type { MemberRow } from './membership-store.js';
import {
  assertWithinCap,
  checkpointParams,
  encodeCursor,
  isCheckpoint,
  MEMBERS_PAGING_MESSAGE,
  offsetBody,
  offsetParams,
} from './paging.js';
import type { SqliteUserStore } from './store.js';
import { projectFields } from './user-model.js';
import { descriptions, memberRolesBody, orgMembersBody, roleUsersBody, userRolesBody } from './user-schemas.js';
import { assertBody } from './validate.js';

/** Entity limit: role assignments per organization member. */
export const MAX_MEMBER_ROLES = 50;

function pick(rec: Rec, keys: readonly string[]): Rec {
  const out: Rec = {};
  for (const k of keys) if (rec[k] !== undefined) out[k] = rec[k];
  return out;
}

const MEMBER_KEYS = ['user_id', 'picture', 'name', 'email'] as const;
const ROLE_KEYS = ['id', 'name', 'description'] as const;
const ORG_KEYS = ['id', 'name', 'display_name', 'branding', 'metadata', 'token_quota'] as const;

function memberItems(rows: MemberRow[]): Rec[] {
  return rows.filter((r) => r.data !== null).map((r) => pick(JSON.parse(r.data as string) as Rec, MEMBER_KEYS));
}

/** Lists membership rows in offset or checkpoint mode and shapes the body like Auth0. */
function listMembers(
  req: EmuRequest,
  key: string,
  total: () => number,
  fetch: (slice: { offset?: number; after?: string; limit: number }) => MemberRow[],
  decorate: (items: Rec[]) => Rec[] = (i) => i,
): unknown {
  if (isCheckpoint(req.query)) {
    const cp = checkpointParams(req.query);
    const rows = fetch(cp.after === undefined ? { offset: 0, limit: cp.take + 1 } : { after: cp.after, limit: cp.take + 1 });
    const page = rows.slice(0, cp.take);
    const body: Rec = { [key]: decorate(memberItems(page)) };
    if (rows.length > cp.take && page.length > 0) body.next = encodeCursor(page[page.length - 1]!.user_id);
    return body;
  }
  const p = offsetParams(req.query, 1, 1000);
  assertWithinCap(p, MEMBERS_PAGING_MESSAGE);
  const items = decorate(memberItems(fetch({ offset: p.page * p.perPage, limit: p.perPage })));
  return offsetBody(key, items, p, p.includeTotals ? total() : 0);
}

function offsetList(req: EmuRequest, key: string, all: Rec[], maxPage?: number): unknown {
  const p = offsetParams(req.query, 1, maxPage);
  const items = all.slice(p.page * p.perPage, (p.page + 1) * p.perPage);
  return offsetBody(key, items, p, all.length);
}

export function membershipRoutes(store: SqliteUserStore, config: ConfigStore): RouteDef[] {
  store.watch(config);
  const m = store.memberships;
  const requireUser = (id: string | undefined) => {
    if (!id || !store.get(id)) throw userNotFound();
    return id;
  };
  const requireRole = (id: string | undefined) => {
    const role = id ? config.get('roles', id) : undefined;
    if (!role) throw roleNotFound();
    return role;
  };
  const requireOrg = (id: string | undefined) => {
    const org = id ? config.get('organizations', id) : undefined;
    if (!org) throw orgNotFound();
    return String(org.id);
  };
  const requireRoles = (ids: string[]) => {
    if (ids.some((r) => !config.get('roles', r))) throw rolesNotFound();
  };
  const roleItems = (ids: string[]) =>
    ids.map((id) => config.get('roles', id)).filter((r): r is Rec => r !== undefined).map((r) => pick(r, ROLE_KEYS));

  return [
    {
      method: 'GET',
      pattern: '/users/:id/roles',
      scopes: ['read:users', 'read:roles', 'read:role_members'],
      handler: (req) => {
        const id = requireUser(req.params.id);
        return { status: 200, body: offsetList(req, 'roles', roleItems(m.rolesOfUser(id))) };
      },
    },
    {
      method: 'POST',
      pattern: '/users/:id/roles',
      scopes: ['update:users', 'create:role_members'],
      handler: (req) => {
        assertBody(userRolesBody, req.body, descriptions);
        const id = requireUser(req.params.id);
        const roles = (req.body as { roles: string[] }).roles;
        requireRoles(roles);
        store.transaction(() => {
          for (const r of roles) m.addRoleMembers(r, [id]);
        });
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/users/:id/roles',
      scopes: ['update:users', 'delete:role_members'],
      handler: (req) => {
        assertBody(userRolesBody, req.body, descriptions);
        const id = requireUser(req.params.id);
        store.transaction(() => {
          for (const r of (req.body as { roles: string[] }).roles) m.removeRoleMembers(r, [id]);
        });
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:id/organizations',
      scopes: ['read:organizations'],
      handler: (req) => {
        const id = requireUser(req.params.id);
        const orgs = m
          .orgsOfUser(id)
          .map((o) => config.get('organizations', o))
          .filter((o): o is Rec => o !== undefined)
          .map((o) => pick(o, ORG_KEYS));
        return { status: 200, body: offsetList(req, 'organizations', orgs, 1000) };
      },
    },
    {
      method: 'GET',
      pattern: '/roles/:id/users',
      scopes: ['read:users', 'read:roles', 'read:role_members'],
      handler: (req) => {
        const roleId = String(requireRole(req.params.id).id);
        const body = listMembers(
          req,
          'users',
          () => m.countRoleMembers(roleId),
          (slice) => m.roleMembers(roleId, slice),
        );
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      pattern: '/roles/:id/users',
      scopes: ['update:roles', 'create:role_members'],
      handler: (req) => {
        const roleId = String(requireRole(req.params.id).id);
        assertBody(roleUsersBody, req.body, descriptions);
        const users = (req.body as { users: string[] }).users;
        if (users.some((u) => !store.get(u))) throw usersNotFound();
        m.addRoleMembers(roleId, users);
        return { status: 200, body: {} };
      },
    },
    ...orgMemberRoutes(store, config, { requireOrg, requireUser, requireRoles, roleItems }),
  ];
}

interface Lookups {
  requireOrg: (id: string | undefined) => string;
  requireUser: (id: string | undefined) => string;
  requireRoles: (ids: string[]) => void;
  roleItems: (ids: string[]) => Rec[];
}

function orgMemberRoutes(store: SqliteUserStore, _config: ConfigStore, l: Lookups): RouteDef[] {
  const m = store.memberships;
  return [
    {
      method: 'GET',
      pattern: '/organizations/:id/members',
      scopes: ['read:organization_members'],
      bucket: 'org-members:read',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        const fields = req.query.get('fields');
        const withRoles =
          fields !== null && fields.split(',').map((f) => f.trim()).includes('roles') && req.query.get('include_fields') !== 'false';
        if (withRoles && !req.scopes.has('read:organization_member_roles')) {
          throw new ApiError(403, 'Insufficient scope, expected any of: read:organization_member_roles', 'insufficient_scope');
        }
        const decorate = (items: Rec[]) =>
          items.map((item) => {
            const full = withRoles
              ? { ...item, roles: l.roleItems(m.memberRoles(orgId, String(item.user_id))).map((r) => pick(r, ['id', 'name'])) }
              : item;
            return projectFields(full, fields, req.query.get('include_fields'));
          });
        const body = listMembers(req, 'members', () => m.countOrgMembers(orgId), (s) => m.orgMembers(orgId, s), decorate);
        return { status: 200, body };
      },
    },
    {
      method: 'POST',
      pattern: '/organizations/:id/members',
      scopes: ['create:organization_members'],
      bucket: 'org-members:write',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        assertBody(orgMembersBody, req.body, descriptions);
        const members = (req.body as { members: string[] }).members;
        if (members.some((u) => !store.get(u))) throw new ApiError(400, 'One or more of the users do not exist.', 'invalid_body');
        m.addOrgMembers(orgId, members);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/organizations/:id/members',
      scopes: ['delete:organization_members'],
      bucket: 'org-members:write',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        assertBody(orgMembersBody, req.body, descriptions);
        m.removeOrgMembers(orgId, (req.body as { members: string[] }).members);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/organizations/:id/members/:user_id/roles',
      scopes: ['read:organization_member_roles'],
      bucket: 'org-member-roles:read',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        const userId = l.requireUser(req.params.user_id);
        return { status: 200, body: offsetList(req, 'roles', l.roleItems(m.memberRoles(orgId, userId)), 1000) };
      },
    },
    {
      method: 'POST',
      pattern: '/organizations/:id/members/:user_id/roles',
      scopes: ['create:organization_member_roles'],
      bucket: 'org-member-roles:write',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        assertBody(memberRolesBody, req.body, descriptions);
        const userId = l.requireUser(req.params.user_id);
        if (!m.isOrgMember(orgId, userId)) {
          throw new ApiError(400, 'The user is not a member of the organization.', 'invalid_body');
        }
        const roles = (req.body as { roles: string[] }).roles;
        l.requireRoles(roles);
        const after = new Set([...m.memberRoles(orgId, userId), ...roles]);
        if (after.size > MAX_MEMBER_ROLES) {
          throw new ApiError(409, 'No more roles can be assigned to this organization member.');
        }
        m.addMemberRoles(orgId, userId, roles);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/organizations/:id/members/:user_id/roles',
      scopes: ['delete:organization_member_roles'],
      bucket: 'org-member-roles:write',
      handler: (req) => {
        const orgId = l.requireOrg(req.params.id);
        assertBody(memberRolesBody, req.body, descriptions);
        m.removeMemberRoles(orgId, req.params.user_id ?? '', (req.body as { roles: string[] }).roles);
        return { status: 204 };
      },
    },
  ];
}
