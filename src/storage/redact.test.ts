import { describe, expect, it } from 'vitest';
import { REDACTED, redactLocation, redactText } from './redact.js';

describe('redactLocation', () => {
  it.each([
    ['gs://bucket/prefix', 'gs://bucket/prefix'],
    ['/var/backups/a0vault', '/var/backups/a0vault'],
    ['relative/dir', 'relative/dir'],
    ['file:///var/backups', 'file:///var/backups'],
    ['gs://user:secret@bucket/prefix', 'gs://bucket/prefix'],
    ['https://alice:pa55@storage.example.com/x', 'https://storage.example.com/x'],
    ['https://h/upload?uploadType=resumable&upload_id=ABC123', `https://h/upload?uploadType=resumable&upload_id=${REDACTED}`],
    ['https://h/o?X-Goog-Signature=deadbeef&X-Goog-Credential=sa%40p&alt=media', `https://h/o?X-Goog-Signature=${REDACTED}&X-Goog-Credential=${REDACTED}&alt=media`],
    ['https://h/o?access_token=ya29.xyz#frag', `https://h/o?access_token=${REDACTED}`],
    ['gs://bucket/p?key=k1', `gs://bucket/p?key=${REDACTED}`],
  ])('%s -> %s', (input, expected) => {
    expect(redactLocation(input)).toBe(expected);
  });

  it('never shows the secret parts of a URL it cannot parse', () => {
    const shown = redactLocation('gs://us er:hunter2@bad host/x?token=t0k3n&mode=fast');
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('t0k3n');
    expect(shown).toContain('mode=fast');
  });

  it('redacts every URL inside free text', () => {
    const text = 'request to http://127.0.0.1:9/upload/storage/v1/b/b/o?upload_id=S3CR3T failed, reason: socket hang up';
    expect(redactText(text)).toBe(`request to http://127.0.0.1:9/upload/storage/v1/b/b/o?upload_id=${REDACTED} failed, reason: socket hang up`);
  });
});
