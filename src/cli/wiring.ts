/**
 * The only place that builds concrete backends: storage (with the retrying decorator), the
 * Management API client (rate-limit-aware queue), deploy-cli, and the adapters the engines
 * take. It reads nothing from the environment itself: cli/options.ts does that.
 */
import { systemClock, type Clock } from '../core/abort.js';
import type { ProgressReporter } from '../core/progress.js';
import { openStorage } from '../storage/registry.js';
import { RetryingBackend } from '../storage/retrying.js';
import type { StorageBackend } from '../storage/backend.js';
import { ManagementApi } from '../auth0/client.js';
import { isClientCredentials, type Credentials } from '../auth0/credentials.js';
import { ManagementApiError } from '../auth0/errors.js';
import { createUsersExport, getJob } from '../auth0/jobs.js';
import { listRoles, listRoleUsers } from '../auth0/roles.js';
import { listMemberRoles, listOrganizationMembers, listOrganizations } from '../auth0/organizations.js';
import { listConnections } from '../auth0/connections.js';
import { listClients } from '../auth0/clients.js';
import { listResourceServers } from '../auth0/resource-servers.js';
import { runDeployCli } from '../deploy-cli/run.js';
import type { DeployCliCredentials } from '../deploy-cli/types.js';
import type { ConfigDumper, ExportJob, IdMap, TenantReader } from '../snapshot/types.js';
import { Readable } from 'node:stream';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../storage/local.js';
import { runSnapshot } from '../snapshot/index.js';
import { loadSnapshot } from '../restore/snapshot-state.js';
import type { ConfigDeployer, RestoreTarget } from '../restore/index.js';

export interface StorageWiring {
  gcsEndpoint?: string;
  progress: ProgressReporter;
  clock?: Clock;
}

export function createStorage(location: string, w: StorageWiring): StorageBackend {
  const inner = openStorage(location, { gcsEndpoint: w.gcsEndpoint, cwd: process.cwd(), clock: w.clock });
  return new RetryingBackend(inner, { clock: w.clock ?? systemClock, progress: w.progress });
}

export interface ApiWiring {
  progress: ProgressReporter;
  signal: AbortSignal;
  apiBudget?: number;
  maxRps?: number;
}

export function createApi(credentials: Credentials, w: ApiWiring): ManagementApi {
  return new ManagementApi({
    credentials,
    progress: w.progress,
    signal: w.signal,
    queue: { apiBudget: w.apiBudget, maxRps: w.maxRps },
  });
}

function jobOf(j: { id?: string; status?: string; location?: string; percentage_done?: number; time_left_seconds?: number; status_details?: string }): ExportJob {
  return {
    id: j.id ?? '',
    status: j.status ?? 'unknown',
    location: j.location,
    percentageDone: j.percentage_done,
    timeLeftSeconds: j.time_left_seconds,
    statusDetails: j.status_details,
  };
}

