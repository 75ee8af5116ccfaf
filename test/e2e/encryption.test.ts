/**
 * Encrypted snapshots through the built CLI against the tenant emulator: snapshot
 * --encrypt-to/--encrypt-to-file, list/show/verify/diff with and without --identity (and
 * A0VAULT_IDENTITY_FILE), wrong identity, a flipped byte, the --include-secrets rule, and a
 * canary: no secret key ever appears on stdout or stderr. Keys are generated per run.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../emulator/server.js';
import { MemoryBackend } from '../../src/storage/memory.js';
import { ArchiveReader, ENTRY } from '../../src/archive/index.js';
import { runCli, tenantEnv, type CliResult } from './cli.js';

async function findFile(dir: string, suffix: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const hit = entries.find((e) => e.isFile() && e.name.endsWith(suffix));
  if (!hit) throw new Error(`no *${suffix} under ${dir}`);
  return path.join(hit.parentPath, hit.name);
}

/** Offset of the middle byte of one entry's stored data in a zip file. */
async function middleOf(zip: Buffer, entryPath: string): Promise<number> {
  const storage = new MemoryBackend();
  const signal = new AbortController().signal;
  await storage.put('a.a0v.zip', () => Readable.from([zip]), { signal });
  const reader = await ArchiveReader.open({ storage, key: 'a.a0v.zip', signal });
  const entry = reader.list().find((e) => e.path === entryPath);
  reader.close();
  if (!entry) throw new Error(`no ${entryPath}`);
  return entry.offset + 30 + Buffer.byteLength(entryPath) + Math.floor(entry.size / 2);
}

