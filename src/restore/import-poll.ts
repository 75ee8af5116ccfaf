/**
 * When to poll an import job (`GET /jobs/{id}`), learning from the jobs already finished.
 *
 * Auth0 states no progress for import jobs, and a job takes about as long per user as the one
 * before it. So the schedule keeps a running estimate of milliseconds per user (exponentially
 * weighted, from create → the poll that saw each job done; a job already done at its first poll
 * may have ended long before, so that time replaces the estimate, which then shrinks by the
 * first-poll share per job until a first poll finds a job running) and, once it has one, polls a job of
 * n users first a little before n × estimate, then in short steps (a twentieth of the expected
 * time) until the job is done, so a finished job waits at most about one step for its slot to be
 * refilled. A job running past 1.5 × its expected time falls back to backing off ×1.5. Before any
 * job has finished it polls from `startMs`, ×1.5 each time. When Auth0 does state
 * `time_left_seconds`, that wins. Every delay stays within [`minMs`, `maxMs`].
 *
 * Polling early only costs requests: they go through the API queue at its 'polling' priority.
 */

export interface ImportPollTuning {
  /** First delay while nothing has been learnt, and the base of the ×1.5 backoff. */
  startMs: number;
  maxMs: number;
  /** Shortest delay between two polls of one job. */
  minMs: number;
}

/** First poll at this share of the expected time (the estimate carries up to one step of overshoot). */
const FIRST_POLL_SHARE = 0.85;
/** Steps after the first poll, as a share of the expected time. */
const STEP_SHARE = 0.05;
/** Weight of the newest job in the estimate. */
const LEARN_WEIGHT = 0.5;

export class ImportPollSchedule {
  private msPerUser: number | undefined;

  constructor(private readonly tuning: ImportPollTuning) {}

  /**
   * A job of `users` users was seen done `elapsedMs` after it was created, by its first poll
   * (`firstPoll`) or a later one.
   */
  observe(users: number, elapsedMs: number, firstPoll = false): void {
    if (!(users > 0) || !(elapsedMs > 0)) return;
    const x = elapsedMs / users;
    this.msPerUser = this.msPerUser === undefined || firstPoll ? x : this.msPerUser + LEARN_WEIGHT * (x - this.msPerUser);
  }

  /** How long a job of `users` users is expected to take; undefined until a job finished. */
  expectedMs(users: number): number | undefined {
    return this.msPerUser === undefined ? undefined : this.msPerUser * users;
  }

  /** Delay from creating a job to its first poll. */
  first(users: number): number {
    const expected = this.expectedMs(users);
    return expected === undefined ? this.clamp(this.tuning.startMs) : this.clamp(expected * FIRST_POLL_SHARE);
  }

  /**
   * Delay before the next poll of a job still running `elapsedMs` after creation; `previousMs`
   * is the delay before the poll just made, `leftSeconds` Auth0's `time_left_seconds` if any.
   */
  next(users: number, elapsedMs: number, previousMs: number, leftSeconds?: number): number {
    if (leftSeconds !== undefined && leftSeconds > 0) {
      return Math.min(this.tuning.maxMs, Math.max(this.tuning.minMs, Math.min(this.tuning.startMs, 250), leftSeconds * 1000));
    }
    const expected = this.expectedMs(users);
    if (expected !== undefined && elapsedMs < expected * 1.5) return this.clamp(expected * STEP_SHARE);
    return this.clamp(Math.round(previousMs * 1.5));
  }

  private clamp(ms: number): number {
    return Math.round(Math.min(this.tuning.maxMs, Math.max(this.tuning.minMs, ms)));
  }
}
