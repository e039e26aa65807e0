/**
 * What the storage adapter tests share: request bodies that succeed, fail or abort, relative
 * targets, and assertions on the errors a storage throws.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { BadRequestError, FileExistsError, FileNotFoundError, WopiError, type WopiRelativeTarget } from '../../src';

/** A one-chunk body. */
export function body(text: string | Buffer): Readable {
  return Readable.from([Buffer.from(text)]);
}

export function target(candidates: Iterable<string>, overwrite = false): WopiRelativeTarget {
  return { candidates, overwrite };
}

/** Everything a stream yields, as one Buffer. */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

/** What `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

export async function expectNotFound(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(FileNotFoundError);
  expect(WopiError.is(err)).toBe(true);
  expect((err as WopiError).status).toBe(404);
}

export async function expectFileExists(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(FileExistsError);
  expect(WopiError.is(err)).toBe(true);
  expect((err as WopiError).code).toBe('WOPI_FILE_EXISTS');
  expect((err as WopiError).status).toBe(409);
}

export async function expectBadRequest(promise: Promise<unknown>): Promise<void> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(BadRequestError);
  expect((err as WopiError).status).toBe(400);
  expect((err as WopiError).code).toBe('WOPI_BAD_REQUEST');
}

/** A body that sends `first`, then fails with `error`. */
export function failingBody(first: Buffer | string, error: Error = new Error('client went away')): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.from(first));
      } else {
        setImmediate(() => this.destroy(error));
      }
    },
  });
}

/** A body of three chunks of `chunkBytes` that aborts `aborter` with `reason` after the second one. */
export function abortingBody(aborter: AbortController, reason: Error, chunkBytes = 10_000): Readable {
  async function* chunks() {
    yield randomBytes(chunkBytes);
    yield randomBytes(chunkBytes);
    aborter.abort(reason);
    yield randomBytes(chunkBytes);
  }
  return Readable.from(chunks());
}

/** `name`, `name (1)`, `name (2)`, … without end: a storage must stop at the first free one. */
export function* endless(stem: string, extension: string): Generator<string> {
  yield `${stem}${extension}`;
  for (let n = 1; ; n++) yield `${stem} (${n})${extension}`;
}
