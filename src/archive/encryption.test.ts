import { inspect } from 'node:util';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { generateHybridIdentity, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { beforeAll, describe, expect, it } from 'vitest';
import { A0vaultError } from '../core/errors.js';
import { AgeIdentities, AgeRecipients, EntryDecryptError, createDecryptStream, createEncryptStream } from './encryption.js';

// keys are generated per run: no private key is committed
let identity: string;
let recipient: string;
let otherIdentity: string;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
  otherIdentity = await generateX25519Identity();
});

async function collect(stream: Readable | NodeJS.ReadableStream, ...through: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  await pipeline([stream, ...through, sink]);
  return Buffer.concat(chunks);
}

const encrypt = (plain: Buffer, recipients = AgeRecipients.parse({ values: [recipient] })) => collect(Readable.from([plain]), createEncryptStream(recipients));
const decrypt = (cipher: Buffer, key = identity) => collect(Readable.from([cipher]), createDecryptStream(AgeIdentities.parse(key, 'test identity')));

function configError(fn: () => unknown): A0vaultError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(A0vaultError);
    expect((err as A0vaultError).code).toBe('config');
    return err as A0vaultError;
  }
  throw new Error('expected a config error');
}

describe('AgeRecipients', () => {
  it('reads flag values and recipients files, skipping comments and counting duplicates once', async () => {
    const second = await identityToRecipient(otherIdentity);
    const r = AgeRecipients.parse({ values: [recipient], files: [{ name: 'team.txt', text: `# ops team\n${second}\r\n\n${recipient}\n` }] });
    expect(r.values).toEqual([recipient, second]);
    expect(r.count).toBe(2);
  });

  it('refuses an identity given as a recipient without repeating it', () => {
    const err = configError(() => AgeRecipients.parse({ values: [identity] }));
    expect(err.message).toMatch(/--encrypt-to value 1 is an age identity \(a secret key\)/);
    expect(err.message).not.toContain(identity);
  });

  it('refuses malformed recipients and an empty list', () => {
    expect(configError(() => AgeRecipients.parse({ values: ['ssh-ed25519 AAAA'] })).message).toMatch(/not an age recipient/);
    const broken = `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`;
    expect(configError(() => AgeRecipients.parse({ files: [{ name: 'r.txt', text: broken }] })).message).toMatch(/r\.txt line 1 is not a valid age recipient/);
    expect(configError(() => AgeRecipients.parse({ files: [{ name: 'r.txt', text: '# nobody\n' }] })).message).toMatch(/no age recipient/);
  });
});

describe('AgeIdentities', () => {
  it('parses identity files and never prints the keys', () => {
    const ids = AgeIdentities.parse(`# created: today\n# public key: ${recipient}\n${identity}\n${otherIdentity}\n`, 'key.txt');
    expect(ids.count).toBe(2);
    for (const shown of [String(ids), JSON.stringify({ ids }), inspect(ids), inspect({ nested: { ids } }, { depth: 5, showHidden: true })]) {
      expect(shown).not.toContain(identity);
      expect(shown).not.toContain(otherIdentity);
    }
  });

  it('refuses bad lines without repeating them', () => {
    const broken = `${identity.slice(0, -1)}${identity.endsWith('Q') ? 'P' : 'Q'}`;
    const err = configError(() => AgeIdentities.parse(`${broken}\n`, 'key.txt'));
    expect(err.message).toMatch(/key\.txt line 1 is not a valid age identity/);
    expect(err.message).not.toContain(broken);
    expect(err.cause).toBeUndefined();
    expect(configError(() => AgeIdentities.parse(`${recipient}\n`, 'key.txt')).message).toMatch(/line 1 is not an age identity/);
    expect(configError(() => AgeIdentities.parse('\n# nothing\n', 'key.txt')).message).toMatch(/holds no age identity/);
  });
});

