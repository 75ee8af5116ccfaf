/** What every route handler of the fake gets. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultDecision } from './faults.js';
import type { FakeStore } from './store.js';
import type { UploadSessions } from './uploads.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Base URL the client used to reach the fake (for selfLink, mediaLink, session URIs). */
  endpoint: string;
  store: FakeStore;
  sessions: UploadSessions;
  decision: FaultDecision;
  bucket?: string;
  object?: string;
}

/** Sends the answer, unless a fault says to drop the connection after doing the work. */
export function answer(ctx: RequestContext, send: () => void): void {
  if (ctx.decision.dropResponse) {
    dropConnection(ctx);
    return;
  }
  send();
}

/** Closes the connection without an answer (the client sees a reset). */
export function dropConnection(ctx: RequestContext): void {
  ctx.res.destroy();
  ctx.req.destroy();
}
