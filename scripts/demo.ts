/**
 * `npm run demo`: the embedded default. Starts two tenant emulators, one seeded with the `demo`
 * tenant and one empty; backs the first up with the built CLI to ./a0vault-demo/ (local
 * storage), lists and verifies the snapshot, plans a restore into the empty tenant, applies
 * that plan, diffs the snapshot against the restored tenant, and prints what happened.
 * Everything runs on this machine; nothing is sent out.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnEmulator, type SpawnedEmulator } from '../test/emulator/harness.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli/main.js');
const location = path.join(root, 'a0vault-demo');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function step(title: string, args: string[], env: NodeJS.ProcessEnv, o: { quiet?: boolean; codes?: number[] } = {}): Promise<string> {
  process.stdout.write(`\n$ a0vault ${args.join(' ')}\n`);
  const t0 = Date.now();
  const r = await run(args, env);
  process.stdout.write(`(${title}: ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  if (!(o.codes ?? [0]).includes(r.code ?? -1)) throw new Error(`${title} failed with exit code ${String(r.code)}`);
  if (!o.quiet) process.stdout.write(r.stdout);
  return r.stdout;
}

function tenantEnv(info: SpawnedEmulator['info']): NodeJS.ProcessEnv {
  return { AUTH0_DOMAIN: info.domain, AUTH0_CLIENT_ID: info.clientId, AUTH0_CLIENT_SECRET: info.clientSecret, NODE_EXTRA_CA_CERTS: info.caFile };
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error('dist/cli/main.js is missing: run `npm install` (it builds) first');
  const started = Date.now();
  process.stdout.write('Starting two tenant emulators, the demo tenant and an empty one (HTTPS on 127.0.0.1)…\n');
  let source: SpawnedEmulator | undefined;
  let target: SpawnedEmulator | undefined;
  try {
    [source, target] = await Promise.all([spawnEmulator(['--seed', 'demo', '--job-latency', '200']), spawnEmulator(['--seed', 'empty', '--import-rate', '5000', '--job-latency', '200'])]);
    const env = tenantEnv(source.info);
    const targetEnv = tenantEnv(target.info);
    process.stdout.write(`Demo tenant at https://${source.info.domain}, empty tenant at https://${target.info.domain} (admin view: …/__emulator/state)\n`);
    await step('snapshot', ['snapshot', '--to', location, '--progress', 'none'], env);
    await step('list', ['list', '--from', location], env);
    await step('verify', ['verify', 'latest', '--from', location, '--progress', 'none'], env);
    const planFile = path.join(location, 'demo-plan.json');
    const planText = await step('plan', ['plan', 'latest', '--from', location, '--tenant', source.info.domain, '--to-other-tenant', '--out', planFile, '--progress', 'none'], targetEnv, { quiet: true });
    // the summary table without the types that have nothing at all, then the totals
    const planLines = planText.split('\n').filter((l) => !/^\S+(\s+0){5}$/.test(l));
    process.stdout.write(`${planLines.slice(0, 28).join('\n')}\n  … (the whole plan: ${path.relative(process.cwd(), planFile)})\n`);
    const restored = await step('restore', ['restore', 'latest', '--from', location, '--tenant', source.info.domain, '--to-other-tenant', '--plan', planFile, '--yes', '--progress', 'none'], targetEnv, { quiet: true, codes: [0, 3] });
    process.stdout.write(`${restored.split('\n').filter((l) => !/: 0 created, 0 updated, 0 failed$/.test(l)).join('\n')}\n`);
    const diff = await step('diff', ['diff', 'latest', 'live', '--from', location, '--tenant', source.info.domain, '--progress', 'none'], targetEnv, { quiet: true });
    process.stdout.write(`${diff.split('\n').filter((l) => !/^ {2}[+-~] /.test(l)).join('\n')}\n`);
    process.stdout.write(
      [
        '',
        `Done in ${Math.round((Date.now() - started) / 1000)} s. What happened:`,
        '  1. snapshot: every user through an Auth0 bulk export job, the configuration through',
        '     auth0-deploy-cli, role/organization memberships through the Management API, into one',
        `     archive with a sha256-checked manifest under ${path.relative(process.cwd(), location) || location}/;`,
        '  2. verify re-read the archive and checked every checksum and record count;',
        '  3. plan compared the snapshot with the empty tenant (nothing was changed) and saved the plan;',
        '  4. restore checked the target had not changed since the plan, then applied it: configuration',
        '     through deploy-cli, users through import jobs (2 at a time), memberships through the API,',
        '     and wrote a restore record next to the snapshot;',
        '  5. diff compared the snapshot with the restored tenant: social users (and their memberships)',
        '     cannot be bulk-imported; they come back at their next login (docs/restore-fidelity.md).',
        'Try: a0vault show latest --from ./a0vault-demo   (npx a0vault … from this folder)',
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([source?.stop(), target?.stop()]);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
