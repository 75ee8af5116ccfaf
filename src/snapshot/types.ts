/**
 * What the snapshot engine needs from the outside world, as small interfaces. `cli/wiring.ts`
 * adapts the Management API layer (src/auth0), deploy-cli (src/deploy-cli) and the archive
 * writer (src/archive) to them; tests pass fakes.
 */
import type { Readable } from 'node:stream';
import type { ExportField } from '../auth0/jobs.js';

export interface NamedRef {
  id: string;
  name: string;
}

/** name → id in the source tenant, per resource type, so restore can translate references. */
export interface IdMap {
  roles: NamedRef[];
  organizations: NamedRef[];
  connections: (NamedRef & { strategy: string })[];
  clients: NamedRef[];
  resourceServers: (NamedRef & { identifier: string })[];
}

export interface ExportJob {
  id: string;
  status: string;
  location?: string;
  percentageDone?: number;
  timeLeftSeconds?: number;
  statusDetails?: string;
}

/** A field of a bulk export request (the API layer's type). */
export type { ExportField } from '../auth0/jobs.js';

export interface RoleMember {
  user_id: string;
  email?: string;
}

export interface OrgMember {
  user_id: string;
  email?: string;
}

/** Read access to the tenant being backed up. Every call honours the signal. */
export interface TenantReader {
  readonly domain: string;
  readIdMap(signal: AbortSignal): Promise<IdMap>;
  listRoleMembers(roleId: string, signal: AbortSignal): AsyncIterable<RoleMember>;
  listOrgMembers(orgId: string, signal: AbortSignal): AsyncIterable<OrgMember>;
  listOrgMemberRoles(orgId: string, userId: string, signal: AbortSignal): Promise<NamedRef[]>;
  createUsersExport(fields: ExportField[], signal: AbortSignal): Promise<ExportJob>;
  getJob(jobId: string, signal: AbortSignal): Promise<ExportJob>;
  /**
   * Opens the export file at `location` from byte `offset`. Resolves `expired` when the signed
   * URL no longer works (the caller re-reads the job for a fresh one).
   */
  openDownload(location: string, offset: number, signal: AbortSignal): Promise<{ expired: true } | { expired: false; stream: Readable; fromOffset: number }>;
}

/** Dumps the tenant configuration (deploy-cli yaml) into a folder. */
export interface ConfigDumper {
  dump(folder: string, options: { exportSecrets: boolean; signal: AbortSignal }): Promise<void>;
}
