/**
 * The Auth0 error answers the user-side routes share (message texts and errorCodes as Auth0
 * sends them; where Auth0's text is not documented, the closest documented wording is used and
 * listed as a known difference in docs/emulator.md).
 */
import { ApiError } from '../http/types.js';

export const userNotFound = (): ApiError => new ApiError(404, 'The user does not exist.', 'inexistent_user');
export const roleNotFound = (): ApiError => new ApiError(404, 'The role does not exist.');
export const orgNotFound = (): ApiError => new ApiError(404, 'The organization does not exist.');
export const connectionNotFound = (status = 400): ApiError =>
  new ApiError(status, 'The connection does not exist.', 'inexistent_connection');
export const userExists = (): ApiError => new ApiError(409, 'The user already exists.', 'auth0_idp_error');
export const usersNotFound = (): ApiError => new ApiError(404, 'One or more of the users do not exist.');
export const rolesNotFound = (): ApiError => new ApiError(404, 'One or more of the roles do not exist.');
