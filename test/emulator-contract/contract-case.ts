/** One representative request of the route contract test. */
export interface CaseContext {
  ids: Record<string, string>;
}

export interface ContractCase {
  /** `METHOD pattern` exactly as registered (e.g. `GET /roles/:id/users`). */
  route: string;
  /** Path below /api/v2, with query string. */
  path: (c: CaseContext) => string;
  body?: (c: CaseContext) => unknown;
  /** Multipart body instead of JSON. */
  form?: (c: CaseContext) => FormData;
  /** Expected status (default: the first success status the OpenAPI document gives). */
  status?: number;
  /** Statuses also accepted (e.g. 204 for job errors when the job had none). */
  alsoAccept?: number[];
  /** Waits or retries before the request (e.g. for a job to complete). */
  before?: (c: CaseContext) => Promise<void>;
  capture?: (body: Record<string, unknown>, c: CaseContext) => void;
  /** The body a real tenant sends where the document gives none (cite the recording). */
  bodyWhereDocumentHasNone?: string;
}
