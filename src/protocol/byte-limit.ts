import { Transform, type TransformCallback } from 'node:stream';

/** A declared body size (such as `X-WOPI-Size`) the body must match exactly. */
export interface ExpectedBytes {
  bytes: number;
  onMismatch: () => Error;
}

/** How long the body may go without progress. */
export interface IdleLimit {
  ms: number;
  onIdle: () => Error;
}

/** How many bytes the byte counter holds on each side before it pushes back. */
export const BODY_HIGH_WATER_MARK = 256 * 1024;

/**
 * A pass-through stream that fails with `onExceeded()` as soon as more than `maxBytes` bytes have
 * gone through it, so an oversized body is refused without being held anywhere. When `expected`
 * is given, a body that ends short of it fails with `onMismatch()`; one that runs past it fails as
 * soon as it does. When `idle` is given, the stream fails with `onIdle()` once `idle.ms` pass
 * without a chunk going through (a stalled client, or a stalled consumer).
 */
export function limitBytes(maxBytes: number, onExceeded: () => Error, expected?: ExpectedBytes, idle?: IdleLimit): Transform {
  let seen = 0;
  let timer: NodeJS.Timeout | undefined;
  const stream = new Transform({
    // Room for a few of the request's 64 KiB chunks on each side: with the default 16 KiB, every
    // chunk would pause the request and resume it again (docs/performance.md).
    highWaterMark: BODY_HIGH_WATER_MARK,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      timer?.refresh();
      seen += chunk.length;
      if (seen > maxBytes) callback(onExceeded());
      else if (expected && seen > expected.bytes) callback(expected.onMismatch());
      else callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      clearTimeout(timer);
      callback(expected && seen !== expected.bytes ? expected.onMismatch() : null);
    },
    destroy(error, callback) {
      clearTimeout(timer);
      callback(error);
    },
  });
  if (idle) {
    timer = setTimeout(() => stream.destroy(idle.onIdle()), idle.ms);
    timer.unref();
  }
  return stream;
}
