/**
 * TLS for the tenant emulator, like production: a long-lived local CA (created once, kept in
 * `<repo>/.cache/emulator-ca/`, gitignored) and a fresh leaf certificate per emulator start
 * (SAN DNS:localhost and IP:127.0.0.1) signed by it. Clients trust the CA through
 * `NODE_EXTRA_CA_CERTS=<caFile>`, which Node reads only at process start — so the CA must exist
 * before test workers spawn (test/setup/global-setup.ts creates it).
 *
 * Creation is safe when several processes race: the pair is written into a private temporary
 * directory which is then renamed into place; the loser of the rename reads the winner's pair.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultCaDir = path.join(repoRoot, '.cache', 'emulator-ca');

const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';

export interface EmulatorCa {
  /** PEM file holding only the CA certificate (what NODE_EXTRA_CA_CERTS points at). */
  caFile: string;
  caCertPem: string;
  caKeyPem: string;
}

export interface LeafCert {
  certPem: string;
  keyPem: string;
}

/** Returns the emulator CA in `dir`, creating it the first time (race-safe). */
export async function ensureEmulatorCa(dir: string = defaultCaDir): Promise<EmulatorCa> {
  const existing = await readCa(dir);
  if (existing) return existing;
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp, { recursive: true });
  try {
    const { certPem, keyPem } = createCa();
    await writeFile(path.join(tmp, CA_KEY), keyPem, { mode: 0o600 });
    await writeFile(path.join(tmp, CA_CERT), certPem);
    try {
      await rename(tmp, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw err;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const ca = await readCa(dir);
  if (!ca) throw new Error(`emulator CA could not be created in ${dir}`);
  return ca;
}

async function readCa(dir: string): Promise<EmulatorCa | undefined> {
  const caFile = path.join(dir, CA_CERT);
  const keyFile = path.join(dir, CA_KEY);
  if (!existsSync(caFile) || !existsSync(keyFile)) return undefined;
  const [caCertPem, caKeyPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { caFile, caCertPem, caKeyPem };
}

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  // node:crypto generates keys in milliseconds; forge's pure-JS keygen would take seconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    keyPem: privateKey,
  };
}

function serial(): string {
  // positive 16-byte serial (leading nibble < 8)
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function createCa(): LeafCert {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: 'a0vault tenant emulator local CA' },
    { name: 'organizationName', value: 'a0vault tests' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** A fresh server certificate for localhost / 127.0.0.1, valid for a week, signed by `ca`. */
export function issueLeafCert(ca: EmulatorCa): LeafCert {
  const caCert = forge.pki.certificateFromPem(ca.caCertPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 7 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}
