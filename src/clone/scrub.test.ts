import { describe, expect, it } from 'vitest';
import { validateImportRecord } from '../restore/import-packer.js';
import { pseudonymizeEmail, scrubMembership, scrubUser } from './scrub.js';

const user = {
  user_id: 'auth0|5f1c2a',
  email: 'Ada.Lovelace@Analytical.example',
  email_verified: true,
  name: 'Ada Lovelace',
  given_name: 'Ada',
  family_name: 'Lovelace',
  nickname: 'ada',
  username: 'adal',
  phone_number: '+442071234567',
  picture: 'https://s.gravatar.com/avatar/ada.png',
  last_ip: '203.0.113.7',
  password_hash: '$2b$10$abcdefghijklmnopqrstuv',
  user_metadata: { phone: '+44 20 7123 4567', company: 'Analytical Engines', age: 36, theme: 'dark' },
  app_metadata: { crm: { email: 'ada@crm.example' }, plan: 'pro' },
  identities: [{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: '5f1c2a', isSocial: false, profileData: { email: 'ada@x.example' } }],
};
const options = { salt: 'test-salt-0123456789', metadataFields: ['user_metadata.phone', 'user_metadata.age', 'app_metadata.crm.email'] };

describe('scrubUser', () => {
  it('is deterministic for a salt and differs between salts', () => {
    expect(scrubUser(user, options)).toEqual(scrubUser(structuredClone(user), options));
    const other = scrubUser(user, { ...options, salt: 'another-salt' });
    expect(other.email).not.toBe(scrubUser(user, options).email);
  });

  it('leaves no original personal value in the record', () => {
    const leaves: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') leaves.push(v.toLowerCase());
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(scrubUser(user, options));
    const originals = [user.email, user.name, user.given_name, user.family_name, user.nickname, user.username, user.phone_number, user.picture, user.last_ip, user.password_hash,
      user.user_metadata.phone, user.app_metadata.crm.email, 'ada@x.example'].map((v) => v.toLowerCase());
    for (const original of originals) expect(leaves, original).not.toContain(original);
    // words that no hex pseudonym can contain
    const joined = leaves.join(' ');
    for (const word of ['lovelace', 'analytical.example', '7123', 'gravatar', '203.0.113.7', '$2b$', 'crm.example', 'x.example']) expect(joined, word).not.toContain(word);
  });

  it('keeps user_id, verification flags and unlisted metadata; drops hashes and the last IP', () => {
    const s = scrubUser(user, options);
    expect(s.user_id).toBe(user.user_id);
    expect(s.email_verified).toBe(true);
    expect(s).not.toHaveProperty('password_hash');
    expect(s).not.toHaveProperty('last_ip');
    expect(s.user_metadata).toMatchObject({ company: 'Analytical Engines', theme: 'dark' });
    expect(s.user_metadata).not.toHaveProperty('age');
    expect((s.user_metadata as Record<string, string>).phone).toMatch(/^m-[0-9a-f]{16}$/);
    expect(s.identities).toEqual([{ provider: 'auth0', connection: 'Username-Password-Authentication', user_id: '5f1c2a', isSocial: false }]);
    expect(user.password_hash).toBeDefined(); // input untouched
  });

  it('maps the same e-mail, in any case, to the same pseudonym used for memberships', () => {
    const s = scrubUser(user, options);
    expect(s.email).toBe(pseudonymizeEmail('ada.lovelace@analytical.example ', options.salt));
    expect(s.email).toMatch(/^u-[0-9a-f]{16}@example\.invalid$/);
    expect(scrubUser(user, { ...options, emailDomain: 'mail.test' }).email).toMatch(/@mail\.test$/);
  });

  it('produces records the import schema accepts', () => {
    const s = scrubUser(user, options);
    const record = Object.fromEntries(
      ['email', 'email_verified', 'user_id', 'username', 'given_name', 'family_name', 'name', 'nickname', 'picture', 'phone_number', 'user_metadata'].map((k) => [k, s[k]]),
    );
    expect(validateImportRecord({ ...record, user_id: '5f1c2a' })).toBeUndefined();
    expect(String(s.username).length).toBeLessThanOrEqual(15);
  });

  it('gives memberships the same e-mail pseudonym as the user', () => {
    const member = { role_id: 'rol_1', role_name: 'admin', user_id: user.user_id, email: 'ADA.lovelace@analytical.example' };
    const scrubbed = scrubMembership(member, options);
    expect(scrubbed).toEqual({ ...member, email: scrubUser(user, options).email });
    expect(scrubMembership({ user_id: 'x' }, options)).toEqual({ user_id: 'x' });
  });

  it('refuses an empty salt', () => {
    expect(() => scrubUser(user, { salt: '' })).toThrow(/salt/);
  });
});
