/**
 * Sends a list in fixed-size batches, all queued at once (the ApiQueue paces them), and reports
 * per batch instead of failing the whole list on the first error, so a restore can carry
 * failed items into its report. A CancelledError is rethrown (nothing to report).
 */
import { CancelledError } from '../core/errors.js';

export interface BatchFailure {
  items: string[];
  error: unknown;
}

export interface BatchResult {
  /** Items in batches that succeeded. */
  done: number;
  failed: BatchFailure[];
}

export async function sendInBatches(items: readonly string[], size: number, send: (batch: string[]) => Promise<unknown>): Promise<BatchResult> {
  const chunks: string[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  const results = await Promise.allSettled(chunks.map((c) => send(c)));
  const result: BatchResult = { done: 0, failed: [] };
  results.forEach((r, i) => {
    const chunk = chunks[i] ?? [];
    if (r.status === 'fulfilled') result.done += chunk.length;
    else result.failed.push({ items: chunk, error: r.reason });
  });
  const cancelled = result.failed.find((f) => f.error instanceof CancelledError);
  if (cancelled) throw cancelled.error;
  return result;
}
