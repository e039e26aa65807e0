/**
 * Save As (PutRelativeFile) for FileSystemStorage, after the body is durable in a temporary file:
 * the commit step, then the temporary file takes its name. A new name is claimed with a hard link
 * (`link()` fails when the name exists, so nothing is ever replaced and two concurrent requests
 * never get one name); an overwrite renames over the file the name names at that moment.
 */
import { rename, unlink } from 'node:fs/promises';
import type { WopiRelativeTarget, WopiWriteContext } from '../storage';
import { FileExistsError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { folderOf, legalName, nameOf } from './errno';
import { linkIfFree } from './durable-write';
import { FolderNames } from './folder-names';
import type { JailedFolder } from './jailed-folder';

/** What Save As needs from the storage: where an ID is now, and which IDs a name may replace. */
export interface FileLookup {
  /** The path the ID names now; 404 for an unknown or deleted ID. */
  pathOf(fileId: string): Promise<string>;
  /** The ID of the regular file `name` in `folder`; `undefined` for a folder, a link or nothing. */
  replaceableId(folder: JailedFolder, name: string): Promise<string | undefined>;
  /** Drops what the storage remembers about the file `fileId` (its content was replaced). */
  forget(fileId: string): void;
}

/**
 * Moves the durable temporary file `temp` to its name, after the commit step: over the file
 * the first candidate names (overwrite), or to the first free candidate. Returns the name and,
 * for a replaced file, its ID.
 */
export async function publishRelative(
  files: FileLookup,
  folder: JailedFolder,
  temp: string,
  target: WopiRelativeTarget,
  context: WopiWriteContext,
): Promise<{ fileId?: string; name: string }> {
  if (target.overwrite) {
    const wanted = first(target.candidates);
    if (wanted === undefined) throw new FileExistsError();
    legalName(wanted);
    const onDisk = (await FolderNames.read(folder)).find(wanted);
    const existingId = onDisk === undefined ? undefined : await files.replaceableId(folder, onDisk);
    // A folder or a link has the name: taken, and never replaced.
    if (onDisk !== undefined && existingId === undefined) throw new FileExistsError();
    await context.commit(existingId);
    if (existingId === undefined) {
      if (!(await linkIfFree(folder.path(temp), folder.path(wanted)))) throw new FileExistsError();
      await unlink(folder.path(temp));
      return { name: wanted };
    }
    // Where the file to replace is now: renamed away meanwhile, the name is no longer its.
    const now = await files.pathOf(existingId);
    if (folderOf(now) !== folder.rel || fileNameKey(nameOf(now)) !== fileNameKey(wanted)) throw new FileExistsError();
    await rename(folder.path(temp), folder.path(nameOf(now)));
    files.forget(existingId);
    return { fileId: existingId, name: nameOf(now) };
  }
  await context.commit();
  const present = await FolderNames.read(folder);
  for (const wanted of target.candidates) {
    legalName(wanted);
    // A case variant of a candidate is the same name: taken.
    if (present.find(wanted) !== undefined) continue;
    // link() fails when the name is taken, so an existing file is never replaced.
    if (await linkIfFree(folder.path(temp), folder.path(wanted))) {
      await unlink(folder.path(temp));
      return { name: wanted };
    }
  }
  throw new FileExistsError();
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
