import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../core/errors.js';
import { createNdjsonGzipStream, readNdjson } from './ndjson.js';

const signal = new AbortController().signal;

async function collect(it: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of it) out.push(v);
  return out;
}

describe('NDJSON gzip', () => {
  it('round-trips objects and counts them', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => ({ i, name: `ü-${i}`, nested: { list: [i, null, true] } }));
    async function* source() {
      yield* values;
    }
    const nd = createNdjsonGzipStream(source(), { signal });
    const gz = await buffer(nd.stream);
    expect(nd.records()).toBe(5000);
    expect(await collect(readNdjson(Readable.from([gz]), { signal }))).toEqual(values);
  });

  it('pulls from the source only as fast as the stream is read (backpressure)', async () => {
    let pulled = 0;
    function* endless() {
      for (;;) {
        pulled++;
        yield { user_id: `auth0|${pulled}`, email: `u${pulled}@example.com` };
      }
    }
    const nd = createNdjsonGzipStream(endless(), { signal });
    nd.stream.pause();
    // let the pipeline fill its buffers until it stops pulling (an eager reader never stops)
    let last = -1;
    let stableTurns = 0;
    for (let turn = 0; turn < 5000 && stableTurns < 20; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      stableTurns = pulled === last ? stableTurns + 1 : 0;
      last = pulled;
    }
    expect(stableTurns).toBe(20);
    expect(pulled).toBeLessThan(500_000);
    nd.stream.destroy();
  });

  it('fails the stream when the source fails', async () => {
    async function* broken() {
      yield { a: 1 };
      throw new Error('API page failed');
    }
    const nd = createNdjsonGzipStream(broken(), { signal });
    await expect(buffer(nd.stream)).rejects.toThrow('API page failed');
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    function* endless() {
      for (let i = 0; ; i++) {
        if (i === 10_000) controller.abort();
        yield { i };
      }
    }
    const nd = createNdjsonGzipStream(endless(), { signal: controller.signal });
    await expect(buffer(nd.stream)).rejects.toThrow();
  });
});

describe('readNdjson', () => {
  it('skips empty lines, accepts CRLF and a last line without newline, in any chunking', async () => {
    const text = Buffer.from('{"a":1}\r\n\n{"b":"x\\ny"}\n{"c":[1,2]}');
    const chunks = [...text].map((b) => Buffer.from([b]));
    expect(await collect(readNdjson(Readable.from(chunks), { signal, gzip: false }))).toEqual([{ a: 1 }, { b: 'x\ny' }, { c: [1, 2] }]);
    expect(await collect(readNdjson(Readable.from([gzipSync(text)]), { signal }))).toHaveLength(3);
  });

  it('names the entry and line of invalid JSON', async () => {
    const gz = gzipSync('{"a":1}\n{"b":\n');
    const err = await collect(readNdjson(Readable.from([gz]), { signal, name: 'users/users.ndjson.gz' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toBe('users/users.ndjson.gz line 2 is not valid JSON');
  });

  it('reports bytes that are not gzip as an integrity problem', async () => {
    const err = await collect(readNdjson(Readable.from([Buffer.from('{"a":1}\n')]), { signal, name: 'x.gz' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IntegrityError);
    expect((err as IntegrityError).message).toBe('x.gz is not valid gzip');
  });

  it('refuses over-long lines instead of buffering them', async () => {
    const long = Buffer.from(`{"a":"${'x'.repeat(5000)}"}\n`);
    await expect(collect(readNdjson(Readable.from([long]), { signal, gzip: false, maxLineBytes: 1000 }))).rejects.toThrow(/longer than 1000 bytes/);
  });

  it('destroys the source when the consumer stops early', async () => {
    const gz = gzipSync(Array.from({ length: 1000 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const source = Readable.from([gz]);
    for await (const value of readNdjson(source, { signal })) {
      expect(value).toEqual({ i: 0 });
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});
