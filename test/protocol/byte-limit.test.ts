import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { limitBytes } from '../../src/protocol/byte-limit';

/** Pipes `chunks` through limitBytes(max) and collects what came out. */
async function run(chunks: string[], max: number, error: Error): Promise<{ out: Buffer; error?: unknown; calls: number }> {
  const received: Buffer[] = [];
  let calls = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      received.push(chunk);
      cb();
    },
  });
  const limiter = limitBytes(max, () => {
    calls++;
    return error;
  });
  try {
    await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), limiter, sink);
    return { out: Buffer.concat(received), calls };
  } catch (err) {
    return { out: Buffer.concat(received), error: err, calls };
  }
}

describe('limitBytes', () => {
  it.each<[string, string[], number]>([
    ['empty body, max 0', [], 0],
    ['below max', ['abc'], 10],
    ['exactly max in one chunk', ['0123456789'], 10],
    ['exactly max over several chunks', ['0123', '45', '6789'], 10],
    ['empty chunks do not count', ['', 'ab', ''], 2],
  ])('passes %s through unchanged', async (_label, chunks, max) => {
    const boom = new Error('too large');
    const result = await run(chunks, max, boom);
    expect(result.error).toBeUndefined();
    expect(result.calls).toBe(0);
    expect(result.out.toString()).toBe(chunks.join(''));
  });

  it.each<[string, string[], number, string]>([
    ['one byte over in one chunk', ['0123456789X'], 10, ''],
    ['one byte over on the last chunk', ['01234', '56789', 'X'], 10, '0123456789'],
    ['max 0 and one byte', ['X'], 0, ''],
    ['over on the second chunk, later chunks ignored', ['01234', '567890', 'more', 'more'], 10, '01234'],
  ])('fails with the given error when %s', async (_label, chunks, max, passed) => {
    const boom = new Error('too large');
    const result = await run(chunks, max, boom);
    expect(result.error).toBe(boom);
    expect(result.calls).toBe(1);
    // Nothing past the limit leaves the limiter: the offending chunk is not forwarded.
    expect(result.out.toString()).toBe(passed);
    expect(result.out.length).toBeLessThanOrEqual(max);
  });
});
