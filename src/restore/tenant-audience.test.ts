import { describe, expect, it } from 'vitest';
import { retargetAudience, retargetAudienceText } from './tenant-audience.js';

describe('Management API audience across tenants', () => {
  it('rewrites the source audience in YAML text, with or without the trailing slash, and nothing else', () => {
    const yaml = [
      'clientGrants:',
      '  - client_id: a0vault',
      '    audience: https://src.eu.auth0.com/api/v2/',
      "  - audience: 'https://src.eu.auth0.com/api/v2'",
      '  - audience: https://src.eu.auth0.com/api/v2/extra',
      '  - audience: https://other.auth0.com/api/v2/',
    ].join('\n');
    const out = retargetAudienceText(yaml, 'src.eu.auth0.com', 'dst.us.auth0.com');
    expect(out).toContain('audience: https://dst.us.auth0.com/api/v2/\n');
    expect(out).toContain("audience: 'https://dst.us.auth0.com/api/v2/'");
    expect(out).toContain('https://src.eu.auth0.com/api/v2/extra');
    expect(out).toContain('https://other.auth0.com/api/v2/');
  });

  it('rewrites whole string values of a parsed document only', () => {
    const doc = { clientGrants: [{ audience: 'https://src.auth0.com/api/v2/' }, { audience: 'see https://src.auth0.com/api/v2/' }] };
    expect(retargetAudience(doc, 'src.auth0.com', 'dst.auth0.com')).toEqual({
      clientGrants: [{ audience: 'https://dst.auth0.com/api/v2/' }, { audience: 'see https://src.auth0.com/api/v2/' }],
    });
    expect(retargetAudience(doc, 'src.auth0.com', 'SRC.auth0.com')).toBe(doc);
  });
});
