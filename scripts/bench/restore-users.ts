/**
 * The users step of a restore, measured in-process: exported-shaped records (as a users
 * export writes them) → ImportPacker → runImports (its default slots and polling) → the
 * tenant emulator in a separate process at an emulated import rate of R users/s per job.
 *
 * The floor is users ÷ (2 slots × R): no client can be faster. Besides wall ÷ floor it reports
 * mean file fill (bytes ÷ 512,000), the emulator's peak concurrent import jobs, and where the
 * time above the floor goes, from a timing journal: per job, the time from create to the poll
 * that saw it done minus users ÷ R ("poll overshoot"), and the idle slot time between jobs
 * (2 × wall − the jobs' time), of which the create calls (upload, timed at the fetch) are part
 * and the rest is waiting for the packer and bookkeeping. The emulator's CPU share and the
 * machine's load average tell whether the emulator and the client got the CPU they needed.
 */
import { readFileSync } from 'node:fs';
import { ManagementApi } from '../../src/auth0/client.js';
import { toCredentials } from '../../src/auth0/credentials.js';
import { IMPORT_PAYLOAD_MAX_BYTES, ImportPacker, type ImportFile } from '../../src/restore/import-packer.js';
import { runImports, type ImportJournal, type JobSummary } from '../../src/restore/import-runner.js';
import { RestoreReport } from '../../src/restore/report.js';
import { spawnEmulator } from '../../test/emulator/harness.js';

export const UPA = 'Username-Password-Authentication';
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** A database user as Auth0's users export writes it (default export fields plus metadata). */
export function exportedUser(i: number): Record<string, unknown> {
  const id = `65a0${hex(i, 20)}`;
  const t = new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString();
  return {
    user_id: `auth0|${id}`,
    email: `user${i}@restore-bench.example.com`,
    email_verified: i % 3 !== 0,
    name: `User Number ${i}`,
    given_name: 'User',
    family_name: `Number ${i}`,
    nickname: `user${i}`,
    picture: `https://s.gravatar.com/avatar/${hex(i * 2654435761, 32)}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fus.png`,
    created_at: t,
    updated_at: t,
    last_login: t,
    logins_count: i % 50,
    identities: [{ provider: 'auth0', connection: UPA, user_id: id, isSocial: false }],
    user_metadata: { locale: i % 2 === 0 ? 'en-GB' : 'de-DE', newsletter: i % 5 === 0 },
    app_metadata: { plan: i % 4 === 0 ? 'pro' : 'free', customer_id: `cus_${hex(i, 12)}` },
  };
}

export async function* exportedUsers(count: number): AsyncGenerator<Record<string, unknown>> {
  for (let i = 0; i < count; i++) yield exportedUser(i);
}

interface JobTiming {
  users: number;
  startedAt: number;
  doneAt?: number;
}

/** A fetch that times the import creates and the job polls. */
function timedFetch(times: { create: number[]; poll: number[] }): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const t0 = performance.now();
    const res = await fetch(input, init);
    const ms = performance.now() - t0;
    if (/\/jobs\/users-imports$/.test(url)) times.create.push(ms);
    else if (/\/jobs\/job_[^/]+$/.test(url)) times.poll.push(ms);
    return res;
  };
}

/** Emulator CPU seconds (user + system) from /proc; undefined where /proc is missing. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return undefined;
  }
}

const round = (n: number, d = 3): number => +n.toFixed(d);

export interface UsersBenchResult {
  users: number;
  importRate: number;
  wallMs: number;
  floorMs: number;
  wallOverFloor: number;
  /** (wall − floor) ÷ (files ÷ 2): what each job costs beyond its users ÷ R. */
  overheadMsPerJob: number;
  errors: number;
  files: number;
  meanFill: number;
  minFill: number;
  usersPerFile: number;
  peakConcurrentImportJobs: number;
  inserted: number;
  failed: number;
  jobs: number;
  slotWaits: number;
  slotIdleMs: number;
  createCallMsMean: number;
  pollCallMsMean: number;
  pollOvershootMsMean: number;
  pollOvershootMsMax: number;
  jobMsMean: number;
  idealJobMsMean: number;
  jobGets: number;
  emulatorCpuShare?: number;
  benchCpuShare: number;
}

