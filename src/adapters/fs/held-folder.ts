/**
 * The folder a save or a create writes its temporary file into, held open (through the jail)
 * from before the body arrives until the new content is published.
 *
 * After the commit step the folder is found again by what names it now (the file's ID for a
 * save, the container's ID for a create), in a shared step of the {@link TreeLock}: under the
 * path it was opened by, or, when a RenameContainer moved it (or a folder above it) meanwhile,
 * under its new path, checked to be the very same folder (device and inode). The temporary file
 * is in that folder, so the content lands on the file where it is now; a folder that is gone, or
 * another folder under the path, is 404.
 */
import type { BigIntStats } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { FileNotFoundError } from '../../errors';
import { errorCode } from './errno';
import type { JailedFolder } from './jailed-folder';
import type { RootJail } from './root-jail';
import type { TreeLock } from './tree-lock';

/** Finds the folder's path now (relative to the root, `''` for the root); 404 when nothing names it. */
export type LocateFolder = () => Promise<string>;

export class HeldFolder {
  private constructor(
    private readonly jail: RootJail,
    private readonly lock: TreeLock,
    /** The folder as opened; on Linux its descriptor keeps reaching it wherever it moves. */
    readonly folder: JailedFolder,
    /**
     * The folder's device and inode as opened, to know it again under another path; none for the
     * root, which no other path names (the served folder is never renamed through the library).
     */
    private readonly identity: BigIntStats | undefined,
  ) {}

  /**
   * Opens the folder `locate` finds, in a shared step, and runs `look` on it there (a check that
   * must see the same state, e.g. that the file to save still exists). Close the result.
   */
  static async open<T>(
    jail: RootJail,
    lock: TreeLock,
    locate: LocateFolder,
    look: (folder: JailedFolder) => Promise<T>,
  ): Promise<{ held: HeldFolder; seen: T }> {
    return lock.shared(async () => {
      const folder = await jail.openFolder(await locate());
      try {
        const identity = folder.rel === '' ? undefined : await folder.stat();
        return { held: new HeldFolder(jail, lock, folder, identity), seen: await look(folder) };
      } catch (err) {
        await folder.close();
        throw err;
      }
    });
  }

  /**
   * Runs `work`, in a shared step, on this folder where `locate` says it is now. FileNotFoundError
   * when that path no longer leads to this very folder.
   */
  again<T>(locate: LocateFolder, work: (folder: JailedFolder) => Promise<T>): Promise<T> {
    return this.lock.shared(async () => {
      const rel = await locate();
      if (rel === this.folder.rel) return work(this.folder);
      const identity = this.identity;
      if (identity === undefined) throw new FileNotFoundError();
      const found = await this.jail.openFolder(rel);
      try {
        const st = await found.stat();
        if (st.dev !== identity.dev || st.ino !== identity.ino) throw new FileNotFoundError();
        return await work(found);
      } finally {
        await found.close();
      }
    });
  }

  /**
   * Removes the temporary file `name` (after a failure), where the folder is now: through what
   * was opened, or, where that is a path the folder has left, under its new path. Never throws.
   * Not from inside a shared step.
   */
  async discard(locate: LocateFolder, name: string): Promise<void> {
    try {
      await unlink(this.folder.path(name));
      return;
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') return;
    }
    await this.again(locate, (folder) => unlink(folder.path(name))).catch(() => undefined);
  }

  close(): Promise<void> {
    return this.folder.close();
  }
}
