/**
 * prepareClone over every real tenant configuration in ../shared/real-tenants with the mapping
 * files in test/fixtures/clone: no production host survives anywhere (files and keyword values),
 * every placeholder is injected, given a keyword value or omitted, secret values never reach a
 * file or the report, and deploy-cli's own keyword replacement turns the output into the
 * intended document.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretResolver, parseCloneMappings, prepareClone } from '../../src/clone/index.js';
import { repoRoot } from '../emulator/tls.js';
import { realTenantNames, realTenantsDir } from '../real-clients/support.js';

const require = createRequire(path.join(repoRoot, 'node_modules/auth0-deploy-cli/lib/index.js'));
const deployCliUtils = require('./tools/utils') as { keywordReplace: (text: string, mappings: Record<string, unknown>) => string };
const jsYaml = require('js-yaml') as { load: (text: string) => unknown };

/** Production hosts of each configuration, as found in its files. */
const PRODUCTION_HOSTS: Record<string, string[]> = {
  'zenika-til': ['i.imgur.com'],
  'compe-plus': ['compe.plus'],
  'dhirendrak-auth0-config': ['people-service.com'],
  'vibecodes-comingsoon': ['vibecodes.space'],
};

async function readFolder(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (sub: string) => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      // keyword-mappings.json is the fixture corpus's own file, not part of a dump
      else if (rel !== 'keyword-mappings.json') out.set(rel, await readFile(path.join(dir, rel), 'utf8'));
    }
  };
  await walk('');
  return out;
}

const fakeSecret = (name: string) => `s3cr3t-${name.toLowerCase()}-${name.length}`;
const resolver = createSecretResolver({
  env: { TIL_HASURA_ADMIN_SECRET: fakeSecret('hasura'), TEST_GITHUB_CLIENT_SECRET: fakeSecret('github') },
  readText: async (p) => {
    if (p === '/run/secrets/google-client-secret') return `${fakeSecret('google')}\n`;
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  },
});

describe('clone of the real tenant configurations', () => {
  const names = realTenantNames();
  it('has a mapping file and a production host list for every configuration', () => {
    expect(names.sort()).toEqual(Object.keys(PRODUCTION_HOSTS).sort());
  });

  for (const name of names) {
    it(`${name}: no production host remains and every placeholder is resolved`, async () => {
      const files = await readFolder(path.join(realTenantsDir, name));
      const hosts = PRODUCTION_HOSTS[name] ?? [];
      const before = [...files.values()].join('\n').toLowerCase();
      for (const host of hosts) expect(before, `${name} should mention ${host} before the clone`).toContain(host);

      const mappings = parseCloneMappings(await readFile(path.join(repoRoot, 'test/fixtures/clone', `${name}.yaml`), 'utf8'), `${name}.yaml`);
      const result = await prepareClone(files, mappings, resolver);

      const texts = [...result.files.entries()];
      const literalValues = Object.entries(result.keywordMappings).filter(([k]) => k in mappings.keywords).map(([, v]) => JSON.stringify(v));
      for (const host of hosts) {
        for (const [file, text] of texts) expect(text.toLowerCase(), `${file} still mentions ${host}`).not.toContain(host);
        for (const value of literalValues) expect(value.toLowerCase()).not.toContain(host);
      }
      expect(result.report.rewrites.length).toBeGreaterThan(0);

      // every marker left in the output has a value; none is left without one
      const markers = new Set<string>();
      for (const [, text] of texts) for (const m of text.matchAll(/(?:##|@@)([A-Z0-9_]+)(?:##|@@)/g)) markers.add(m[1] as string);
      for (const keyword of markers) expect(result.keywordMappings, `${keyword} has no value`).toHaveProperty(keyword);

      // secret values only in keywordMappings: not in files, not in the report
      const secrets = result.report.injected.map((k) => result.keywordMappings[k] as string);
      const reportText = JSON.stringify(result.report);
      for (const secret of secrets) {
        for (const [, text] of texts) expect(text).not.toContain(secret);
        expect(reportText).not.toContain(secret);
      }

      // deploy-cli's own replacement on the raw text yields a document without markers
      const replaced = deployCliUtils.keywordReplace(result.files.get('tenant.yaml') as string, result.keywordMappings);
      const doc = jsYaml.load(replaced) as Record<string, unknown>;
      expect(JSON.stringify(doc)).not.toMatch(/##[A-Z0-9_]+##|@@[A-Z0-9_]+@@/);
      for (const excluded of mappings.exclude.filter((e) => e.name === undefined)) expect(doc).not.toHaveProperty(excluded.type);
      expect(doc, 'deploy-cli 8.44 refuses migrations').not.toHaveProperty('migrations');
    });
  }

  it('vibecodes-comingsoon: secrets injected, omitted and excluded as mapped', async () => {
    const files = await readFolder(path.join(realTenantsDir, 'vibecodes-comingsoon'));
    const mappings = parseCloneMappings(await readFile(path.join(repoRoot, 'test/fixtures/clone/vibecodes-comingsoon.yaml'), 'utf8'));
    const { report, keywordMappings, files: out } = await prepareClone(files, mappings, resolver);
    expect(report.injected).toEqual(['CONNECTIONS_GITHUB_SECRET', 'CONNECTIONS_GOOGLE_OAUTH2_SECRET']);
    expect(report.omitted).toEqual(['CONNECTIONS_LINKEDIN_SECRET']);
    expect(keywordMappings).toEqual({ CONNECTIONS_GITHUB_SECRET: fakeSecret('github'), CONNECTIONS_GOOGLE_OAUTH2_SECRET: fakeSecret('google') });
    expect(report.excluded).toEqual([{ type: 'logStreams' }, { type: 'customDomains' }, { type: 'emailProvider' }]);
    expect(report.identifiersRemoved).toBeGreaterThan(0);
    const doc = jsYaml.load(deployCliUtils.keywordReplace(out.get('tenant.yaml') as string, keywordMappings)) as {
      connections: { name: string; options: Record<string, unknown> }[];
      tenant: Record<string, unknown>;
    };
    const byName = Object.fromEntries(doc.connections.map((c) => [c.name, c.options]));
    expect(byName.github?.client_secret).toBe(fakeSecret('github'));
    expect(byName['google-oauth2']?.client_secret).toBe(fakeSecret('google'));
    expect(byName.linkedin).not.toHaveProperty('client_secret');
    expect(doc.tenant.support_email).toBe('matty@vibecodes-test.example.test');
    expect(doc.tenant.default_redirection_uri).toBe('https://vibecodes-test.example.test/auth/authorize');
  });

  it('lists every unmapped placeholder of a configuration in one error', async () => {
    const files = await readFolder(path.join(realTenantsDir, 'vibecodes-comingsoon'));
    const error = await prepareClone(files, parseCloneMappings({}), resolver).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'config' });
    const message = (error as Error).message;
    for (const keyword of ['CONNECTIONS_GITHUB_SECRET', 'CONNECTIONS_GOOGLE_OAUTH2_SECRET', 'CONNECTIONS_LINKEDIN_SECRET', 'LOGSTREAMS_DATADOG_SECRET']) {
      expect(message).toContain(keyword);
    }
    expect(message).toContain('4 placeholder(s)');
  });
});
