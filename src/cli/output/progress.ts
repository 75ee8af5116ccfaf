/**
 * Renders engine progress events on stderr: bars and one-line messages on a TTY, NDJSON
 * events otherwise (or with `--progress=json`), nothing with `--progress=none`.
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent, ProgressReporter } from '../../core/progress.js';

export type ProgressMode = 'auto' | 'tty' | 'json' | 'none';

export function createProgressRenderer(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressReporter & { stop(): void } {
  const effective = mode === 'auto' ? (stream.isTTY ? 'tty' : 'json') : mode;
  if (effective === 'none') return { emit: () => undefined, stop: () => undefined };
  if (effective === 'json') {
    return {
      emit: (event) => stream.write(`${JSON.stringify({ ts: new Date().toISOString(), ...event })}\n`),
      stop: () => undefined,
    };
  }
  return new TtyRenderer(stream);
}

class TtyRenderer implements ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private barPhase: string | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  emit(event: ProgressEvent): void {
    switch (event.type) {
      case 'progress':
        this.showBar(event.phase, event.done, event.total, event.unit);
        return;
      case 'phase':
        this.stop();
        this.stream.write(`» ${event.phase}${event.message ? `: ${event.message}` : ''}\n`);
        return;
      case 'wait':
        if (!this.bar) this.stream.write(`  … ${event.message}\n`);
        return;
      case 'warning':
        this.stop();
        this.stream.write(`  ! ${event.message}\n`);
        return;
      case 'info':
        this.stop();
        this.stream.write(`  ${event.message}\n`);
        return;
    }
  }

  private showBar(phase: string, done: number, total: number | undefined, unit = 'items'): void {
    if (this.barPhase !== phase) {
      this.stop();
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: total === undefined ? `  ${phase} {value} ${unit}` : `  ${phase} [{bar}] {value}/{total} ${unit}`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total ?? 0, done);
      this.barPhase = phase;
      return;
    }
    if (total !== undefined) this.bar?.setTotal(total);
    this.bar?.update(done);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.barPhase = undefined;
  }
}
