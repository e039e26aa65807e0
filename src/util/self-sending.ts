/**
 * A response body that can write itself to its destination more cheaply than `pipe` can: the
 * router's {@link pump} hands the destination to `[SEND_BODY]` instead of piping when a body
 * offers it. `FileSystemStorage`'s file bodies do, to send a file through pooled buffers
 * (src/adapters/fs/file-body.ts). Any other Readable works as before.
 */
import { ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';

export const SEND_BODY: unique symbol = Symbol('express-wopi.sendBody');

export interface SelfSendingBody {
  /**
   * Writes the whole body to `destination` and ends it; settles once `destination` has finished,
   * or rejects with the first error (a read error, or the destination closing early), the body
   * then released. Called at most once, and only on a body nothing has read from yet.
   */
  [SEND_BODY](destination: Writable): Promise<void>;
}

/**
 * Whether `stream` can send itself to `destination`: one of ours, untouched so far, going to an
 * HTTP response whose `write` and `end` are Node's own.
 *
 * A self-sending body reuses a buffer once `write` has called back, which Node's response does
 * only when the socket is done with the bytes. A middleware that wraps `res.write` (compression,
 * for one) may keep the chunk longer, or never call back: such a response gets an ordinary pipe.
 */
export function isSelfSending(stream: Readable, destination: Writable): stream is Readable & SelfSendingBody {
  return (
    typeof (stream as Partial<SelfSendingBody>)[SEND_BODY] === 'function' &&
    !stream.readableDidRead &&
    !stream.destroyed &&
    destination instanceof ServerResponse &&
    destination.write === ServerResponse.prototype.write &&
    destination.end === ServerResponse.prototype.end
  );
}
