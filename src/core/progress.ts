/**
 * Progress events. Engines report through this interface and never touch the terminal;
 * the CLI renders events as bars (TTY) or NDJSON (`--progress=json`).
 */
export type ProgressEvent =
  | { type: 'phase'; phase: string; message?: string }
  | { type: 'progress'; phase: string; done: number; total?: number; unit?: string }
  | { type: 'wait'; reason: 'rate-limit' | 'job' | 'retry' | 'lock'; ms: number; message: string }
  | { type: 'warning'; message: string; details?: Record<string, unknown> }
  | { type: 'info'; message: string; details?: Record<string, unknown> };

export interface ProgressReporter {
  emit(event: ProgressEvent): void;
}

export const silentProgress: ProgressReporter = { emit: () => undefined };
