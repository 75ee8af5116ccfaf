/**
 * The start contract other tools rely on (docs/emulator.md): `npm run --silent emulator -- …`
 * prints exactly one JSON ready line and nothing else on stdout, serves HTTPS with a
 * certificate for localhost/127.0.0.1 signed by `caFile`, and exits 0 on SIGTERM; bad flags
 * exit 2. Also: the CA is created once even when processes race.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnEmulator } from '../emulator/harness.js';
import { ensureEmulatorCa, issueLeafCert, repoRoot } from '../emulator/tls.js';

describe('emulator process', () => {
  it('prints exactly one ready line, serves TLS signed by caFile, and exits 0 on SIGTERM', async () => {
    const emu = await spawnEmulator(['--seed', 'empty', '--rate-limit', 'enterprise']);
    let stdout = '';
    emu.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const { info } = emu;
    expect(Object.keys(info).sort()).toEqual(['admin', 'caFile', 'clientId', 'clientSecret', 'domain']);
    expect(info.domain).toMatch(/^localhost:\d+$/);
    expect(info.admin).toBe(`https://${info.domain}/__emulator`);
    const ca = await readFile(info.caFile, 'utf8');
    const port = Number(info.domain.split(':')[1]);
    const status = await new Promise<number>((resolve, reject) => {
      // explicit CA: this request must not rely on NODE_EXTRA_CA_CERTS
      const req = request({ host: '127.0.0.1', servername: 'localhost', port, path: '/api/v2/clients', ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    expect(await emu.stop()).toBe(0);
    expect(stdout).toBe('');
  });

  it('exits 2 with a message on stderr for an invalid flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/emulator/main.ts'), '--rate-limit', 'lots'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/invalid --rate-limit/);
  });
});

describe('emulator CA', () => {
  it('is created once when two processes race, and signs leaf certificates for localhost and 127.0.0.1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'a0vault-ca-'));
    try {
      const caDir = path.join(dir, 'ca');
      const [a, b] = await Promise.all([ensureEmulatorCa(caDir), ensureEmulatorCa(caDir)]);
      expect(a.caCertPem).toBe(b.caCertPem);
      expect((await ensureEmulatorCa(caDir)).caCertPem).toBe(a.caCertPem);
      const leaf = new X509Certificate(issueLeafCert(a).certPem);
      const caCert = new X509Certificate(a.caCertPem);
      expect(leaf.verify(caCert.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toContain('DNS:localhost');
      expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(caCert.ca).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
