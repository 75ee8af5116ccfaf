/** Building one RouteDef from its OpenAPI operation (scopes and statuses come from the document). */
import type { Rec } from '../contract.js';
import type { MemoryConfigStore } from '../config-store.js';
import { ApiError, type EmuRequest, type HttpMethod, type RouteDef } from '../http/types.js';
import { documentedMessage, operation, operationScopes, successStatuses, toPattern, type OasOperation } from '../oas.js';

/** A route for a documented operation; throws at startup when the document lacks it. */
export function opRoute(method: HttpMethod, oasPath: string, handler: (req: EmuRequest, op: OasOperation) => ReturnType<RouteDef['handler']>): RouteDef {
  const op = operation(method, oasPath);
  if (!op) throw new Error(`emulator route ${method} ${oasPath} is not in the OpenAPI document`);
  return { method, pattern: toPattern(oasPath), scopes: operationScopes(op), handler: (req) => handler(req, op) };
}

/** First documented success status of an operation. */
export function okStatus(op: OasOperation, fallback = 200): number {
  return successStatuses(op)[0] ?? fallback;
}

/** The parent record named by a path parameter, or the operation's documented 404. */
export function requireParent(store: MemoryConfigStore, type: string, id: string | undefined, op: OasOperation, message?: string): Rec {
  const rec = id === undefined ? undefined : store.get(type, id);
  if (!rec) throw new ApiError(404, message ?? documentedMessage(op, 404)?.split(' | ')[0] ?? 'Not Found');
  return rec;
}

export function bodyObject(req: EmuRequest): Rec {
  const b = req.body;
  return b && typeof b === 'object' && !Array.isArray(b) ? structuredClone(b as Rec) : {};
}
