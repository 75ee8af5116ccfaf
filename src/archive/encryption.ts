/**
 * age encryption of archive entries (docs/archive-format.md §8), through the `age-encryption`
 * package (the published age format: X25519 or hybrid recipients, ChaCha20-Poly1305 in 64 KiB
 * chunks, truncation detected). Nothing here implements cryptography.
 *
 * Contract:
 * - `AgeRecipients.parse` / `AgeIdentities.parse` validate their input up front and fail with a
 *   `config` error that never repeats the offending text: a secret key pasted in the wrong place
 *   must not reach a log. Identities never print themselves (toString, JSON, util.inspect).
 * - `createEncryptStream` / `createDecryptStream` are Node Duplex streams (backpressure flows
 *   through; nothing is held whole). A decrypt stream fails with an `EntryDecryptError` when no
 *   identity matches, the age header is malformed, or a chunk fails authentication (a changed
 *   or cut-short ciphertext); callers name the entry (reader.ts, verify.ts).
 */
import { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { Decrypter, Encrypter } from 'age-encryption';
import { A0vaultError } from '../core/errors.js';

export const ENCRYPTION_SCHEME = 'age';

const RECIPIENT_PREFIX = 'age1';
const IDENTITY_PREFIXES = ['AGE-SECRET-KEY-1', 'AGE-SECRET-KEY-PQ-1'];
const MAX_RECIPIENTS = 1000;

function looksSecret(value: string): boolean {
  return value.toUpperCase().startsWith('AGE-SECRET-KEY-');
}

/** Non-empty lines without `#` comments, with their 1-based line numbers. */
function keyLines(text: string): { line: number; value: string }[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ line: i + 1, value: raw.trim() }))
    .filter((l) => l.value !== '' && !l.value.startsWith('#'));
}

/** The public keys an archive is encrypted to (`age1…`). Safe to print. */
export class AgeRecipients {
  private constructor(readonly values: readonly string[]) {}

  get count(): number {
    return this.values.length;
  }

  /**
   * Recipients from flag values and/or recipients-file texts (one per line, `#` comments).
   * Duplicates count once. Throws a `config` error naming where the bad value came from.
   */
  static parse(sources: { values?: string[]; files?: { name: string; text: string }[] }): AgeRecipients {
    const found: { where: string; value: string }[] = [];
    for (const [i, value] of (sources.values ?? []).entries()) found.push({ where: `--encrypt-to value ${i + 1}`, value: value.trim() });
    for (const file of sources.files ?? []) {
      for (const l of keyLines(file.text)) found.push({ where: `${file.name} line ${l.line}`, value: l.value });
    }
    const unique = new Set<string>();
    for (const { where, value } of found) {
      if (looksSecret(value)) {
        throw new A0vaultError('config', `${where} is an age identity (a secret key), not a recipient: give its public recipient (age-keygen -y) instead`);
      }
      if (!value.startsWith(RECIPIENT_PREFIX)) throw new A0vaultError('config', `${where} is not an age recipient (expected age1…)`);
      try {
        new Encrypter().addRecipient(value);
      } catch {
        throw new A0vaultError('config', `${where} is not a valid age recipient (bad encoding or checksum)`);
      }
      unique.add(value);
    }
    if (unique.size === 0) throw new A0vaultError('config', 'no age recipient given');
    if (unique.size > MAX_RECIPIENTS) throw new A0vaultError('config', `at most ${MAX_RECIPIENTS} age recipients are supported`);
    return new AgeRecipients([...unique]);
  }
}

/**
 * Secret keys read from an age identity file (`AGE-SECRET-KEY-1…` lines, `#` comments). The
 * keys are private to this object and never printed.
 */
export class AgeIdentities {
  readonly #keys: readonly string[];

  private constructor(keys: string[]) {
    this.#keys = keys;
  }

  get count(): number {
    return this.#keys.length;
  }

