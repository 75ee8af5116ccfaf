/**
 * One deploy-cli round trip against a fresh `empty` emulator (unpatched deploy-cli 8.44,
 * programmatic API): deploy the fixture, dump the tenant, check the source is contained in the
 * dump, check no route answered 404 where Auth0 would not, deploy the dump again and check the
 * tenant state did not change (volatile fields aside, see compare.ts `stableState`).
 */
import './quiet.js';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { deploy, dump } from 'auth0-deploy-cli';
import YAML from 'yaml';
import { configState } from '../emulator/admin.js';
import { startEmulator } from '../emulator/server.js';
import { normalizeSource, stableState, subsetDiff } from './compare.js';
import { expectedConfig, fixtureMappings, prepareFixture, realTenantsDir } from './support.js';

/** Routes where a 404 is what Auth0 answers for a new tenant (unset singletons, probes). */
export const EXPECTED_404 = new Set([
  'GET /emails/provider',
  'GET /email-templates/:templateName',
  'PATCH /email-templates/:templateName',
  'GET /branding/themes/default',
  'GET /branding/templates/universal-login',
  'GET /connections/:id/scim-configuration',
]);

export interface RoundTripResult {
  dumpDiff: string[];
  unexpected404: string[];
  unmatched: Record<string, number>;
  stateBefore: unknown;
  stateAfter: unknown;
}

export async function roundTrip(name: string): Promise<RoundTripResult> {
  const emu = await startEmulator({ seed: 'empty' });
  const fixture = await prepareFixture(name);
  const dumpDir = path.join(fixture.dir, 'dump');
  try {
    const mappings = await fixtureMappings(name, emu.domain);
    const config = {
      AUTH0_DOMAIN: emu.domain,
      AUTH0_CLIENT_ID: emu.clientId,
      AUTH0_CLIENT_SECRET: emu.clientSecret,
      AUTH0_API_MAX_RETRIES: 1,
      AUTH0_EXCLUDED: ['migrations'],
      AUTH0_KEYWORD_REPLACE_MAPPINGS: mappings,
    };
    // deploy-cli's config type is stricter than what it accepts at run time (AUTH0_EXCLUDED etc.)
    await deploy({ input_file: fixture.inputFile, config: config as never });
    await dump({ output_folder: dumpDir, format: 'yaml', config: config as never });
    const dumped = YAML.parse(await readFile(path.join(dumpDir, 'tenant.yaml'), 'utf8')) as Record<string, unknown>;
    const expected = normalizeSource(await expectedConfig(name, mappings));
    const dumpDiff = subsetDiff(expected, dumped, { sourceDir: path.join(realTenantsDir, name), dumpDir });
    const stats = emu.stats.snapshot();
    const unexpected404 = Object.entries(stats.byRoute)
      .filter(([route, codes]) => codes['404'] !== undefined && !EXPECTED_404.has(route))
      .map(([route, codes]) => `${route} (${codes['404']}×)`);
    const stateBefore = stableState(configState(emu.store));
    await deploy({ input_file: path.join(dumpDir, 'tenant.yaml'), config: config as never });
    const stateAfter = stableState(configState(emu.store));
    return { dumpDiff, unexpected404, unmatched: emu.stats.snapshot().unmatched, stateBefore, stateAfter };
  } finally {
    await emu.close();
    await rm(fixture.dir, { recursive: true, force: true });
  }
}