/** Runs the users step against a fresh emulator at `importRate` users/s per job. */
export async function benchUsers(users: number, importRate: number): Promise<UsersBenchResult> {
  const emu = await spawnEmulator(['--seed', 'empty', '--import-rate', String(importRate), '--job-latency', '200'], { timeoutMs: 120_000 });
  try {
    const times = { create: [] as number[], poll: [] as number[] };
    const api = new ManagementApi({ fetch: timedFetch(times), credentials: toCredentials({ domain: emu.info.domain, clientId: emu.info.clientId, clientSecret: emu.info.clientSecret }) });
    await api.tokens.scopes(AbortSignal.timeout(30_000));
    const signal = AbortSignal.timeout(6 * 3600_000);
    const timings = new Map<string, JobTiming>();
    const fills: number[] = [];
    const packer = new ImportPacker({ connection: UPA, signal });
    async function* measured(files: AsyncIterable<ImportFile>): AsyncGenerator<ImportFile> {
      for await (const f of files) {
        fills.push(f.bytes.length / IMPORT_PAYLOAD_MAX_BYTES);
        yield f;
      }
    }
    const journal: ImportJournal = {
      done: () => false,
      started: (key: string, _jobId: string, _c: string, n: number) => {
        timings.set(key, { users: n, startedAt: performance.now() });
        return Promise.resolve();
      },
      record: (key: string, _s: JobSummary) => {
        const t = timings.get(key);
        if (t) t.doneAt = performance.now();
        return Promise.resolve();
      },
    };
    const report = new RestoreReport();
    const cpu0 = cpuSeconds(emu.child.pid);
    const self0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await runImports({ api, files: measured(packer.pack(exportedUsers(users))), mode: 'insert', signal, journal, report });
    if (report.errors.length > 0) process.stderr.write(`${report.errors.length} errors, first: ${JSON.stringify(report.errors.slice(0, 3))}\n`);
    const wallMs = performance.now() - t0;
    const cpu1 = cpuSeconds(emu.child.pid);
    const self = process.cpuUsage(self0);
    const stats = (await (await fetch(`${emu.info.admin}/stats`)).json()) as { peakConcurrentImportJobs: number; byRoute: Record<string, Record<string, number>> };
    const jobs = [...timings.values()];
    const busy = jobs.map((j) => (j.doneAt ?? j.startedAt) - j.startedAt);
    const overshoot = jobs.map((j, i) => busy[i]! - (1000 * j.users) / importRate);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const totals = result.byConnection[UPA];
    const floorMs = (1000 * users) / (2 * importRate);
    const getRoute = Object.entries(stats.byRoute).find(([k]) => k === 'GET /jobs/:id')?.[1] ?? {};
    return {
      users,
      importRate,
      wallMs: Math.round(wallMs),
      floorMs: Math.round(floorMs),
      wallOverFloor: round(wallMs / floorMs),
      overheadMsPerJob: round((wallMs - floorMs) / (packer.stats.files / 2), 1),
      errors: report.errors.length,
      files: packer.stats.files,
      meanFill: round(packer.stats.bytes / packer.stats.files / IMPORT_PAYLOAD_MAX_BYTES, 4),
      minFill: round(Math.min(...fills), 4),
      usersPerFile: Math.round(users / packer.stats.files),
      peakConcurrentImportJobs: stats.peakConcurrentImportJobs,
      inserted: totals?.inserted ?? 0,
      failed: totals?.failed ?? 0,
      jobs: result.jobs,
      slotWaits: result.slotWaits,
      slotIdleMs: Math.round(2 * wallMs - busy.reduce((a, b) => a + b, 0)),
      createCallMsMean: round(mean(times.create), 1),
      pollCallMsMean: round(mean(times.poll), 1),
      pollOvershootMsMean: round(mean(overshoot), 1),
      pollOvershootMsMax: round(Math.max(...overshoot), 1),
      jobMsMean: round(mean(busy), 1),
      idealJobMsMean: round(mean(jobs.map((j) => (1000 * j.users) / importRate)), 1),
      jobGets: Object.values(getRoute).reduce((a, b) => a + b, 0),
      ...(cpu0 !== undefined && cpu1 !== undefined ? { emulatorCpuShare: round((cpu1 - cpu0) / (wallMs / 1000)) } : {}),
      benchCpuShare: round((self.user + self.system) / 1000 / wallMs),
    };
  } finally {
    await emu.stop();
  }
}
