/**
 * The clone's output as deploy-cli really deploys it: for every real tenant configuration,
 * prepareClone with its mapping file (test/fixtures/clone), write the files, deploy them with
 * the keyword mappings into an `empty` emulator (unpatched deploy-cli 8.44, programmatic API),
 * then check the target itself: no production host anywhere in its configuration state or in a
 * fresh dump, injected secrets arrived, omitted and excluded ones did not.
 * (Each deploy compiles deploy-cli's schema, ~15-30 s of CPU: one fixture per test.)
 */
import '../real-clients/quiet.js';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deploy, dump } from 'auth0-deploy-cli';
import { describe, expect, it } from 'vitest';
import { parseCloneMappings, prepareClone } from '../../src/clone/index.js';
import { configState } from '../emulator/admin.js';
import { repoRoot } from '../emulator/tls.js';
import { startEmulator } from '../emulator/server.js';
import { realTenantNames, realTenantsDir } from '../real-clients/support.js';

const PRODUCTION_HOSTS: Record<string, string[]> = {
  'zenika-til': ['i.imgur.com'],
  'compe-plus': ['compe.plus'],
  'dhirendrak-auth0-config': ['people-service.com'],
  'vibecodes-comingsoon': ['vibecodes.space'],
};
const SECRETS: Record<string, string> = {
  TIL_HASURA_ADMIN_SECRET: 'clone-test-hasura-admin',
  TEST_GITHUB_CLIENT_SECRET: 'clone-test-github',
  '/run/secrets/google-client-secret': "clone-test-google-with-'quote",
};

async function readTree(dir: string, skip?: (rel: string) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (sub: string) => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (skip?.(rel)) continue;
      if (entry.isDirectory()) await walk(rel);
      else out.set(rel, await readFile(path.join(dir, rel), 'utf8'));
    }
  };
  await walk('');
  return out;
}

describe('clone deployed into an empty tenant', () => {
  it.each(realTenantNames())(
    '%s: the target holds no production host and the mapped secrets',
    async (name) => {
      const emu = await startEmulator({ seed: 'empty' });
      const work = await mkdtemp(path.join(tmpdir(), `a0vault-clone-${name}-`));
      try {
        const source = await readTree(path.join(realTenantsDir, name), (rel) => rel === 'keyword-mappings.json');
        const mappings = parseCloneMappings(await readFile(path.join(repoRoot, 'test/fixtures/clone', `${name}.yaml`), 'utf8'));
        const result = await prepareClone(source, mappings, (_k, s) => SECRETS[s.kind === 'env' ? s.name : s.path]);
        for (const [rel, text] of result.files) {
          await mkdir(path.dirname(path.join(work, 'in', rel)), { recursive: true });
          await writeFile(path.join(work, 'in', rel), text);
        }
        // a grant to "the Management API" must name the target's own API (Auth0 answers 404 otherwise)
        const keywords = { ...result.keywordMappings };
        if ('AUTH0_MANAGEMENT_API_AUDIENCE' in keywords) keywords.AUTH0_MANAGEMENT_API_AUDIENCE = `https://${emu.domain}/api/v2/`;
        const config = {
          AUTH0_DOMAIN: emu.domain,
          AUTH0_CLIENT_ID: emu.clientId,
          AUTH0_CLIENT_SECRET: emu.clientSecret,
          AUTH0_API_MAX_RETRIES: 1,
          AUTH0_KEYWORD_REPLACE_MAPPINGS: keywords,
        };
        await deploy({ input_file: path.join(work, 'in', 'tenant.yaml'), config: config as never });
        await dump({ output_folder: path.join(work, 'dump'), format: 'yaml', config: config as never });

        const state = JSON.stringify(configState(emu.store)).toLowerCase();
        const dumped = [...(await readTree(path.join(work, 'dump'))).values()].join('\n').toLowerCase();
        for (const host of PRODUCTION_HOSTS[name] ?? []) {
          expect(state, `${host} in the target's state`).not.toContain(host);
          expect(dumped, `${host} in a dump of the target`).not.toContain(host);
        }
        expect(result.report.rewrites.length).toBeGreaterThan(0);
        const stateRaw = JSON.stringify(configState(emu.store));
        for (const keyword of result.report.injected) {
          expect(stateRaw, `${keyword} did not reach the target`).toContain(JSON.stringify(result.keywordMappings[keyword]).slice(1, -1));
        }
        expect(stateRaw).not.toMatch(/##[A-Z0-9_]+##|@@[A-Z0-9_]+@@/);
      } finally {
        await emu.close();
        await rm(work, { recursive: true, force: true });
      }
    },
    600_000,
  );
});
