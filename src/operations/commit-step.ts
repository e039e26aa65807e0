/**
 * The router's half of the storage contract's commit step (`WopiWriteContext.commit`): the
 * storage calls it once the new content is durable and just before publishing it; the router
 * enters the critical section of the file about to change, checks the save's rules again against
 * that moment, and holds the section until the storage's write settles.
 */
import type { WopiContext } from '../context';
import { InternalServerError } from '../errors';
import { fileSections } from './file-sections';

export interface CommitStepOptions {
  /** The storage method, for the error when it publishes without committing. */
  method: 'writeFile' | 'createRelativeFile' | 'createChildFile';
  /** The file whose critical section the commit enters, given what the storage is about to replace. */
  sectionFor(replacingFileId: string | undefined): string | undefined;
  /** The save's rules against the current state; throws the answer (409, 404, …) when they fail. */
  recheck(replacingFileId: string | undefined): Promise<void>;
}

export interface CommitStep {
  /** Passed to the storage as `context.commit`. */
  commit(replacingFileId?: string): Promise<void>;
  /** The file the storage said it replaces (`commit(id)`), once it has; `undefined` for a new file. */
  readonly replaced: string | undefined;
  /**
   * Runs the storage write; leaves the critical section when it settles. A write that resolves
   * without having called `commit` published unchecked: 500, logged on `server_error`.
   */
  run<T>(write: () => Promise<T>): Promise<T>;
}

export function commitStep(ctx: WopiContext, options: CommitStepOptions): CommitStep {
  let called = false;
  let settled = false;
  let leave: (() => void) | undefined;
  let replaced: string | undefined;
  return {
    get replaced() {
      return replaced;
    },
    async commit(replacingFileId?: string): Promise<void> {
      if (called) throw new InternalServerError(`The storage called commit twice in one ${options.method}`);
      called = true;
      replaced = replacingFileId;
      const key = options.sectionFor(replacingFileId);
      if (key !== undefined) {
        const release = await fileSections(ctx.options.storage).acquire(key);
        // A storage that did not wait for commit may have settled meanwhile: nothing left to guard.
        if (settled) release();
        else leave = release;
      }
      if (settled) throw new InternalServerError(`The storage's ${options.method} settled before its commit step`);
      await options.recheck(replacingFileId);
      ctx.log('commit check passed%s', replacingFileId === undefined ? '' : ` (replacing ${replacingFileId})`);
    },
    async run<T>(write: () => Promise<T>): Promise<T> {
      try {
        const result = await write();
        if (!called) {
          throw new InternalServerError(
            `The storage's ${options.method} resolved without calling context.commit(): its save was published unchecked`,
          );
        }
        return result;
      } finally {
        settled = true;
        leave?.();
      }
    },
  };
}
