/**
 * Hooks the server hands to every route module through `RouteContext` (see http/types.ts):
 * the fault registry (so job modules can ask whether an injected failure should happen now)
 * and the job gauge (so the import-job module can report concurrency into the stats).
 * Both are deterministic: faults draw from a seeded RNG, so a run with the same seed and the
 * same request order repeats exactly.
 */

/** Fault kinds that are not HTTP routes; route modules ask for them by name. */
export type JobFaultKind = 'export-job' | 'import-job';

export interface FaultQuery {
  /**
   * True when an injected failure should happen now for `kind` (e.g. `'export-job'`, `'import-job'`).
   * Each call consumes one draw of the seeded RNG when a matching rule exists.
   */
  shouldFail(kind: JobFaultKind | string): boolean;
}

export interface JobGauge {
  /** An import job moved to pending/processing (counts toward the concurrent-imports peak). */
  importJobStarted(): void;
  /** An import job reached completed or failed. */
  importJobFinished(): void;
}

/** No faults, no counting: for unit tests of route modules outside a server. */
export const noFaults: FaultQuery = { shouldFail: () => false };
export const noJobGauge: JobGauge = { importJobStarted: () => undefined, importJobFinished: () => undefined };
