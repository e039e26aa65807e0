/**
 * DeleteContainer's removal of a folder. A folder is empty when nothing in it would be listed
 * (`list()`, EnumerateChildren): dot-files and dot-folders, links, other special files and the
 * temporary files of saves do not count, and go with the folder. Everything is reached through
 * the jail: a link is removed, never followed; a hidden folder is opened without following a
 * link and emptied the same way. Anything listed makes it not empty (409), also when it appears
 * while the hidden entries are being removed: the last step, `rmdir()`, removes only an empty
 * folder.
 */
import type { Dirent } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { ContainerNotEmptyError } from '../../errors';
import { errorCode, joinRel, notFound } from './errno';
import { listedKind } from './folder-names';
import type { JailedFolder } from './jailed-folder';
import type { RootJail } from './root-jail';

/**
 * Removes the folder `name` of `parent` (the folder `rel`) when it is empty in the sense above.
 *
 * @throws ContainerNotEmptyError when it holds anything listed, or the metadata folder.
 * @throws FileNotFoundError when it is gone or is no longer a folder.
 */
export async function removeEmptyFolder(jail: RootJail, rel: string, parent: JailedFolder, name: string): Promise<void> {
  if (jail.holdsMetadata(rel)) throw new ContainerNotEmptyError();
  const folder = await jail.openFolder(rel);
  try {
    const entries = await folder.list();
    if (entries.some((d) => listedKind(jail, rel, d) !== undefined)) throw new ContainerNotEmptyError();
    for (const d of entries) await removeEntry(jail, folder, joinRel(rel, d.name), d);
  } finally {
    await folder.close();
  }
  await rmdir(parent.path(name)).catch((err: unknown) => {
    const code = errorCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ContainerNotEmptyError();
    notFound(err);
  });
}

/** Removes the hidden entry `d` (at `rel`) of `folder`, a hidden folder with all it holds. */
async function removeEntry(jail: RootJail, folder: JailedFolder, rel: string, d: Dirent): Promise<void> {
  if (d.isDirectory()) {
    const inner = await jail.openFolder(rel);
    try {
      for (const e of await inner.list()) await removeEntry(jail, inner, joinRel(rel, e.name), e);
    } finally {
      await inner.close();
    }
    await rmdir(folder.path(d.name)).catch(gone);
  } else {
    await unlink(folder.path(d.name)).catch(gone);
  }
}

/** An entry another request removed first is removed; a hidden folder that filled up meanwhile is not empty. */
function gone(err: unknown): void {
  const code = errorCode(err);
  if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ContainerNotEmptyError();
  if (code !== 'ENOENT') throw err;
}