describe('encrypted snapshots (built CLI)', () => {
  let emu: RunningEmulator;
  let dir: string;
  let keysDir: string;
  let identity: string;
  let wrongIdentity: string;
  let identityFile: string;
  let wrongIdentityFile: string;
  const ids: string[] = [];
  const outputs: CliResult[] = [];

  const cli = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const r = await runCli(args, { A0VAULT_IDENTITY_FILE: '', ...env });
    outputs.push(r);
    return r;
  };

  beforeAll(async () => {
    emu = await startEmulator({ seed: 'demo', users: 40 });
    dir = await mkdtemp(path.join(tmpdir(), 'a0vault-enc-'));
    keysDir = await mkdtemp(path.join(tmpdir(), 'a0vault-keys-'));
    identity = await generateX25519Identity();
    wrongIdentity = await generateX25519Identity();
    const second = await identityToRecipient(await generateX25519Identity());
    identityFile = path.join(keysDir, 'key.txt');
    wrongIdentityFile = path.join(keysDir, 'wrong.txt');
    await writeFile(identityFile, `# created by the test\n${identity}\n`, { mode: 0o600 });
    await writeFile(wrongIdentityFile, `${wrongIdentity}\n`, { mode: 0o600 });
    const recipientsFile = path.join(keysDir, 'recipients.txt');
    await writeFile(recipientsFile, `# ops\n${second}\n`);
    const recipient = await identityToRecipient(identity);
    for (const extra of [['--include-secrets'], []]) {
      const r = await cli(['snapshot', '--to', dir, '--encrypt-to', recipient, '--encrypt-to-file', recipientsFile, ...extra, '--json', '--progress', 'json'], tenantEnv(emu));
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { snapshotId: string; encryption: unknown; coverage: { captured: { item: string }[] } };
      expect(out.encryption).toEqual({ scheme: 'age', recipients: 2 });
      const secretsCaptured = out.coverage.captured.some((c) => c.item === 'configuration secrets (in the encrypted archive)');
      expect(secretsCaptured).toBe(extra.length > 0);
      ids.push(out.snapshotId);
    }
  }, 240_000);

  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });

  it('writes a v2 manifest that reveals no key, and lists and shows without an identity', async () => {
    const manifest = await readFile(await findFile(dir, '.manifest.json'), 'utf8');
    expect(JSON.parse(manifest)).toMatchObject({ formatVersion: 2, encryption: { scheme: 'age', recipients: 2 } });
    expect(manifest).not.toMatch(/AGE-SECRET-KEY|age1/);
    const list = await cli(['list', '--from', dir, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { encrypted: boolean }[]).map((s) => s.encrypted)).toEqual([true, true]);
    const show = await cli(['show', 'latest', '--from', dir]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/encrypted: every entry is an age file for 2 recipient/);
  });

  it('verifies the ciphertext without an identity, and authenticates every entry with one (flag or env)', async () => {
    const bare = await cli(['verify', 'latest', '--from', dir, '--progress', 'none']);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(/not decrypted \(pass --identity/);
    const flag = await cli(['verify', 'latest', '--from', dir, '--identity', identityFile, '--json', '--progress', 'none']);
    expect(flag.code, flag.stderr).toBe(0);
    expect((JSON.parse(flag.stdout) as { encryption: { decrypted: boolean } }).encryption.decrypted).toBe(true);
    const env = await cli(['verify', ids[0] as string, '--from', dir, '--json', '--progress', 'none'], { A0VAULT_IDENTITY_FILE: identityFile });
    expect(env.code, env.stderr).toBe(0);
    expect((JSON.parse(env.stdout) as { encryption: { decrypted: boolean } }).encryption.decrypted).toBe(true);
  });

  it('diff needs the identity: exit 2 without it, 0 with it, 4 with the wrong one', async () => {
    const [a, b] = ids as [string, string];
    const without = await cli(['diff', a, b, '--from', dir, '--progress', 'none']);
    expect(without.code, without.stderr).toBe(2);
    expect(without.stderr).toMatch(/encrypted.*--identity/);
    const withId = await cli(['diff', a, b, '--from', dir, '--identity', identityFile, '--json', '--progress', 'none']);
    expect(withId.code, withId.stderr).toBe(0);
    expect((JSON.parse(withId.stdout) as { changes: number }).changes).toBe(0);
    const wrong = await cli(['diff', a, b, '--from', dir, '--progress', 'none'], { A0VAULT_IDENTITY_FILE: wrongIdentityFile });
    expect(wrong.code, wrong.stderr).toBe(4);
    expect(wrong.stderr).toMatch(/no given identity matches/);
  });

  it('verify with the wrong identity exits 4 naming an entry', async () => {
    const r = await cli(['verify', 'latest', '--from', dir, '--identity', wrongIdentityFile, '--progress', 'none']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/failed verification: entry config\/[^:]+: cannot be decrypted: no given identity matches/);
  });

  it('verify exits 4 naming the users entry when one byte of its ciphertext is flipped, with or without the identity', async () => {
    const zipPath = await findFile(dir, '.a0v.zip');
    const original = await readFile(zipPath);
    const broken = Buffer.from(original);
    const at = await middleOf(original, ENTRY.users);
    broken[at] = (broken[at] ?? 0) ^ 0x01;
    await writeFile(zipPath, broken);
    const snapshotId = path.basename(zipPath, '.a0v.zip');
    try {
      for (const extra of [[], ['--identity', identityFile]]) {
        const r = await cli(['verify', snapshotId, '--from', dir, '--progress', 'none', ...extra]);
        expect(r.code, r.stderr).toBe(4);
        expect(r.stderr).toMatch(/failed verification: entry users\/users\.ndjson\.gz/);
      }
    } finally {
      await writeFile(zipPath, original);
    }
  });

  it('refuses --include-secrets without encryption, and secret keys where recipients or identities belong, without echoing them', async () => {
    const secrets = await cli(['snapshot', '--to', dir, '--include-secrets', '--progress', 'none'], tenantEnv(emu));
    expect(secrets.code, secrets.stderr).toBe(2);
    expect(secrets.stderr).toMatch(/--include-secrets.*--encrypt-to/);
    const asRecipient = await cli(['snapshot', '--to', dir, '--encrypt-to', identity, '--progress', 'none'], tenantEnv(emu));
    expect(asRecipient.code, asRecipient.stderr).toBe(2);
    expect(asRecipient.stderr).toMatch(/is an age identity \(a secret key\), not a recipient/);
    const badFile = path.join(keysDir, 'bad.txt');
    await writeFile(badFile, `${identity.slice(0, -2)}zz\n`);
    const badIdentity = await cli(['verify', 'latest', '--from', dir, '--identity', badFile, '--progress', 'none']);
    expect(badIdentity.code, badIdentity.stderr).toBe(2);
    expect(badIdentity.stderr).toMatch(/line 1 is not a valid age identity/);
    expect(badIdentity.stderr).not.toContain(identity.slice(16, 40));
  });

  it('never printed a secret key (canary) on stdout or stderr of any run above', () => {
    expect(outputs.length).toBeGreaterThan(10);
    for (const r of outputs) {
      for (const secret of [identity, wrongIdentity, identity.slice(16, 48), wrongIdentity.slice(16, 48)]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    }
  });
});
