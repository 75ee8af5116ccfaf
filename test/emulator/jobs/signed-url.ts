/**
 * Short-lived download links for export files, signed like a pre-signed object-store URL:
 * `/__files/exports/<job>/<file>?expires=<epoch seconds>&sig=<hmac>`. The key is random per
 * process, so a link only works on the emulator that issued it.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class UrlSigner {
  private readonly key = randomBytes(32);

  private mac(path: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${path}\n${expires}`).digest('hex');
  }

  /** The path + query of a link valid until `expiresMs`. */
  sign(path: string, expiresMs: number): string {
    const expires = Math.floor(expiresMs / 1000);
    return `${path}?expires=${expires}&sig=${this.mac(path, expires)}`;
  }

  /** 'ok', 'bad-signature' or 'expired' (checked in that order, like S3). */
  verify(path: string, query: URLSearchParams, nowMs: number): 'ok' | 'bad-signature' | 'expired' {
    const expires = Number(query.get('expires'));
    const sig = query.get('sig') ?? '';
    if (!Number.isInteger(expires) || !/^[0-9a-f]{64}$/.test(sig)) return 'bad-signature';
    const want = Buffer.from(this.mac(path, expires), 'hex');
    if (!timingSafeEqual(want, Buffer.from(sig, 'hex'))) return 'bad-signature';
    return nowMs >= expires * 1000 ? 'expired' : 'ok';
  }
}

/** An S3-style XML error body. */
export function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
