/**
 * Every user attribute Auth0 lets a bulk export return ("User Profile Attribute Schema",
 * https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure).
 * Naming a root object (app_metadata, user_metadata, identities) exports it whole in JSON format
 * (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports).
 * Not exportable: blocked_for, guardian_authenticators, tenant; never through the API:
 * password hashes and MFA secrets.
 */
import type { ExportField } from './types.js';

export const EXPORT_FIELDS: readonly ExportField[] = [
  'user_id',
  'email',
  'email_verified',
  'username',
  'phone_number',
  'phone_verified',
  'name',
  'given_name',
  'family_name',
  'nickname',
  'picture',
  'blocked',
  'app_metadata',
  'user_metadata',
  'identities',
  'created_at',
  'updated_at',
  'last_login',
  'last_ip',
  'logins_count',
  'last_password_reset',
  'multifactor',
  'multifactor_last_modified',
].map((name) => ({ name }));