  /** Parses an identity file's text; `source` (a file name) is used in error messages only. */
  static parse(text: string, source: string): AgeIdentities {
    const keys: string[] = [];
    for (const l of keyLines(text)) {
      if (!IDENTITY_PREFIXES.some((p) => l.value.startsWith(p))) {
        throw new A0vaultError('config', `${source} line ${l.line} is not an age identity (expected AGE-SECRET-KEY-1…)`);
      }
      try {
        new Decrypter().addIdentity(l.value);
      } catch {
        // no cause: the library's message may quote the key
        throw new A0vaultError('config', `${source} line ${l.line} is not a valid age identity (bad encoding or checksum)`);
      }
      keys.push(l.value);
    }
    if (keys.length === 0) throw new A0vaultError('config', `${source} holds no age identity`);
    return new AgeIdentities(keys);
  }

  /** A Decrypter holding every identity (internal to the archive module). */
  decrypter(): Decrypter {
    const d = new Decrypter();
    for (const key of this.#keys) d.addIdentity(key);
    return d;
  }

  toString(): string {
    return `[age identities: ${this.#keys.length}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A decryption failure of one entry's ciphertext; `problem` is a sentence for reports. */
export class EntryDecryptError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'EntryDecryptError';
  }
}

/** What went wrong, in words for a report (library messages never carry key material here). */
function decryptProblem(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/no identity matched/i.test(text)) return 'cannot be decrypted: no given identity matches its recipients (wrong identity?)';
  if (/invalid tag|final chunk is empty|ciphertext/i.test(text)) return 'failed age authentication: the ciphertext was changed or cut short';
  if (/HMAC/i.test(text)) return 'failed age authentication: the age header was changed';
  return `is not a valid age stream: ${text}`;
}

type AsyncTransform = (input: ReadableStream<Uint8Array>) => Promise<ReadableStream<Uint8Array>>;

/**
 * A Duplex around an async web-stream transform (age's encrypt/decrypt resolve once the header
 * is written or read). Errors of the transform are passed through `mapError`.
 */
function duplexAround(transform: AsyncTransform, mapError: (err: unknown) => Error): Duplex {
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const output = new TransformStream<Uint8Array, Uint8Array>();
  const fail = (err: unknown) => {
    const mapped = mapError(err);
    output.writable.abort(mapped).catch(() => undefined);
    input.readable.cancel(mapped).catch(() => undefined);
  };
  transform(input.readable).then((result) => result.pipeTo(output.writable, { preventAbort: true }).catch(fail), fail);
  return Duplex.fromWeb({ readable: output.readable, writable: input.writable });
}

/** Encrypts a byte stream to `recipients` (one age file per stream; a fresh file key each). */
export function createEncryptStream(recipients: AgeRecipients): Duplex {
  const encrypter = new Encrypter();
  for (const r of recipients.values) encrypter.addRecipient(r);
  return duplexAround(
    (input) => encrypter.encrypt(input),
    (err) => new A0vaultError('internal', `age encryption failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
  );
}

/**
 * Decrypts and authenticates an age stream. A decryption failure becomes an EntryDecryptError,
 * or what `fail(problem)` returns (readers name the entry); errors of the ciphertext source
 * (A0vaultError) pass through unchanged.
 */
export function createDecryptStream(identities: AgeIdentities, options: { fail?: (problem: string) => Error } = {}): Duplex {
  const decrypter = identities.decrypter();
  const fail = options.fail ?? ((problem: string) => new EntryDecryptError(problem));
  return duplexAround(
    (input) => decrypter.decrypt(input),
    (err) => (err instanceof A0vaultError || err instanceof EntryDecryptError ? err : fail(decryptProblem(err))),
  );
}

/** The usage error for reading an encrypted snapshot's contents without an identity. */
export function identityRequiredError(what: string): A0vaultError {
  return new A0vaultError('usage', `${what} is encrypted (age): reading it needs an identity: pass --identity <file> or set A0VAULT_IDENTITY_FILE`, {
    details: { encrypted: true },
  });
}
