/**
 * User export and import jobs for the tenant emulator.
 *
 * Wiring (server side):
 *   const jobs = createJobService(users, { now: tenant.now, exportLatencyMs, importUsersPerSecond, tenantName });
 *   router.add(...jobRoutes(jobs, config));   // includes GET /__files/exports/:job/:file with mount: 'root'
 *   jobs.stats().peakConcurrentImports        // for GET /__emulator/stats
 *   jobs.close() on shutdown (stops the tick timer and any export being written).
 * Faults: the routes ask `ctx.faults?.shouldFail('export-job' | 'import-job')` when a job is
 * created; a job so marked ends `failed`. Import concurrency is reported to `ctx.jobs` too.
 */
export { createJobService, JobService, type JobServiceOptions, type JobStats, type ImportGauge } from './job-service.js';
export { jobRoutes } from './routes-jobs.js';
export { MAX_IMPORT_PAYLOAD } from './multipart.js';
export { IMPORT_SCHEMA_PATH, redact } from './import-users.js';
export type { Job, ExportJob, ImportJob, JobStatus } from './job-model.js';
