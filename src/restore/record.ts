/**
 * The restore record: what every restore leaves in the storage location, beside the
 * snapshots of the tenant it restored from (`…/restores/<restore-id>.json`, layout.ts).
 * Who ran it, when, which snapshot into which target, the sha256 of the plan it applied, the
 * outcome, counts and per-item errors. Written once, never overwritten; it holds no secret
 * (report.ts guarantees item errors carry ids and API codes only).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { canonicalJson } from '../archive/manifest.js';
import { restoreRecordKey } from '../archive/layout.js';
import type { StorageBackend } from '../storage/backend.js';
import type { RestoreReportData } from './report.js';
import type { Plan } from './types.js';

export const RESTORE_RECORD_VERSION = 1;

export interface RestoreRecord {
  recordVersion: typeof RESTORE_RECORD_VERSION;
  restoreId: string;
  command: string;
  /** The operating-system user and host that ran the restore. */
  who: { user: string; host: string };
  tool: { name: string; version: string };
  startedAt: string;
  finishedAt: string;
  snapshot: { id: string; tenant: string; manifestKey: string };
  target: string;
  /** sha256 of the canonical JSON of the plan that was applied. */
  planSha256: string;
  summary: Plan['summary'];
  selection: Plan['selection'];
  options: Plan['options'];
  /** How many times the restore was resumed before it finished. */
  resumed: number;
  outcome: RestoreReportData['outcome'];
  counts: RestoreReportData['counts'];
  warnings: RestoreReportData['warnings'];
  errors: RestoreReportData['errors'];
  fatal?: string;
}

export function planSha256(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/** Writes the record; resolves its key. */
export async function writeRestoreRecord(storage: StorageBackend, prefix: string, record: RestoreRecord, signal: AbortSignal): Promise<string> {
  const key = restoreRecordKey(prefix, record.snapshot.tenant, record.restoreId);
  const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
  await storage.put(key, () => Readable.from([bytes]), { signal, size: bytes.length, contentType: 'application/json' });
  return key;
}
