import { describe, expect, it } from 'vitest';
import { compileRewrites } from './rewrite.js';

describe('compileRewrites', () => {
  const r = compileRewrites([
    { kind: 'exact', from: 'https://app.example.com/callback', to: 'https://test.example.net/cb' },
    { kind: 'prefix', from: 'https://app.example.com', to: 'https://app-test.example.net' },
    { kind: 'prefix', from: 'https://app.example.com/admin/', to: 'https://admin-test.example.net/' },
    { kind: 'domain', from: 'example.com', to: 'example.test' },
  ]);

  it('applies an exact rule to the whole value only', () => {
    expect(r.value('https://app.example.com/callback').value).toBe('https://test.example.net/cb');
    expect(r.value('https://app.example.com/callback?x=1').value).toBe('https://app-test.example.net/callback?x=1');
    expect(r.text('see https://app.example.com/callback').text).toBe('see https://app-test.example.net/callback');
  });

  it('prefers the longest prefix and never chains rules', () => {
    expect(r.value('https://app.example.com/admin/users').value).toBe('https://admin-test.example.net/users');
    // the replacement contains example.net, not example.com: no second pass either way
    const chained = compileRewrites([
      { kind: 'prefix', from: 'https://a.test', to: 'https://b.test' },
      { kind: 'prefix', from: 'https://b.test', to: 'https://c.test' },
    ]);
    expect(chained.value('https://a.test/x').value).toBe('https://b.test/x');
  });

  it('matches a prefix only where the host name ends', () => {
    expect(r.value('https://app.example.com.evil.net/x').value).toBe('https://app.example.com.evil.net/x');
    expect(r.value('https://app.example.comx/').value).toBe('https://app.example.comx/');
    expect(r.value('https://app.example.com:8443/x').value).toBe('https://app-test.example.net:8443/x');
  });

  it('rewrites domains with their subdomains, in URLs, e-mail addresses and bare hosts, case-insensitively', () => {
    expect(r.value('support@Example.COM').value).toBe('support@example.test');
    expect(r.value('https://www.example.com/x').value).toBe('https://www.example.test/x');
    expect(r.value('example.com').value).toBe('example.test');
    expect(r.value('https:people.example.com').value).toBe('https:people.example.test');
    expect(r.value('notexample.com').value).toBe('notexample.com');
    expect(r.value('example.community').value).toBe('example.community');
  });

  it('reports each hit with its rule', () => {
    const { text, hits } = r.text('<a href="https://app.example.com/a">x</a> mail@example.com');
    expect(text).toBe('<a href="https://app-test.example.net/a">x</a> mail@example.test');
    expect(hits).toEqual([
      { from: 'https://app.example.com', to: 'https://app-test.example.net', rule: 'prefix https://app.example.com -> https://app-test.example.net' },
      { from: 'example.com', to: 'example.test', rule: 'domain example.com -> example.test' },
    ]);
  });

  it('does nothing without rules', () => {
    const none = compileRewrites([]);
    expect(none.empty).toBe(true);
    expect(none.value('https://app.example.com').hits).toEqual([]);
  });
});
