/**
 * Job records held by the job service, and their public (`GET /jobs/{id}`) shapes.
 *
 * Export: pending → processing → completed | failed. Import: pending → processing →
 * completed | failed (a job only fails for job-level problems such as an unparsable file or an
 * injected fault; per-user problems are counted in `summary.failed`).
 */
import type { Rec } from '../contract.js';
import { randomBytes } from 'node:crypto';

export type JobStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface ExportField {
  name: string;
  export_as?: string;
}

interface JobBase {
  id: string;
  status: JobStatus;
  /** ms since epoch on the tenant clock. */
  createdAt: number;
  connectionId?: string;
  connectionName?: string;
  statusDetails?: string;
  /** Decided at creation (fault injection): the job ends `failed` with this detail. */
  failWith?: string;
}

export interface ExportJob extends JobBase {
  type: 'users_export';
  format: 'json' | 'csv';
  limit?: number;
  fields?: ExportField[];
  /** Absolute path of the finished gzip file, once generated. */
  file?: string;
  fileName?: string;
  generation?: 'running' | 'done' | 'error';
  rowsDone: number;
  rowsTotal: number;
}

export interface ImportError {
  user: unknown;
  errors: { code: string; message: string; path?: string }[];
}

export interface ImportJob extends JobBase {
  type: 'users_import';
  connectionId: string;
  connectionName: string;
  strategy: string;
  upsert: boolean;
  externalId?: string;
  sendCompletionEmail: boolean;
  /** The raw users file until it is parsed. */
  file?: Buffer;
  users?: unknown[];
  processed: number;
  /** Keys seen earlier in this file (duplicates inside one file are errors). */
  seen: { emails: Set<string>; userIds: Set<string>; usernames: Set<string> };
  startedAt?: number;
  summary: { failed: number; updated: number; inserted: number; total: number };
  errors: ImportError[];
}

export type Job = ExportJob | ImportJob;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `job_` + 16 alphanumerics. */
export function newJobId(): string {
  const bytes = randomBytes(16);
  let s = 'job_';
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

export function isActiveImport(job: Job): boolean {
  return job.type === 'users_import' && (job.status === 'pending' || job.status === 'processing');
}

/** Fields common to both job kinds, in the order Auth0 sends them. */
function head(job: Job): Rec {
  const out: Rec = { type: job.type, status: job.status };
  if (job.connectionId !== undefined) out.connection_id = job.connectionId;
  return out;
}

export function exportView(job: ExportJob, extras: Rec): Rec {
  const out = head(job);
  out.format = job.format;
  if (job.limit !== undefined) out.limit = job.limit;
  if (job.fields !== undefined) out.fields = job.fields;
  Object.assign(out, extras);
  // `connection` is required by the document; for an all-connections export it is empty.
  out.connection = job.connectionName ?? '';
  out.created_at = new Date(job.createdAt).toISOString();
  out.id = job.id;
  if (job.status === 'failed' && job.statusDetails !== undefined) out.status_details = job.statusDetails;
  return out;
}

export function importView(job: ImportJob, extras: Rec = {}): Rec {
  const out = head(job);
  Object.assign(out, extras);
  if (job.status === 'completed') out.summary = { ...job.summary };
  out.connection = job.connectionName;
  out.created_at = new Date(job.createdAt).toISOString();
  out.id = job.id;
  if (job.externalId !== undefined) out.external_id = job.externalId;
  if (job.status === 'failed' && job.statusDetails !== undefined) out.status_details = job.statusDetails;
  return out;
}