async function collect<T, R>(items: AsyncIterable<T>, map: (t: T) => R | undefined): Promise<R[]> {
  const out: R[] = [];
  for await (const item of items) {
    const r = map(item);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** Adapts the Management API layer to what the snapshot engine reads. */
export function createTenantReader(api: ManagementApi): TenantReader {
  return {
    domain: api.domain,
    async readIdMap(signal): Promise<IdMap> {
      const o = { signal, priority: 'background' as const };
      return {
        roles: await collect(listRoles(api, o), (r) => (r.id && r.name ? { id: r.id, name: r.name } : undefined)),
        organizations: await collect(listOrganizations(api, o), (r) => (r.id && r.name ? { id: r.id, name: r.name } : undefined)),
        connections: await collect(listConnections(api, o), (c) => (c.id && c.name ? { id: c.id, name: c.name, strategy: String(c.strategy ?? '') } : undefined)),
        clients: await collect(listClients(api, { ...o, fields: 'client_id,name' }), (c) => (c.client_id && c.name ? { id: c.client_id, name: c.name } : undefined)),
        resourceServers: await collect(listResourceServers(api, o), (r) =>
          r.id && r.identifier ? { id: r.id, name: r.name ?? r.identifier, identifier: r.identifier } : undefined,
        ),
      };
    },
    async *listRoleMembers(roleId, signal) {
      for await (const u of listRoleUsers(api, roleId, { signal, priority: 'background' })) {
        if (u.user_id) yield { user_id: u.user_id, ...(u.email ? { email: u.email } : {}) };
      }
    },
    async *listOrgMembers(orgId, signal) {
      for await (const m of listOrganizationMembers(api, orgId, { signal, priority: 'background' })) {
        if (m.user_id) yield { user_id: m.user_id, ...(m.email ? { email: m.email } : {}) };
      }
    },
    listOrgMemberRoles: (orgId, userId, signal) =>
      collect(listMemberRoles(api, orgId, userId, { signal, priority: 'background' }), (r) => (r.id && r.name ? { id: r.id, name: r.name } : undefined)),
    async createUsersExport(fields, signal) {
      return jobOf(await createUsersExport(api, { fields, format: 'json', signal }));
    },
    async getJob(jobId, signal) {
      return jobOf(await getJob(api, jobId, { signal }));
    },
    async openDownload(location, offset, signal) {
      let res: Response;
      try {
        res = await api.download(location, signal, offset);
      } catch (err) {
        // a signed URL past its 60 s answers 403 (or 400/401/410 on some stores): get a fresh one
        if (err instanceof ManagementApiError && err.status !== undefined && [400, 401, 403, 410].includes(err.status)) return { expired: true };
        throw err;
      }
      if (!res.body) throw new ManagementApiError({ route: 'GET export file', status: res.status, apiMessage: 'empty body' });
      return { expired: false, stream: Readable.fromWeb(res.body as never), fromOffset: res.status === 206 ? offset : 0 };
    },
  };
}

export function deployCliCredentials(credentials: Credentials): DeployCliCredentials {
  return isClientCredentials(credentials)
    ? { domain: credentials.domain, clientId: credentials.clientId, clientSecret: credentials.clientSecret.reveal() }
    : { domain: credentials.domain, accessToken: credentials.accessToken.reveal() };
}

export function createConfigDumper(credentials: Credentials, progress: ProgressReporter): ConfigDumper {
  return {
    dump: (folder, o) =>
      runDeployCli(
        { kind: 'dump', credentials: deployCliCredentials(credentials), outputFolder: folder, exportSecrets: o.exportSecrets, apiMaxRetries: 5 },
        { signal: o.signal, progress },
      ),
  };
}

/** Applies config through deploy-cli in its child process (always with AUTH0_CLIENT_ID: worker.ts). */
export function createConfigDeployer(credentials: Credentials, progress: ProgressReporter): ConfigDeployer {
  return {
    deploy: (o) =>
      runDeployCli(
        {
          kind: 'deploy',
          credentials: deployCliCredentials(credentials),
          inputFile: o.inputFile,
          allowDelete: o.allowDelete,
          ...(o.includedOnly ? { includedOnly: o.includedOnly } : {}),
          keywordMappings: o.keywordMappings,
          apiMaxRetries: 5,
        },
        { signal: o.signal, progress },
      ),
  };
}

/**
 * The restore target: the API, a reader, deploy-cli, and `capture`, which snapshots the target
 * into a private temp folder (local storage) and opens it like any snapshot; `close()` removes it.
 */
export function createRestoreTarget(credentials: Credentials, api: ManagementApi, progress: ProgressReporter, tool: { name: string; version: string }): RestoreTarget {
  const reader = createTenantReader(api);
  return {
    domain: api.domain,
    api,
    reader,
    deployer: createConfigDeployer(credentials, progress),
    async capture(signal) {
      const dir = await mkdtemp(path.join(tmpdir(), 'a0vault-target-'));
      try {
        const storage = new LocalBackend({ root: dir, location: `target state of ${api.domain}` });
        const r = await runSnapshot({ reader, dumper: createConfigDumper(credentials, progress), storage, prefix: '', clock: systemClock, progress, signal, tool });
        const loaded = await loadSnapshot(storage, r.manifestKey, signal);
        return {
          ...loaded,
          close: () => {
            loaded.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    },
  };
}
