/**
 * `pipeline(source, destination)` for the two-stream case the request paths use, without its
 * per-call cost: `stream.pipeline` makes an AbortController for every call and aborts it when the
 * pipeline ends, building a DOMException (with its stack trace) each time: in the bench's profiles,
 * about 35 µs of main-thread time per GetFile for the abort alone (docs/performance.md).
 *
 * The same contract as `pipeline`: settles once both streams are done (the source read to its end,
 * the destination finished); on the first error, or a premature close of either, both are
 * destroyed with that error and the promise rejects with it.
 */
import { finished, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isSelfSending, SEND_BODY } from './self-sending';

export function pump(source: Readable, destination: Writable): Promise<void> {
  // Anything that is not a Node stream (a storage written in JavaScript may hand out a web stream
  // or an async iterable) goes through `pipeline`, which takes them all.
  if (typeof source?.pipe !== 'function' || typeof source.on !== 'function') return pipeline(source, destination);
  // A body that sends itself more cheaply than `pipe` (a file through pooled buffers).
  if (isSelfSending(source, destination)) return source[SEND_BODY](destination);
  return new Promise((resolve, reject) => {
    let sourceDone = false;
    let destinationDone = false;
    let failed = false;
    const fail = (err: Error): void => {
      failed = true;
      if (!sourceDone) destroy(source, err);
      if (!destinationDone) destroy(destination, err);
      reject(err);
    };
    finished(source, { writable: false }, (err) => {
      if (failed) return;
      if (err) return fail(err);
      sourceDone = true;
      if (destinationDone) resolve();
    });
    finished(destination, { readable: false }, (err) => {
      if (failed) return;
      if (err) return fail(err);
      destinationDone = true;
      if (sourceDone) resolve();
    });
    source.pipe(destination);
  });
}

/**
 * Destroys `stream` as `pipeline` does: a server's request is detached from its socket first, so
 * that the response (a 413, a 408) can still be written on it.
 */
function destroy(stream: Readable | Writable, err: Error): void {
  if (stream.destroyed) return;
  if (isServerRequest(stream)) (stream as unknown as { socket: unknown }).socket = null;
  stream.destroy(err);
}

/** What node:stream's own `isServerRequest` checks: an `http.IncomingMessage` of a server, not an upgrade. */
function isServerRequest(stream: object): boolean {
  const s = stream as { _consuming?: unknown; _dumped?: unknown; req?: { upgradeOrConnect?: unknown } };
  return typeof s._consuming === 'boolean' && typeof s._dumped === 'boolean' && s.req?.upgradeOrConnect === undefined;
}
