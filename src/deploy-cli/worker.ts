/**
 * Child-process entry that runs auth0-deploy-cli's programmatic `dump` / `deploy`.
 *
 * deploy-cli is isolated in its own process because it (1) logs to stdout through winston,
 * which would corrupt `--json` output, (2) keeps configuration in a process-global nconf
 * singleton, and (3) blocks its event loop ~15 s compiling its JSON schema, which would stall
 * the parent's rate-limit timers (research notes deploy-cli-sdk.md A3, A6).
 * Requests arrive over IPC (never argv or env, so secrets stay out of `ps`).
 */
import type { DeployRequest, DumpRequest, WorkerMessage, WorkerRequest } from './types.js';

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      resolve();
      return;
    }
    process.send(message, () => resolve());
  });
}

function baseConfig(req: WorkerRequest): Record<string, unknown> {
  const c = req.credentials;
  const config: Record<string, unknown> = {
    AUTH0_DOMAIN: c.domain,
    AUTH0_API_MAX_RETRIES: req.apiMaxRetries,
  };
  // Always pass the client id: deploy-cli protects that client (and its grants) from
  // updates and deletes only when it knows it (deploy-cli-sdk.md D5).
  if (c.clientId) config.AUTH0_CLIENT_ID = c.clientId;
  if (c.accessToken) config.AUTH0_ACCESS_TOKEN = c.accessToken;
  else if (c.clientSecret) config.AUTH0_CLIENT_SECRET = c.clientSecret;
  if (req.excluded && req.excluded.length > 0) config.AUTH0_EXCLUDED = req.excluded;
  if (req.includedOnly && req.includedOnly.length > 0) config.AUTH0_INCLUDED_ONLY = req.includedOnly;
  return config;
}

async function runDump(req: DumpRequest): Promise<void> {
  const { dump } = await import('auth0-deploy-cli');
  await dump({
    output_folder: req.outputFolder,
    format: 'yaml',
    env: false,
    config: {
      ...baseConfig(req),
      // ids would make a cross-tenant restore rename and then 404 (deploy-cli-sdk.md D4)
      AUTH0_EXPORT_IDENTIFIERS: false,
      AUTH0_EXPORT_SECRETS: req.exportSecrets,
    },
  } as never);
}

async function runDeploy(req: DeployRequest): Promise<void> {
  const { deploy } = await import('auth0-deploy-cli');
  await deploy({
    input_file: req.inputFile,
    env: false,
    config: {
      ...baseConfig(req),
      // a real boolean: some handlers treat the string 'false' as on (deploy-cli-sdk.md D5)
      AUTH0_ALLOW_DELETE: req.allowDelete === true,
      AUTH0_KEYWORD_REPLACE_MAPPINGS: req.keywordMappings ?? {},
    },
  } as never);
}

async function main(): Promise<void> {
  const req = await new Promise<WorkerRequest>((resolve) => process.once('message', (m) => resolve(m as WorkerRequest)));
  try {
    if (req.kind === 'dump') await runDump(req);
    else await runDeploy(req);
    await send({ type: 'done' });
  } catch (err) {
    const e = err as Error & { type?: string; stage?: string };
    await send({ type: 'error', message: e?.message ?? String(err), resourceType: e?.type, stage: e?.stage });
  }
  process.disconnect?.();
}

void main();
