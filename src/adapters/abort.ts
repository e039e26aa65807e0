import type { Readable } from 'node:stream';

/**
 * Destroys `stream` with the signal's reason when `signal` aborts, so a consumer blocked waiting
 * for the next chunk fails at once instead of hanging (the consumer sees the error when it next
 * reads). Returns a function that removes the listeners; call it when done with the stream.
 * Check `signal.aborted` before calling: an already aborted signal is not acted on here.
 */
export function destroyOnAbort(stream: Readable, signal: AbortSignal): () => void {
  const onAbort = (): void => {
    stream.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  // The error reaches the consumer through its read; this listener only keeps an abort that
  // lands between two reads from becoming an unhandled 'error' event.
  const ignore = (): void => undefined;
  stream.on('error', ignore);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    stream.off('error', ignore);
  };
}

/**
 * Runs `work`, which consumes `content`, with the body guarded from its first moment: an abort of
 * `signal` destroys it, and an error it emits before `work` starts reading cannot go unhandled.
 */
export async function withBody<T>(content: Readable, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  const release = destroyOnAbort(content, signal);
  try {
    return await work();
  } finally {
    release();
  }
}
