/**
 * Request-body schemas of the user-side routes, transcribed from the Management API OpenAPI
 * document (CreateUserRequestContent, UpdateUserRequestContent, the role/member list bodies).
 * `additionalProperties` follows the document: false where it says false.
 */
import { compileSchema } from './validate.js';

const nullable = (t: string, extra: object = {}) => ({ type: [t, 'null'], ...extra });

export const createUserBody = compileSchema({
  type: 'object',
  additionalProperties: false,
  required: ['connection'],
  properties: {
    email: { type: 'string', format: 'email' },
    phone_number: { type: 'string', pattern: '^\\+[0-9]{1,15}$' },
    user_metadata: { type: 'object' },
    blocked: { type: 'boolean' },
    email_verified: { type: 'boolean' },
    phone_verified: { type: 'boolean' },
    app_metadata: { type: 'object' },
    given_name: { type: 'string', minLength: 1, maxLength: 150 },
    family_name: { type: 'string', minLength: 1, maxLength: 150 },
    name: { type: 'string', minLength: 1, maxLength: 300 },
    nickname: { type: 'string', minLength: 1, maxLength: 300 },
    picture: { type: 'string', format: 'uri' },
    user_id: { type: 'string', minLength: 0, maxLength: 255, pattern: '^\\S*$' },
    connection: { type: 'string', minLength: 1 },
    password: { type: 'string', minLength: 1 },
    verify_email: { type: 'boolean' },
    username: { type: 'string', minLength: 1, maxLength: 128 },
  },
});

export const updateUserBody = compileSchema({
  type: 'object',
  additionalProperties: true,
  properties: {
    blocked: { type: 'boolean' },
    email_verified: { type: 'boolean' },
    email: nullable('string', { format: 'email' }),
    phone_number: nullable('string', { pattern: '^\\+[0-9]{1,15}$' }),
    phone_verified: { type: 'boolean' },
    user_metadata: { type: 'object' },
    app_metadata: { type: 'object' },
    given_name: nullable('string', { minLength: 1, maxLength: 150 }),
    family_name: nullable('string', { minLength: 1, maxLength: 150 }),
    name: nullable('string', { minLength: 1, maxLength: 300 }),
    nickname: nullable('string', { minLength: 1, maxLength: 300 }),
    picture: nullable('string', { format: 'uri' }),
    verify_email: { type: 'boolean' },
    verify_phone_number: { type: 'boolean' },
    password: nullable('string', { minLength: 1 }),
    connection: { type: 'string', minLength: 1 },
    client_id: { type: 'string', minLength: 1 },
    username: nullable('string', { minLength: 1, maxLength: 128 }),
  },
});

const idList = (key: string, format: string, extra: object = {}) =>
  compileSchema({
    type: 'object',
    additionalProperties: false,
    required: [key],
    properties: { [key]: { type: 'array', items: { type: 'string', format }, ...extra } },
  });

/** POST/DELETE /users/{id}/roles. */
export const userRolesBody = compileSchema({
  type: 'object',
  additionalProperties: false,
  required: ['roles'],
  properties: { roles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
});

/** POST /roles/{id}/users (no minItems in the document). */
export const roleUsersBody = idList('users', 'user-id-with-max-length');

/** POST/DELETE /organizations/{id}/members: the document allows extra properties; Auth0 caps 10 members per call. */
export const orgMembersBody = compileSchema({
  type: 'object',
  additionalProperties: true,
  required: ['members'],
  properties: { members: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'string', format: 'user-id-with-max-length' } } },
});

/** POST/DELETE /organizations/{id}/members/{user_id}/roles. */
export const memberRolesBody = idList('roles', 'role-id', { minItems: 1 });

export const descriptions = {
  roles: 'List of roles IDs to associated with the user.',
  users: 'user_id\'s of the users to assign the role to.',
  members: 'List of user IDs to add to the organization as members.',
};
