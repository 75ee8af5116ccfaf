/**
 * Reading Auth0 error bodies (`{statusCode, error, message, errorCode}`, research §6) into
 * ManagementApiError. Bodies are read with a size cap; a body that is not JSON is kept as a
 * short text excerpt. Nothing here sees request headers, so no token can leak into a message.
 */
import { ManagementApiError } from './errors.js';

const MAX_BODY_CHARS = 2000;

export interface ErrorBody {
  message?: string;
  errorCode?: string;
}

export async function readErrorBody(res: Response): Promise<ErrorBody> {
  let text: string;
  try {
    text = await res.text();
  } catch {
    return {};
  }
  text = text.slice(0, MAX_BODY_CHARS);
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const message = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : undefined;
    const errorCode = typeof body.errorCode === 'string' ? body.errorCode : undefined;
    return { message, errorCode };
  } catch {
    const trimmed = text.trim();
    return trimmed ? { message: trimmed.slice(0, 200) } : {};
  }
}

export async function errorFromResponse(route: string, res: Response, attempts: number): Promise<ManagementApiError> {
  const body = await readErrorBody(res);
  return new ManagementApiError({ route, status: res.status, errorCode: body.errorCode, apiMessage: body.message, attempts });
}
