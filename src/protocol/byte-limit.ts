import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that fails with `onExceeded()` as soon as more than `maxBytes` bytes have
 * gone through it, so an oversized body is refused without being held anywhere.
 */
export function limitBytes(maxBytes: number, onExceeded: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(onExceeded());
      else callback(null, chunk);
    },
  });
}
