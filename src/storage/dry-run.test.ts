import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CorruptObjectError, ObjectNotFoundError, PreconditionFailedError } from './backend.js';
import { DRY_RUN_VERSION, DryRunBackend } from './dry-run.js';
import { MemoryBackend } from './memory.js';

const signal = new AbortController().signal;
const text = (value: string) => () => Readable.from([Buffer.from(value)]);
const sha = (value: string) => createHash('sha256').update(value).digest('hex');

async function setup() {
  const real = new MemoryBackend({ location: 'mem://dry' });
  await real.put('existing', text('kept'), { signal });
  return { real, dry: new DryRunBackend(real, () => 0) };
}

describe('DryRunBackend', () => {
  it('records puts and removes without performing them', async () => {
    const { real, dry } = await setup();
    let opens = 0;
    const info = await dry.put(
      'new',
      () => {
        opens++;
        return Readable.from([Buffer.from('content')]);
      },
      { signal },
    );
    expect(opens).toBe(1);
    expect(info).toMatchObject({ key: 'new', size: 7, version: DRY_RUN_VERSION, sha256: sha('content') });
    await dry.remove('existing', { signal });
    expect(dry.writes).toEqual([
      { operation: 'put', key: 'new', size: 7, sha256: sha('content'), overwrite: false },
      { operation: 'remove', key: 'existing' },
    ]);
    expect(await real.stat('new', { signal })).toBeUndefined();
    expect((await real.stat('existing', { signal }))?.size).toBe(4);
  });

  it('passes reads through to the real backend', async () => {
    const { dry } = await setup();
    expect((await dry.stat('existing', { signal }))?.size).toBe(4);
    const keys: string[] = [];
    for await (const info of dry.list('', { signal })) keys.push(info.key);
    expect(keys).toEqual(['existing']);
    expect(await dry.get('existing', async (s) => (await s.toArray()).join(''), { signal })).toBe('kept');
  });

  it('fails where the real write would fail for a reason known in advance', async () => {
    const { real, dry } = await setup();
    const version = (await real.stat('existing', { signal }))?.version ?? '';
    await expect(dry.put('existing', text('x'), { signal })).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(dry.put('existing', text('x'), { signal, overwrite: { version: 'other' } })).rejects.toBeInstanceOf(PreconditionFailedError);
    await dry.put('existing', text('x'), { signal, overwrite: { version } });
    await expect(dry.put('n', text('x'), { signal, sha256: sha('y') })).rejects.toBeInstanceOf(CorruptObjectError);
    await expect(dry.put('n', text('x'), { signal, size: 2 })).rejects.toBeInstanceOf(CorruptObjectError);
    await expect(dry.remove('missing', { signal })).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(dry.remove('existing', { signal, ifVersion: 'other' })).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(dry.writes.map((w) => w.operation)).toEqual(['put']);
  });
});
