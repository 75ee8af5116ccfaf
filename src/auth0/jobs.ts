/**
 * Bulk user jobs.
 * - Export: `POST /jobs/users-exports` (NDJSON, optionally gzip), then poll `GET /jobs/{id}`
 *   and download `location` with `ManagementApi.download` (a storage URL valid 60 s).
 * - Import: `POST /jobs/users-imports` (multipart, ≤ 500 KB file, at most 2 running per tenant).
 *   Sent with `retry: 'rate-limit'`: a 5xx is not retried blindly (the job may have been
 *   created); the caller decides, using `external_id` to find it. A 429 for "2 active import
 *   jobs" fails at once (ManagementApiError, status 429) so the caller can wait for a slot.
 *   `send_completion_email` defaults to false (Auth0's default would mail every tenant admin).
 * - Errors: `GET /jobs/{id}/errors`: an array of failed users (200), or none (204 → []).
 * Job reads default to priority 'polling' so they never starve behind a membership backlog.
 */
import type { Readable } from 'node:stream';
import type { Management } from 'auth0';
import type { CallOptions, ManagementApi } from './client.js';

export interface ExportField {
  name: string;
  export_as?: string;
}

export interface CreateExportOptions extends CallOptions {
  /** Omit to export the users of every connection. */
  connectionId?: string;
  format?: 'json' | 'csv';
  fields?: ExportField[];
  limit?: number;
}

export function createUsersExport(api: ManagementApi, opts: CreateExportOptions = {}): Promise<Management.CreateExportUsersResponseContent> {
  const req: Management.CreateExportUsersRequestContent = {
    format: opts.format ?? 'json',
    ...(opts.connectionId ? { connection_id: opts.connectionId } : {}),
    ...(opts.fields ? { fields: opts.fields } : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
  };
  return api.call((ro) => api.sdk.jobs.usersExports.create(req, ro), opts);
}

export function getJob(api: ManagementApi, jobId: string, o: CallOptions = {}): Promise<Management.GetJobResponseContent> {
  return api.call((ro) => api.sdk.jobs.get(jobId, ro), { priority: 'polling', ...o });
}

export interface CreateImportOptions extends CallOptions {
  /** A JSON array of users: a buffer, or a stream (the SDK reads it into memory: ≤ 500 KB). */
  users: Uint8Array | Blob | Readable;
  connectionId: string;
  upsert?: boolean;
  externalId?: string;
  sendCompletionEmail?: boolean;
}

export function createUsersImport(api: ManagementApi, opts: CreateImportOptions): Promise<Management.CreateImportUsersResponseContent> {
  const req: Management.CreateImportUsersRequestContent = {
    users: { data: opts.users, filename: 'users.json', contentType: 'application/json' },
    connection_id: opts.connectionId,
    upsert: opts.upsert ?? false,
    send_completion_email: opts.sendCompletionEmail ?? false,
    ...(opts.externalId ? { external_id: opts.externalId } : {}),
  };
  return api.call((ro) => api.sdk.jobs.usersImports.create(req, ro), { retry: 'rate-limit', ...opts });
}

export interface ImportUserError {
  user?: Record<string, unknown>;
  errors?: { code?: string; message?: string; path?: string }[];
}

/** Per-user errors of an import job; [] when Auth0 answers 204 (no errors). */
export async function getJobErrors(api: ManagementApi, jobId: string, o: CallOptions = {}): Promise<ImportUserError[]> {
  const body = await api.call((ro) => api.sdk.jobs.errors.get(jobId, ro), { priority: 'polling', ...o });
  if (body === undefined || body === null) return [];
  if (Array.isArray(body)) return body as ImportUserError[];
  // the job-object form (OAS oneOf): a job-level problem, not per-user errors
  return [{ errors: [{ code: 'JOB', message: String((body as { status_details?: unknown }).status_details ?? body.status) }] }];
}
