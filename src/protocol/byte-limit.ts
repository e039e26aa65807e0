import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that fails with `onExceeded()` as soon as more than `maxBytes` bytes have
 * gone through it, so an oversized body is refused without being held anywhere. When
 * `expectedBytes` is given (a declared size such as `X-WOPI-Size`), a body that ends short of it
 * fails with `onMismatch()`; one that runs past it fails as soon as it does.
 */
export function limitBytes(
  maxBytes: number,
  onExceeded: () => Error,
  expected?: { bytes: number; onMismatch: () => Error },
): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(onExceeded());
      else if (expected && seen > expected.bytes) callback(expected.onMismatch());
      else callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(expected && seen !== expected.bytes ? expected.onMismatch() : null);
    },
  });
}
