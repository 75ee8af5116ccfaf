/**
 * Writes an export job's file: reads users from SQLite in keyset pages of 1,000 (creation
 * order, optionally one connection, at most `limit`), formats each as an NDJSON or CSV line,
 * and pipes the lines through gzip into a temp file that is renamed into place when complete.
 * Memory stays flat whatever the tenant size; the event loop is released between pages.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Rec } from '../contract.js';
import type { SqliteUserStore } from '../users/store.js';
import { csvFormatter, jsonFormatter } from './export-format.js';
import type { ExportJob } from './job-model.js';

const PAGE = 1000;

/** Generates the file for `job` under `dir`; updates `job.rowsDone` as it goes. Resolves to the file path. */
export async function writeExportFile(store: SqliteUserStore, job: ExportJob, dir: string, signal: AbortSignal): Promise<string> {
  const fmt = job.format === 'csv' ? csvFormatter(job.fields) : jsonFormatter(job.fields);
  const jobDir = join(dir, job.id);
  await mkdir(jobDir, { recursive: true });
  const final = join(jobDir, job.fileName ?? 'export.gz');
  const temp = `${final}.partial`;
  const limit = job.limit ?? Number.POSITIVE_INFINITY;
  async function* lines(): AsyncGenerator<string> {
    if (fmt.header) yield fmt.header;
    let after = 0;
    while (job.rowsDone < limit) {
      const rows = store.scan(after, Math.min(PAGE, limit - job.rowsDone), job.connectionId);
      if (rows.length === 0) return;
      let chunk = '';
      for (const r of rows) chunk += fmt.line(JSON.parse(r.data) as Rec);
      job.rowsDone += rows.length;
      after = rows[rows.length - 1]!.seq;
      yield chunk;
      // let requests in between pages
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  try {
    await pipeline(Readable.from(lines()), createGzip(), createWriteStream(temp), { signal });
    await rename(temp, final);
    return final;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
