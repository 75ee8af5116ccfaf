/**
 * The Prometheus textfile (node_exporter textfile collector): parse an existing file back and
 * replace it atomically.
 *
 * Contract:
 * - `writeMetricsFile` writes a temp file beside the target (a name not ending in `.prom`, so
 *   the collector never reads it half-written), fsyncs it and renames it over the target: a
 *   reader sees the old file or the new one, never a mix.
 * - `updateMetricsFile` writes the metrics of `records` (tenant-labelled), carrying the
 *   last-success values of tenants whose run failed over from the file it replaces. Tenants of
 *   the old file that are not in `records` are dropped: the file describes one run.
 * - `readLastSuccess` returns, per tenant, the last-success values of an existing file (an
 *   absent or unreadable file gives an empty map: the metrics then start afresh).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { throwIfAborted } from '../core/abort.js';
import { A0vaultError } from '../core/errors.js';
import { buildRegistry, METRIC, type LastSuccess, type SnapshotRunRecord } from './snapshot-metrics.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(v: string): number {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** Parses Prometheus text exposition format samples (comments and malformed lines are skipped). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1] ?? ''] = unescapeLabel(l[2] ?? '');
      consumed = LABEL.lastIndex;
    }
    if (body.slice(consumed).trim() !== '') continue;
    samples.push({ name: m[1] ?? '', labels, value: parseValue(m[3] ?? '') });
  }
  return samples;
}

/** Last-success values per tenant found in exposition text. */
export function lastSuccessFrom(text: string): Map<string, LastSuccess> {
  const out = new Map<string, LastSuccess>();
  const field: Record<string, keyof LastSuccess> = {
    [METRIC.lastSuccess]: 'timestampSeconds',
    [METRIC.users]: 'users',
    [METRIC.archiveBytes]: 'archiveBytes',
  };
  for (const s of parseExposition(text)) {
    const f = field[s.name];
    const tenant = s.labels.tenant;
    if (f === undefined || tenant === undefined || !Number.isFinite(s.value)) continue;
    out.set(tenant, { ...out.get(tenant), [f]: s.value });
  }
  return out;
}

/** Last-success values of an existing metrics file; empty when there is none. */
export async function readLastSuccess(file: string, signal: AbortSignal): Promise<Map<string, LastSuccess>> {
  try {
    return lastSuccessFrom(await readFile(file, { encoding: 'utf8', signal }));
  } catch (err) {
    throwIfAborted(signal);
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new A0vaultError('storage', `cannot read metrics file ${file}`, { cause: err });
  }
}

/** Replaces `file` with `text` atomically (temp file, fsync, rename). Mode 0644: the collector may run as another user. */
export async function writeMetricsFile(file: string, text: string, signal: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, { encoding: 'utf8', signal });
      await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(signal);
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throwIfAborted(signal);
    throw new A0vaultError('storage', `cannot write metrics file ${file}`, { cause: err });
  }
}

/** Writes the metrics of this run's records to `file`, keeping earlier last-success values of tenants that failed. */
export async function updateMetricsFile(file: string, records: readonly SnapshotRunRecord[], signal: AbortSignal): Promise<void> {
  const previous = await readLastSuccess(file, signal);
  const text = await buildRegistry(records, { tenantLabel: true, previous }).metrics();
  await writeMetricsFile(file, text, signal);
}
