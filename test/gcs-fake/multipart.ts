/**
 * multipart/related bodies (`uploadType=multipart`): a JSON metadata part, then the media part.
 * The body is first spooled to a file; only its head (metadata) and tail (closing delimiter) are
 * read into memory, so the media part can be of any size.
 */
import { open } from 'node:fs/promises';
import { badRequest } from './http-util.js';

export interface MultipartLayout {
  metadata: Record<string, unknown>;
  mediaContentType: string | undefined;
  /** Byte offsets of the media part within the spooled body: [start, end). */
  mediaStart: number;
  mediaEnd: number;
}

export function boundaryOf(contentType: string | undefined): string {
  const match = /^multipart\/related\s*;.*boundary=("?)([^";]+)\1/i.exec(contentType ?? '');
  if (!match?.[2]) throw badRequest('Content-Type must be multipart/related with a boundary.');
  return match[2];
}

const HEAD_BYTES = 2 * 1024 * 1024;
const TAIL_BYTES = 4096;

export async function parseSpooledMultipart(file: string, boundary: string): Promise<MultipartLayout> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await fh.read(head, 0, head.length, 0);
    const delimiter = Buffer.from(`--${boundary}`);
    const crlf2 = Buffer.from('\r\n\r\n');
    const first = head.indexOf(delimiter);
    if (first < 0) throw badRequest('Malformed multipart body: no boundary.');
    const metaHeadersEnd = head.indexOf(crlf2, first);
    if (metaHeadersEnd < 0) throw badRequest('Malformed multipart body: metadata part headers.');
    const metaStart = metaHeadersEnd + 4;
    const metaEnd = head.indexOf(Buffer.from(`\r\n--${boundary}`), metaStart);
    if (metaEnd < 0) throw badRequest('Malformed multipart body: metadata part.');
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(head.subarray(metaStart, metaEnd).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw badRequest('Metadata part is not valid JSON.');
    }
    const mediaHeadersStart = metaEnd + 2 + delimiter.length;
    const mediaHeadersEnd = head.indexOf(crlf2, mediaHeadersStart);
    if (mediaHeadersEnd < 0) throw badRequest('Malformed multipart body: media part headers.');
    const mediaHeaders = head.subarray(mediaHeadersStart, mediaHeadersEnd).toString('latin1');
    const mediaContentType = /content-type:\s*([^\r\n]+)/i.exec(mediaHeaders)?.[1]?.trim();
    const mediaStart = mediaHeadersEnd + 4;

    const tailLength = Math.min(size - mediaStart, TAIL_BYTES);
    const tail = Buffer.alloc(Math.max(0, tailLength));
    await fh.read(tail, 0, tail.length, size - tail.length);
    const closing = tail.lastIndexOf(Buffer.from(`\r\n--${boundary}--`));
    if (closing < 0) throw badRequest('Malformed multipart body: no closing boundary.');
    const mediaEnd = size - tail.length + closing;
    if (mediaEnd < mediaStart) throw badRequest('Malformed multipart body.');
    return { metadata, mediaContentType, mediaStart, mediaEnd };
  } finally {
    await fh.close();
  }
}
