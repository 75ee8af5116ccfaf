/**
 * Fault injection for the GCS fake. Rules match a route (and optionally an object name); each
 * matching rule fires with its `rate` (decided by a seeded RNG, so a run repeats exactly) until
 * it has fired `times` times. Effects of all firing rules combine.
 */

export type FakeRoute =
  | 'buckets.list'
  | 'buckets.get'
  | 'buckets.insert'
  | 'buckets.patch'
  | 'objects.list'
  | 'objects.get'
  | 'objects.media'
  | 'objects.patch'
  | 'objects.delete'
  /** Every upload request that is not a PUT/DELETE on a session: media, multipart, resumable start. */
  | 'objects.insert'
  /** A PUT on a resumable session URI (a chunk or a status query). */
  | 'uploads.chunk'
  | 'uploads.cancel';

export const FAKE_ROUTES: readonly FakeRoute[] = [
  'buckets.list',
  'buckets.get',
  'buckets.insert',
  'buckets.patch',
  'objects.list',
  'objects.get',
  'objects.media',
  'objects.patch',
  'objects.delete',
  'objects.insert',
  'uploads.chunk',
  'uploads.cancel',
];

export interface FaultRule {
  /** Route to match, or '*' for every route. */
  route: FakeRoute | '*';
  /** Only requests about objects whose name contains this. */
  nameContains?: string;
  /** Probability (0..1) that the rule fires on a matching request. Default 1. */
  rate?: number;
  /** Fire at most this many times. Default: no limit. */
  times?: number;
  /** Let this many matching requests through before the rule may fire (e.g. 2: the 3rd chunk). Default 0. */
  after?: number;
  /** Only requests that carry a body (for uploads.chunk: data chunks, not `bytes *\/…` status queries). */
  withBody?: boolean;
  /** Answer with this HTTP status (GCS-shaped error body) instead of handling the request. */
  status?: number;
  /** Wait this long before handling the request. */
  latencyMs?: number;
  /** Uploads: close the connection after this many bytes of the request body (body-carrying requests only). */
  dropAfterBytes?: number;
  /** Do the work (e.g. commit the upload), then close the connection without answering. */
  dropResponse?: boolean;
  /** Media downloads: flip one byte of the body (stored data and hash headers stay intact). */
  corruptDownload?: boolean;
}

export interface FaultDecision {
  status?: number;
  latencyMs: number;
  dropAfterBytes?: number;
  dropResponse: boolean;
  corruptDownload: boolean;
  /** Ids of the rules that fired. */
  fired: string[];
}

interface ActiveRule {
  id: string;
  rule: FaultRule;
  fired: number;
  /** Matching requests seen (for `after`). */
  seen: number;
}

/** mulberry32: a tiny deterministic PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private rules: ActiveRule[] = [];
  private random: () => number;
  private nextId = 1;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Restarts the RNG: the same rules and requests then fire the same way again. */
  seed(seed: number): void {
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ id, rule: { ...rule }, fired: 0, seen: 0 });
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): Array<FaultRule & { id: string; fired: number }> {
    return this.rules.map((r) => ({ ...r.rule, id: r.id, fired: r.fired }));
  }

  /** How often the rule with this id has fired. */
  firedCount(id: string): number {
    return this.rules.find((r) => r.id === id)?.fired ?? 0;
  }

  /**
   * Which rules fire for this request. A rule whose only effect is dropAfterBytes ignores
   * requests without a body (e.g. resumable status queries), so it cannot be used up by them.
   */
  decide(route: FakeRoute, objectName: string | undefined, hasBody = true): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, dropResponse: false, corruptDownload: false, fired: [] };
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.nameContains !== undefined && !(objectName ?? '').includes(rule.nameContains)) continue;
      if (rule.times !== undefined && active.fired >= rule.times) continue;
      if (!hasBody && rule.withBody) continue;
      if (!hasBody && rule.dropAfterBytes !== undefined && rule.status === undefined && !rule.dropResponse && !rule.latencyMs) continue;
      if (active.seen++ < (rule.after ?? 0)) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.random() >= rate) continue;
      active.fired++;
      decision.fired.push(active.id);
      decision.latencyMs += rule.latencyMs ?? 0;
      if (rule.status !== undefined) decision.status ??= rule.status;
      if (rule.dropAfterBytes !== undefined) decision.dropAfterBytes ??= rule.dropAfterBytes;
      decision.dropResponse ||= rule.dropResponse ?? false;
      decision.corruptDownload ||= rule.corruptDownload ?? false;
    }
    return decision;
  }
}

function validateRule(rule: FaultRule): void {
  if (rule.route !== '*' && !FAKE_ROUTES.includes(rule.route)) throw new Error(`unknown route ${String(rule.route)}`);
  if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw new Error('rate must be within 0..1');
  if (rule.after !== undefined && !(Number.isInteger(rule.after) && rule.after >= 0)) throw new Error('after must be a whole number >= 0');
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status < 600)) {
    throw new Error('status must be an HTTP error status (400..599)');
  }
}
