/**
 * Management API routes for user jobs (`POST /jobs/users-exports`, `POST /jobs/users-imports`,
 * `GET /jobs/{id}`, `GET /jobs/{id}/errors`) and the unauthenticated download route for export
 * files (`GET /__files/exports/<job>/<file>?expires=&sig=`, mounted at the server root). A
 * download link is valid for `locationTtlMs`; an expired or forged link answers 403 with an
 * S3-style XML body, a link to a forgotten job 404.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ConfigStore, Rec } from '../contract.js';
import { ApiError, type EmuRequest, type EmuResponse, type RouteContext, type RouteDef } from '../http/types.js';
import { isDatabaseStrategy } from '../users/user-model.js';
import { assertBody, compileSchema } from '../users/validate.js';
import { exportView, importView, newJobId, type ExportJob, type ImportJob } from './job-model.js';
import type { ImportGauge, JobService } from './job-service.js';
import { parseMultipart } from './multipart.js';
import { s3Error } from './signed-url.js';

/** What the server may put in RouteContext beyond the lead's contract (see ../runtime.ts). */
type ServerContext = RouteContext & { faults?: { shouldFail(kind: string): boolean }; jobs?: ImportGauge };

const CONNECTION_ID = '^con_[A-Za-z0-9]{16}$';

const exportBody = compileSchema({
  type: 'object',
  additionalProperties: false,
  properties: {
    connection_id: { type: 'string', pattern: CONNECTION_ID },
    format: { type: 'string', enum: ['json', 'csv'] },
    limit: { type: 'integer', minimum: 1 },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', maxLength: 100 }, export_as: { type: 'string', maxLength: 100 } },
      },
    },
  },
});

const MAX_CSV_FIELDS = 30;

function jobNotFound(): ApiError {
  return new ApiError(404, 'The job does not exist.');
}

function createExport(jobs: JobService, config: ConfigStore, req: EmuRequest, ctx: ServerContext): EmuResponse {
  const body = (req.body ?? {}) as Rec;
  assertBody(exportBody, body, { connection_id: 'connection_id of the connection from which users will be exported.' });
  let connection: Rec | undefined;
  if (body.connection_id !== undefined) {
    connection = config.get('connections', String(body.connection_id));
    if (!connection) throw new ApiError(400, 'The connection does not exist.', 'inexistent_connection');
  }
  const format = body.format === 'csv' ? 'csv' : 'json';
  const fields = body.fields as ExportJob['fields'];
  if (format === 'csv' && fields && fields.length > MAX_CSV_FIELDS) {
    throw new ApiError(
      400,
      `Payload validation error: 'Array is too long (${fields.length}), maximum ${MAX_CSV_FIELDS}' on property fields.`,
      'invalid_body',
    );
  }
  const job: ExportJob = {
    id: newJobId(),
    type: 'users_export',
    status: 'pending',
    createdAt: jobs.now(),
    format,
    rowsDone: 0,
    rowsTotal: 0,
    fileName: `${jobs.options.tenantName}.${format}.gz`,
  };
  if (connection) {
    job.connectionId = String(connection.id);
    job.connectionName = String(connection.name);
  }
  if (typeof body.limit === 'number') job.limit = body.limit;
  if (fields) job.fields = fields.map((f) => (f.export_as === undefined ? { name: f.name } : { name: f.name, export_as: f.export_as }));
  if (jobs.decideFailure('export-job', ctx.faults)) job.failWith = 'Failed to export users (injected fault).';
  jobs.addExport(job);
  return { status: 200, body: exportView(job, {}) };
}

function badImport(message: string, errorCode = 'invalid_body'): ApiError {
  return new ApiError(400, message, errorCode);
}

function parseBool(value: string | undefined, name: string, def: boolean, desc: string): boolean {
  if (value === undefined || value === '') return def;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw badImport(`Payload validation error: 'Expected type boolean but found type string' on property ${name} (${desc}).`);
}

