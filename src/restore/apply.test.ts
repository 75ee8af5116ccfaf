import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prepareDeployYaml } from './apply.js';

const YAML = [
  'connections:',
  '  - name: google-oauth2',
  '    strategy: google-oauth2',
  '    options:',
  '      client_id: abc',
  "      client_secret: '##CONNECTIONS_GOOGLE_OAUTH2_SECRET##'",
  '  - name: github',
  '    options:',
  "      client_secret: '##CONNECTIONS_GITHUB_SECRET##'",
  'databases:',
  '  - name: Username-Password-Authentication',
  '  - name: customers',
  'emailProvider:',
  '  credentials:',
  "    smtp_pass: '##SMTP_PASS##'",
  '  default_from_address: no-reply@example.com',
].join('\n');

describe('prepareDeployYaml', () => {
  it('removes masked secrets that no keyword mapping fills, so deploy-cli never writes a placeholder over a real secret', () => {
    const r = prepareDeployYaml(YAML, { keywordMappings: { CONNECTIONS_GITHUB_SECRET: 'x' } });
    const doc = parse(r.text) as { connections: { options: Record<string, unknown> }[]; emailProvider: Record<string, unknown> };
    expect(doc.connections[0]?.options).toEqual({ client_id: 'abc' });
    expect(doc.connections[1]?.options).toEqual({ client_secret: '##CONNECTIONS_GITHUB_SECRET##' });
    expect(doc.emailProvider).toEqual({ default_from_address: 'no-reply@example.com' });
    expect(r.removed.sort()).toEqual(['connections.options.client_secret', 'emailProvider.credentials.smtp_pass']);
  });

  it('leaves out a log stream the restore would create without its required sink secret; keeps one it updates and one whose secret is optional', () => {
    const yaml = [
      'logStreams:',
      '  - name: Datadog',
      '    type: datadog',
      '    sink:',
      "      datadogApiKey: '##LOGSTREAMS_DATADOG_SECRET##'",
      '      datadogRegion: us',
      '  - name: Existing',
      '    type: datadog',
      '    sink:',
      "      datadogApiKey: '##LOGSTREAMS_DATADOG_SECRET##'",
      '  - name: Webhook',
      '    type: http',
      '    sink:',
      "      httpAuthorization: '##LOGSTREAMS_HTTP_SECRET##'",
      '      httpEndpoint: https://example.com/logs',
    ].join('\n');
    const r = prepareDeployYaml(yaml, { keywordMappings: {}, created: { logStreams: new Set(['Datadog', 'Webhook']) } });
    expect(r.skipped).toEqual([{ type: 'logStreams', name: 'Datadog' }]);
    expect((parse(r.text) as { logStreams: { name: string }[] }).logStreams.map((l) => l.name)).toEqual(['Existing', 'Webhook']);
    const mapped = prepareDeployYaml(yaml, { keywordMappings: { LOGSTREAMS_DATADOG_SECRET: 'k' }, created: { logStreams: new Set(['Datadog']) } });
    expect(mapped.skipped).toEqual([]);
  });

  it('keeps only the selected connection with --connection', () => {
    const r = prepareDeployYaml(YAML, { keywordMappings: {}, connection: 'customers' });
    const doc = parse(r.text) as { connections: unknown[]; databases: { name: string }[] };
    expect(doc.connections).toEqual([]);
    expect(doc.databases.map((d) => d.name)).toEqual(['customers']);
  });
});
