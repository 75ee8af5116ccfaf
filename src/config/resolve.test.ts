import { describe, expect, it } from 'vitest';
import { findTenant, readSource, resolveLocation, retentionRules, tenantCredentials } from './resolve.js';
import type { A0vaultConfig } from './types.js';

const config: A0vaultConfig = {
  locations: { nightly: { url: 'gs://acme/auth0', gcsEndpoint: 'https://gcs.internal' }, here: './backups', abs: '/srv/backups' },
  tenants: [
    { domain: 'acme.eu.auth0.com', clientId: 'cid', clientSecret: { env: 'ACME_SECRET' } },
    { domain: 'staging.acme.eu.auth0.com', accessToken: { file: 'tokens/staging' } },
  ],
  retention: {
    default: { 'keep-daily': 7 },
    locations: { nightly: { 'keep-last': 3 } },
    tenants: { 'ACME.eu.auth0.com': { 'keep-monthly': 12 } },
  },
};

describe('resolveLocation', () => {
  it('a name of the file wins; relative paths are relative to the config file', () => {
    expect(resolveLocation(config, 'nightly', '/etc/a0vault')).toEqual({ name: 'nightly', url: 'gs://acme/auth0', gcsEndpoint: 'https://gcs.internal' });
    expect(resolveLocation(config, 'here', '/etc/a0vault')).toEqual({ name: 'here', url: '/etc/a0vault/backups' });
    expect(resolveLocation(config, 'abs', '/etc/a0vault')).toEqual({ name: 'abs', url: '/srv/backups' });
  });

  it('anything else passes through unchanged (including ./name and inherited object keys)', () => {
    expect(resolveLocation(config, './nightly', '/x')).toEqual({ url: './nightly' });
    expect(resolveLocation(config, 'gs://other', '/x')).toEqual({ url: 'gs://other' });
    expect(resolveLocation(config, 'toString', '/x')).toEqual({ url: 'toString' });
    expect(resolveLocation(undefined, 'nightly', '/x')).toEqual({ url: 'nightly' });
  });
});

describe('retentionRules', () => {
  it('tenant (case-insensitive) > location > default', () => {
    expect(retentionRules(config, { tenant: 'acme.eu.auth0.com', locationName: 'nightly' })).toEqual({ 'keep-monthly': 12 });
    expect(retentionRules(config, { tenant: 'other.example.com', locationName: 'nightly' })).toEqual({ 'keep-last': 3 });
    expect(retentionRules(config, { tenant: 'other.example.com' })).toEqual({ 'keep-daily': 7 });
    expect(retentionRules({}, { tenant: 'x' })).toBeUndefined();
  });
});

describe('tenant credentials', () => {
  const files = { '/etc/a0vault/tokens/staging': 'tok-from-file\n' } as Record<string, string>;
  const readFile = (f: string) => {
    const v = files[f];
    if (v === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return v;
  };

  it('finds the tenant by domain, or the only one', () => {
    expect(findTenant(config, 'STAGING.acme.eu.auth0.com')?.domain).toBe('staging.acme.eu.auth0.com');
    expect(findTenant(config, undefined)).toBeUndefined();
    expect(findTenant({ tenants: [{ domain: 'solo.example.com' }] }, undefined)?.domain).toBe('solo.example.com');
  });

  it('reads secrets from the named variable or file', () => {
    expect(tenantCredentials(config, { domain: 'acme.eu.auth0.com', env: { ACME_SECRET: 's1' }, baseDir: '/etc/a0vault' })).toEqual({
      credentials: { domain: 'acme.eu.auth0.com', clientId: 'cid', clientSecret: 's1' },
      warnings: [],
    });
    expect(tenantCredentials(config, { domain: 'staging.acme.eu.auth0.com', env: {}, baseDir: '/etc/a0vault', readFile })?.credentials).toEqual({
      domain: 'staging.acme.eu.auth0.com',
      accessToken: 'tok-from-file',
    });
  });

  it('AUTH0_DOMAIN selects among several tenants when no --domain is given', () => {
    expect(tenantCredentials(config, { env: { AUTH0_DOMAIN: 'staging.acme.eu.auth0.com' }, baseDir: '/etc/a0vault', readFile })?.credentials.domain).toBe('staging.acme.eu.auth0.com');
    expect(tenantCredentials(config, { env: {}, baseDir: '/etc/a0vault' })).toBeUndefined();
  });

  it('the file wins over AUTH0_* variables, with a warning naming the variable (never the value)', () => {
    const solo: A0vaultConfig = { tenants: [{ domain: 'solo.example.com', clientId: 'file-id', clientSecret: { env: 'SOLO_SECRET' } }] };
    const env = { AUTH0_DOMAIN: 'other.example.com', AUTH0_CLIENT_ID: 'env-id', AUTH0_CLIENT_SECRET: 'env-secret', AUTH0_ACCESS_TOKEN: 'env-token', SOLO_SECRET: 'file-secret' };
    const r = tenantCredentials(solo, { env, baseDir: '/' });
    expect(r?.credentials).toEqual({ domain: 'solo.example.com', clientId: 'file-id', clientSecret: 'file-secret' });
    expect(r?.warnings).toEqual([
      'AUTH0_DOMAIN is set but the config file gives the tenant domain (/tenants/0): using the file',
      'AUTH0_CLIENT_ID is set but the config file gives the clientId (/tenants/0): using the file',
      'AUTH0_CLIENT_SECRET is set but the config file gives the clientSecret (/tenants/0): using the file',
      'AUTH0_ACCESS_TOKEN is set but the config file gives the credentials (/tenants/0): using the file',
    ]);
    expect(r?.warnings.join(' ')).not.toMatch(/env-secret|env-token|file-secret/);
  });

  it('no warning when the file names the AUTH0_* variable itself, or the values agree, or the file gives no credentials', () => {
    const own: A0vaultConfig = { tenants: [{ domain: 'solo.example.com', clientId: 'same', clientSecret: { env: 'AUTH0_CLIENT_SECRET' } }] };
    expect(tenantCredentials(own, { env: { AUTH0_CLIENT_SECRET: 's', AUTH0_CLIENT_ID: 'same', AUTH0_DOMAIN: 'SOLO.example.com' }, baseDir: '/' })?.warnings).toEqual([]);
    const bare: A0vaultConfig = { tenants: [{ domain: 'solo.example.com' }] };
    expect(tenantCredentials(bare, { env: { AUTH0_CLIENT_ID: 'i', AUTH0_CLIENT_SECRET: 's' }, baseDir: '/' })).toEqual({ credentials: { domain: 'solo.example.com' }, warnings: [] });
  });

  it('a missing variable or file is a config error naming the field, not the value', () => {
    expect(() => readSource({ env: 'NOPE' }, { env: {}, baseDir: '/', at: '/tenants/0/clientSecret' })).toThrow('/tenants/0/clientSecret: environment variable NOPE is not set');
    expect(() => readSource({ file: 'x' }, { env: {}, baseDir: '/etc', readFile, at: '/tenants/1/accessToken' })).toThrow('/tenants/1/accessToken: cannot read /etc/x (ENOENT)');
    expect(readSource({ value: 'v' }, { env: {}, baseDir: '/', at: '' })).toBe('v');
  });
});