async function createImport(jobs: JobService, config: ConfigStore, req: EmuRequest, ctx: ServerContext): Promise<EmuResponse> {
  const { users, fields } = await parseMultipart(req.raw, req.headers, req.signal);
  if (users === undefined) throw badImport("Must provide 'users' file as multipart part.");
  const connectionId = fields.connection_id;
  if (connectionId === undefined) throw badImport("Must provide 'connection_id' as multipart part.");
  if (!new RegExp(CONNECTION_ID).test(connectionId)) {
    throw badImport(`Payload validation error: 'String does not match pattern ${CONNECTION_ID}' on property connection_id.`);
  }
  const upsert = parseBool(fields.upsert, 'upsert', false, 'Whether to update users if they already exist (true) or to ignore them (false).');
  const sendEmail = parseBool(
    fields.send_completion_email,
    'send_completion_email',
    true,
    'Whether to send a completion email to all tenant owners when the job is finished (true) or not (false).',
  );
  const conn = config.get('connections', connectionId);
  if (!conn) throw badImport('The connection does not exist.', 'inexistent_connection');
  if (!isDatabaseStrategy(conn.strategy)) throw badImport('Connection must be a database connection.');
  if (Array.isArray(conn.enabled_clients) && conn.enabled_clients.length === 0) throw badImport('Connection must be enabled.');
  const options = (conn.options ?? {}) as Rec;
  if (options.enabledDatabaseCustomization === true && options.import_mode !== true) {
    throw badImport('Custom Database Connections without import mode are not allowed.');
  }
  if (users.length === 0) throw badImport('Users file must not be empty.');
  jobs.tick();
  const active = jobs.activeImports();
  if (active >= jobs.options.maxConcurrentImports) {
    throw new ApiError(
      429,
      `There are ${active} active import users jobs, please wait until some of them are finished and try again`,
    );
  }
  const job: ImportJob = {
    id: newJobId(),
    type: 'users_import',
    status: 'pending',
    createdAt: jobs.now(),
    connectionId,
    connectionName: String(conn.name),
    strategy: String(conn.strategy),
    upsert,
    sendCompletionEmail: sendEmail,
    file: users,
    processed: 0,
    seen: { emails: new Set(), userIds: new Set(), usernames: new Set() },
    summary: { failed: 0, updated: 0, inserted: 0, total: 0 },
    errors: [],
  };
  if (fields.external_id !== undefined) job.externalId = fields.external_id;
  if (jobs.decideFailure('import-job', ctx.faults)) job.failWith = 'Failed to import users (injected fault).';
  jobs.addImport(job, ctx.jobs);
  return { status: 202, body: importView(job) };
}

function exportExtras(jobs: JobService, job: ExportJob, ctx: RouteContext): Rec {
  const now = jobs.now();
  const latency = jobs.options.exportLatencyMs;
  if (job.status === 'processing') {
    const byTime = Math.min(1, (now - job.createdAt) / latency);
    const byRows = job.rowsTotal > 0 ? Math.min(1, job.rowsDone / job.rowsTotal) : byTime;
    return {
      percentage_done: Math.min(99, Math.floor(100 * Math.min(byTime, byRows))),
      time_left_seconds: Math.max(1, Math.ceil((job.createdAt + latency - now) / 1000)),
    };
  }
  if (job.status === 'completed' && job.fileName) {
    const path = `/__files/exports/${job.id}/${job.fileName}`;
    return { location: ctx.baseUrl + jobs.signer.sign(path, now + jobs.options.locationTtlMs) };
  }
  return {};
}

function xml(status: number, code: string, message: string): EmuResponse {
  return { status, headers: { 'content-type': 'application/xml' }, stream: Readable.from([s3Error(code, message)]) };
}

async function download(jobs: JobService, req: EmuRequest): Promise<EmuResponse> {
  const job = jobs.get(req.params.job ?? '');
  const path = `/__files/exports/${req.params.job ?? ''}/${req.params.file ?? ''}`;
  if (!job || job.type !== 'users_export' || job.status !== 'completed' || !job.file || job.fileName !== req.params.file) {
    return xml(404, 'NoSuchKey', 'The specified key does not exist.');
  }
  const verdict = jobs.signer.verify(path, req.query, jobs.now());
  if (verdict === 'bad-signature') {
    return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  if (verdict === 'expired') return xml(403, 'AccessDenied', 'Request has expired');
  const size = (await stat(job.file)).size;
  return {
    status: 200,
    headers: { 'content-type': 'application/gzip', 'content-length': String(size) },
    stream: createReadStream(job.file),
  };
}

export function jobRoutes(jobs: JobService, config: ConfigStore): RouteDef[] {
  jobs.store.watch(config);
  return [
    {
      method: 'POST',
      pattern: '/jobs/users-exports',
      scopes: ['read:users'],
      handler: (req, ctx) => createExport(jobs, config, req, ctx),
    },
    {
      method: 'POST',
      pattern: '/jobs/users-imports',
      scopes: ['create:users'],
      handler: (req, ctx) => createImport(jobs, config, req, ctx),
    },
    {
      method: 'GET',
      pattern: '/jobs/:id',
      scopes: ['create:users', 'read:users'],
      handler: (req, ctx) => {
        const job = jobs.get(req.params.id ?? '');
        if (!job) throw jobNotFound();
        const body = job.type === 'users_export' ? exportView(job, exportExtras(jobs, job, ctx)) : importView(job);
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      pattern: '/jobs/:id/errors',
      scopes: ['create:users', 'read:users'],
      handler: (req) => {
        const job = jobs.get(req.params.id ?? '');
        if (!job) throw jobNotFound();
        if (job.status === 'failed' && job.statusDetails !== undefined && (job.type === 'users_export' || job.errors.length === 0)) {
          const generic: Rec = { id: job.id, type: job.type, status: job.status };
          if (job.connectionId !== undefined) generic.connection_id = job.connectionId;
          generic.created_at = new Date(job.createdAt).toISOString();
          generic.status_details = job.statusDetails;
          return { status: 200, body: generic };
        }
        if (job.type === 'users_export' || job.errors.length === 0) return { status: 204 };
        return { status: 200, body: job.errors };
      },
    },
    {
      method: 'GET',
      pattern: '/__files/exports/:job/:file',
      scopes: [],
      mount: 'root',
      handler: (req) => download(jobs, req),
    },
  ];
}
