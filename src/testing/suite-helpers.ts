/**
 * What the published contract suites share: declared-capability blocks, a write context, and
 * waiting for an operation with a bound, so a storage that hangs fails with a message instead of
 * a jest timeout. Not exported from `express-wopi/testing`.
 */
import type { Readable } from 'node:stream';
import type { WopiWriteContext } from '../adapters/storage';

/** `describe` for a declared capability; for an undeclared one, nothing (the first test checks it is absent). */
export function describeIf(condition: boolean, title: string, body: () => void): void {
  if (condition) describe(title, body);
}

/** A write context for the suites' own writes: `commit` resolves at once unless given. */
export function writeContext(
  signal: AbortSignal = new AbortController().signal,
  commit: (replacingFileId?: string) => Promise<void> = async () => {},
): WopiWriteContext {
  return { userId: 'suite-user', editors: [], signal, commit };
}

/** How long an operation of the overlapping-write and commit-step tests may take once its body has ended. */
export const SETTLE_MS = 3000;

/** A short wait, so the storage gets going on what it was given (opens files, reads what is there). */
export function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/** `promise`, or a failure naming `what` when it has not settled within {@link SETTLE_MS}. */
export async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${SETTLE_MS} ms`)), SETTLE_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `promise` rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

/** The whole content of a stream. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
