import { PassThrough, Readable, Writable } from 'node:stream';
import { pump } from '../../src/util/pump';

function sink(): { stream: Writable; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  return { stream, chunks };
}

describe('pump: pipeline(source, destination) for two streams', () => {
  test('resolves once the source ended and the destination finished, with every byte through', async () => {
    const { stream, chunks } = sink();
    await pump(Readable.from([Buffer.from('a'), Buffer.from('bc')]), stream);
    expect(Buffer.concat(chunks).toString()).toBe('abc');
    expect(stream.writableFinished).toBe(true);
  });

  test('a failing source: rejects with its error and destroys the destination with it', async () => {
    const source = new PassThrough();
    const { stream } = sink();
    const done = pump(source, stream);
    source.write('x');
    const boom = new Error('source failed');
    source.destroy(boom);
    await expect(done).rejects.toBe(boom);
    expect(stream.destroyed).toBe(true);
    expect(stream.errored).toBe(boom);
  });

  test('a destination closed early (a client gone): rejects, and the source is destroyed (no file left open)', async () => {
    const source = new PassThrough();
    const { stream } = sink();
    const done = pump(source, stream);
    stream.destroy();
    await expect(done).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
    expect(source.destroyed).toBe(true);
  });

  test('a failing destination: rejects with its error and destroys the source', async () => {
    const source = new PassThrough();
    const boom = new Error('disk full');
    const destination = new Writable({
      write(_chunk, _encoding, callback) {
        callback(boom);
      },
    });
    const done = pump(source, destination);
    source.write('x');
    await expect(done).rejects.toBe(boom);
    expect(source.destroyed).toBe(true);
  });

  test('settles once, whatever fails after the first error', async () => {
    const source = new PassThrough();
    const { stream } = sink();
    const done = pump(source, stream);
    const first = new Error('first');
    source.destroy(first);
    stream.destroy(new Error('second'));
    await expect(done).rejects.toBe(first);
  });

  test('an async iterable (not a Node stream) goes through stream.pipeline', async () => {
    const { stream, chunks } = sink();
    async function* parts() {
      yield Buffer.from('it');
      yield Buffer.from('er');
    }
    await pump(parts() as unknown as Readable, stream);
    expect(Buffer.concat(chunks).toString()).toBe('iter');
  });
});
