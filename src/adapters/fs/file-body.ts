/**
 * The body of a GetFile from `FileSystemStorage`: exactly `size` bytes of an open file, from its
 * start. It is an ordinary Readable for whoever reads it (a storage wrapper, a test), and it can
 * also send itself ({@link SEND_BODY}): the router then has it read into two buffers from a shared
 * pool, alternately, each reused once the socket has written it, so that a transfer allocates no
 * Buffer memory at all (what made GetFile collect garbage for a third of its time, see
 * docs/performance.md). The next chunk is read while the last one is being written.
 *
 * A file that turns out shorter than `size` (truncated in place after the open) is an error, not
 * a short body: the answer's `Content-Length` promised `size` bytes, and a body that ends early on
 * a kept-alive connection would leave the client waiting for the rest. Bytes appended after the
 * open are never read.
 */
import { close, read } from 'node:fs';
import { finished, Readable, type Writable } from 'node:stream';
import { BufferPool } from '../../util/buffer-pool';
import { SEND_BODY, type SelfSendingBody } from '../../util/self-sending';
import { CHUNK_BYTES } from './durable-write';

/** Buffers shared by every file body of the process: two per transfer at most, eight kept free. */
export const readBuffers = new BufferPool(CHUNK_BYTES, 8);

export class FileBody extends Readable implements SelfSendingBody {
  private position = 0;
  private fd: number | undefined;

  /** Takes ownership of `fd`: it is closed when the body ends, fails or is destroyed. */
  constructor(
    fd: number,
    private readonly size: number,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    this.fd = fd;
  }

  override _read(): void {
    const fd = this.fd;
    const length = Math.min(CHUNK_BYTES, this.size - this.position);
    if (fd === undefined || length <= 0) {
      this.push(null);
      return;
    }
    // A fresh buffer per chunk: once pushed, the reader owns it.
    const buffer = Buffer.allocUnsafeSlow(length);
    read(fd, buffer, 0, length, this.position, (err, bytesRead) => {
      if (err) {
        this.destroy(err);
      } else if (bytesRead === 0) {
        this.destroy(shrank(this.size, this.position));
      } else {
        this.position += bytesRead;
        this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
      }
    });
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) callback(err);
    else close(fd, (closeErr) => callback(err ?? closeErr));
  }

  async [SEND_BODY](destination: Writable): Promise<void> {
    const fd = this.fd as number;
    // Settles when the destination finishes or fails, or closes before finishing.
    let ended: Error | null | undefined;
    let onEnd: ((err: Error | null) => void) | undefined;
    const whenEnded = new Promise<Error | null>((resolve) => {
      onEnd = resolve;
    });
    finished(destination, { readable: false }, (err) => {
      ended = err ?? null;
      onEnd?.(ended);
    });
    const buffers: Buffer[] = [];
    const reusable: boolean[] = [];
    try {
      let pendingWrite: Promise<void> | undefined;
      let turn = 0;
      while (this.position < this.size) {
        if (ended !== undefined) throw ended ?? closedEarly();
        if (buffers.length <= turn) {
          buffers.push(readBuffers.take());
          reusable.push(true);
        }
        const buffer = buffers[turn] as Buffer;
        const length = Math.min(buffer.length, this.size - this.position);
        const bytesRead = await readAt(fd, buffer, length, this.position);
        if (bytesRead === 0) throw shrank(this.size, this.position);
        this.position += bytesRead;
        // The other buffer's write must be done before this one goes out: one chunk in flight.
        if (pendingWrite !== undefined) await pendingWrite;
        if (ended !== undefined) throw ended ?? closedEarly();
        // Until its write calls back, the socket may still read from this buffer.
        reusable[turn] = false;
        const index = turn;
        pendingWrite = writeChunk(destination, buffer.subarray(0, bytesRead), whenEnded).then(() => {
          reusable[index] = true;
        });
        // Settled by whoever awaits it; never an unhandled rejection if a read fails first.
        pendingWrite.catch(() => undefined);
        turn ^= 1;
      }
      if (pendingWrite !== undefined) await pendingWrite;
      if (ended === undefined) destination.end();
      const err = ended === undefined ? await whenEnded : ended;
      if (err) throw err;
    } catch (err) {
      if (!destination.destroyed) destination.destroy(err as Error);
      throw err;
    } finally {
      buffers.forEach((buffer, i) => {
        if (reusable[i]) readBuffers.give(buffer);
      });
      // Closes the file; no 'error' event (the caller has the error from the promise).
      this.destroy();
    }
  }
}

function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead)));
  });
}

/** Writes `chunk`; settles when the destination is done with it, or fails when the destination ends first. */
function writeChunk(destination: Writable, chunk: Buffer, whenEnded: Promise<Error | null>): Promise<void> {
  const written = new Promise<void>((resolve, reject) => {
    destination.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
  // A write on a connection that closes may never call back; the end of the destination settles it.
  return Promise.race([written, whenEnded.then((err) => Promise.reject(err ?? closedEarly()))]);
}

function shrank(size: number, position: number): Error {
  return new Error(`the file ended at byte ${position} of the ${size} it had when opened`);
}

function closedEarly(): Error {
  const err = new Error('Premature close') as Error & { code: string };
  err.code = 'ERR_STREAM_PREMATURE_CLOSE';
  return err;
}