describe('encrypt and decrypt streams', () => {
  it('round-trip small, empty and multi-chunk payloads (age chunks are 64 KiB)', async () => {
    for (const size of [0, 11, 64 * 1024, 64 * 1024 + 1, 300_000]) {
      const plain = Buffer.alloc(size);
      for (let i = 0; i < size; i++) plain[i] = (i * 31) % 251;
      const cipher = await encrypt(plain);
      expect(cipher.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
      expect(cipher.includes(plain.subarray(0, Math.min(size, 4096))) && size > 0).toBe(false);
      expect((await decrypt(cipher)).equals(plain)).toBe(true);
    }
  });

  it('accepts post-quantum hybrid recipients and identities (age1pq1…, AGE-SECRET-KEY-PQ-1…)', async () => {
    const hybrid = await generateHybridIdentity();
    const pq = await identityToRecipient(hybrid);
    expect(pq.startsWith('age1pq1')).toBe(true);
    const cipher = await encrypt(Buffer.from('post-quantum\n'), AgeRecipients.parse({ values: [pq] }));
    expect((await decrypt(cipher, hybrid)).toString()).toBe('post-quantum\n');
    expect(inspect(AgeIdentities.parse(hybrid, 'pq.txt'))).not.toContain(hybrid);
  });

  it('uses a fresh file key per stream', async () => {
    const plain = Buffer.from('same content\n');
    expect((await encrypt(plain)).equals(await encrypt(plain))).toBe(false);
  });

  it('decrypts with any one of several recipients', async () => {
    const both = AgeRecipients.parse({ values: [recipient, await identityToRecipient(otherIdentity)] });
    const cipher = await encrypt(Buffer.from('shared\n'), both);
    expect((await decrypt(cipher, otherIdentity)).toString()).toBe('shared\n');
  });

  it('fails with EntryDecryptError for a wrong identity, a flipped byte, or a cut-short stream', async () => {
    const plain = Buffer.alloc(150_000, 7);
    const cipher = await encrypt(plain);
    const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

    const wrong = await failure(decrypt(cipher, otherIdentity));
    expect(wrong).toBeInstanceOf(EntryDecryptError);
    expect((wrong as EntryDecryptError).problem).toMatch(/no given identity matches/);

    for (const position of [cipher.length - 3, cipher.length - 70_000, Math.floor(cipher.length / 2)]) {
      const flipped = Buffer.from(cipher);
      flipped[position] = (flipped[position] ?? 0) ^ 0x01;
      const err = await failure(decrypt(flipped));
      expect(err, `flip at ${position}`).toBeInstanceOf(EntryDecryptError);
      expect((err as EntryDecryptError).problem).toMatch(/failed age authentication/);
    }

    const header = cipher.indexOf('\n---');
    const headerFlip = Buffer.from(cipher);
    headerFlip[header + 6] = (headerFlip[header + 6] ?? 0) ^ 0x01;
    expect(await failure(decrypt(headerFlip))).toBeInstanceOf(EntryDecryptError);

    for (const cut of [cipher.length - 1, cipher.length - 65_000, 40]) {
      expect(await failure(decrypt(cipher.subarray(0, cut))), `cut at ${cut}`).toBeInstanceOf(EntryDecryptError);
    }
  });

  it('stops when the signal aborts mid-stream, in both directions', async () => {
    const cipher = await encrypt(Buffer.alloc(400_000, 3));
    for (const [source, transform] of [
      [cipher, () => createDecryptStream(AgeIdentities.parse(identity, 'k'))],
      [Buffer.alloc(400_000, 3), () => createEncryptStream(AgeRecipients.parse({ values: [recipient] }))],
    ] as const) {
      const controller = new AbortController();
      let seen = 0;
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          seen += chunk.length;
          if (seen > 100_000) controller.abort(new Error('stop'));
          callback();
        },
      });
      const chunks = Array.from({ length: 40 }, (_, i) => source.subarray(i * 10_000, (i + 1) * 10_000));
      const err = await pipeline(Readable.from(chunks), transform(), sink, { signal: controller.signal }).catch((e: unknown) => e);
      expect((err as Error).name).toBe('AbortError');
      expect(seen).toBeLessThan(400_000);
    }
  });

  it('passes an error of the ciphertext source through unchanged', async () => {
    const cipher = await encrypt(Buffer.alloc(100_000, 1));
    const boom = new A0vaultError('integrity', 'source failed');
    async function* source() {
      yield cipher.subarray(0, 80_000);
      throw boom;
    }
    const err = await collect(Readable.from(source()), createDecryptStream(AgeIdentities.parse(identity, 'k'))).catch((e: unknown) => e);
    expect(err).toBe(boom);
  });
});
