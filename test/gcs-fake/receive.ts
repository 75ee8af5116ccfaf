/** Streaming request bodies to disk, with the "drop the connection after N bytes" fault. */
import { open } from 'node:fs/promises';
import type { RequestContext } from './context.js';

export interface Received {
  /** Body bytes that arrived (including skipped ones). */
  received: number;
  /** Bytes appended to the file. */
  written: number;
  /** complete: the whole body arrived; dropped: the fake cut it (fault); aborted: the client did. */
  outcome: 'complete' | 'dropped' | 'aborted';
}

/**
 * Appends the request body to `file`, leaving out its first `skip` bytes (already stored).
 * With a dropAfterBytes fault, stops after that many body bytes; the caller must then record
 * what it keeps and destroy the socket.
 */
export async function receiveInto(ctx: RequestContext, file: string, skip = 0): Promise<Received> {
  const dropAt = ctx.decision.dropAfterBytes;
  const fh = await open(file, 'a', 0o600);
  let received = 0;
  let written = 0;
  const append = async (buf: Buffer) => {
    const from = Math.max(0, skip - received);
    received += buf.length;
    if (from < buf.length) {
      const part = buf.subarray(from);
      await fh.write(part);
      written += part.length;
    }
  };
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      if (dropAt !== undefined && received + chunk.length >= dropAt) {
        await append(chunk.subarray(0, dropAt - received));
        return { received, written, outcome: 'dropped' };
      }
      await append(chunk);
    }
    return { received, written, outcome: 'complete' };
  } catch {
    return { received, written, outcome: 'aborted' };
  } finally {
    await fh.close();
  }
}
