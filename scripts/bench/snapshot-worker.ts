/**
 * One measured snapshot, run in its own process so its peak RSS is its own (see snapshot.ts).
 * argv: <location> ; env: AUTH0_* of the emulator. Prints one JSON line with the timings.
 * The users path (export job → archive) is timed from the progress events; the raw copy
 * downloads the same export file and writes it to the same storage with a plain put; then the
 * user counter alone is timed over those bytes read back (the users path cannot be faster).
 */
import { Readable } from 'node:stream';
import { systemClock } from '../../src/core/abort.js';
import type { ProgressEvent } from '../../src/core/progress.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { getJob } from '../../src/auth0/jobs.js';
import { runSnapshot } from '../../src/snapshot/index.js';
import { UserCounter } from '../../src/snapshot/user-counter.js';
import { createApi, createConfigDumper, createStorage, createTenantReader } from '../../src/cli/wiring.js';

async function main(): Promise<void> {
  const location = process.argv[2] as string;
  const credentials = toCredentials({
    domain: process.env.AUTH0_DOMAIN as string,
    clientId: process.env.AUTH0_CLIENT_ID as string,
    clientSecret: process.env.AUTH0_CLIENT_SECRET as string,
  });
  const signal = new AbortController().signal;
  const marks: Record<string, number> = {};
  const progress = {
    emit(e: ProgressEvent) {
      if (e.type === 'phase') marks[`${e.phase}:${e.message ?? ''}`] ??= performance.now();
      if (e.type === 'progress' && e.phase === 'users download') marks['download'] ??= performance.now();
    },
  };
  const api = createApi(credentials, { progress, signal, apiBudget: 100 });
  const storage = createStorage(location, { progress });
  const t0 = performance.now();
  const result = await runSnapshot({
    reader: createTenantReader(api),
    dumper: createConfigDumper(credentials, progress),
    storage,
    prefix: 'bench',
    clock: systemClock,
    progress,
    signal,
    tool: { name: 'a0vault', version: 'bench' },
  });
  const total = performance.now() - t0;
  const usersStart = marks['users:bulk export job'] ?? 0;
  const usersEnd = marks['memberships:role members'] ?? 0;
  const rssAfterSnapshot = process.resourceUsage().maxRSS * 1024;

  // raw copy: the same export file, downloaded and stored with one plain put
  const job = await getJob(api, result.export.jobIds.at(-1) as string, { signal });
  const r0 = performance.now();
  const res = await fetch(job.location as string);
  const body = res.body;
  if (!body) throw new Error('no export body');
  await storage.put('bench/raw-copy.ndjson.gz', () => Readable.fromWeb(body as never), { signal });
  const rawMs = performance.now() - r0;

  // the counting alone (worker gunzip + scan of the same bytes, read back from storage): the
  // floor of the users path, since the entry is complete only once the count is
  const c0 = performance.now();
  const counter = new UserCounter();
  await storage.get(
    'bench/raw-copy.ndjson.gz',
    async (stream) => {
      let pending: Buffer[] = [];
      let n = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        pending.push(chunk);
        n += chunk.length;
        if (n >= 1024 * 1024) {
          await counter.tap(Buffer.concat(pending, n));
          pending = [];
          n = 0;
        }
      }
      if (n > 0) await counter.tap(Buffer.concat(pending, n));
    },
    { signal },
  );
  await counter.finish();
  const countMs = performance.now() - c0;

  process.stdout.write(
    `${JSON.stringify({
      users: result.manifest.counts.users,
      exportBytes: result.export.bytes,
      totalMs: Math.round(total),
      usersPathMs: Math.round(usersEnd - usersStart),
      downloadToArchiveMs: Math.round(usersEnd - (marks['download'] ?? usersStart)),
      rawCopyMs: Math.round(rawMs),
      countOnlyMs: Math.round(countMs),
      peakRssBytes: rssAfterSnapshot,
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exitCode = 1;
});
