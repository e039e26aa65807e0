/**
 * Creating a file in a container, for FileSystemStorage: PutRelativeFile (`createRelativeFile`,
 * in the original's folder) and CreateChildFile (`createChildFile`) take this one path.
 *
 * The body goes to a temporary file in the container's folder, held open (held-folder.ts), and is
 * fsynced; then the commit step; then, with the folder found again where it is now, the temporary
 * file takes its name. A new name is claimed with a hard link (`link()` fails when the name
 * exists, so nothing is ever replaced and two concurrent requests never get one name); an
 * overwrite renames over the file the name names at that moment. On any failure the temporary
 * file goes and nothing else changes.
 */
import type { BigIntStats } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { WopiRelativeTarget, WopiWriteContext } from '../storage';
import { FileExistsError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { folderOf, joinRel, legalName, nameOf, regularFile } from './errno';
import { linkIfFree, writeTemporary } from './durable-write';
import { FolderNames } from './folder-names';
import { HeldFolder, type LocateFolder } from './held-folder';
import type { JailedFolder } from './jailed-folder';
import type { RootJail } from './root-jail';
import type { TreeLock } from './tree-lock';

/** What creating a file needs from the storage. */
export interface CreationSite {
  readonly jail: RootJail;
  readonly lock: TreeLock;
  /** fsync the new content and its folder. */
  readonly fsync: boolean;
  /** The path of the container now (`''` for the root); 404 when no container has this ID. */
  containerPath(containerId: string): Promise<string>;
  /** The path the file ID names now; 404 for an unknown or deleted ID. */
  pathOf(fileId: string): Promise<string>;
  /** The ID of the regular file `name` in `folder`; `undefined` for a folder, a link or nothing. */
  replaceableId(folder: JailedFolder, name: string): Promise<string | undefined>;
  /** The ID of the file now at `rel` (assigned on first use). */
  fileIdOf(rel: string): Promise<string>;
  /** Drops what the storage remembers about the file `fileId` (its content was replaced). */
  forget(fileId: string): void;
}

/** A file created (or overwritten): its ID, its path and its metadata. */
export interface CreatedFile {
  fileId: string;
  rel: string;
  st: BigIntStats;
}

/**
 * Creates a file in the container `containerId` from `content`: the first free candidate, or,
 * with `target.overwrite`, over the file the first candidate names (keeping its ID). Calls
 * `context.commit(existingId)` before replacing and `context.commit()` before creating, and picks
 * the name after it resolves. Call inside `withBody`.
 */
export async function createInContainer(
  site: CreationSite,
  containerId: string,
  content: Readable,
  target: WopiRelativeTarget,
  context: WopiWriteContext,
): Promise<CreatedFile> {
  const locate: LocateFolder = () => site.containerPath(containerId);
  const { held } = await HeldFolder.open(site.jail, site.lock, locate, async () => undefined);
  if (site.fsync) held.folder.syncSoon();
  try {
    const temp = await writeTemporary(held.folder, content, context.signal, { fsync: site.fsync });
    try {
      return await publish(site, held, locate, temp, target, context);
    } catch (err) {
      await held.discard(locate, temp);
      throw err;
    }
  } finally {
    await held.close();
  }
}

/** The commit step, then the durable temporary file `temp` takes its name. */
async function publish(
  site: CreationSite,
  held: HeldFolder,
  locate: LocateFolder,
  temp: string,
  target: WopiRelativeTarget,
  context: WopiWriteContext,
): Promise<CreatedFile> {
  if (target.overwrite) {
    const wanted = first(target.candidates);
    if (wanted === undefined) throw new FileExistsError();
    legalName(wanted);
    // The file the name names, for the commit step. A folder or a link there makes the name
    // taken, and is never replaced.
    const existingId = await held.again(locate, async (folder) => {
      if (site.jail.isMetadataEntry(folder.rel, wanted)) throw new FileExistsError();
      const onDisk = (await FolderNames.read(folder)).find(wanted);
      const id = onDisk === undefined ? undefined : await site.replaceableId(folder, onDisk);
      if (onDisk !== undefined && id === undefined) throw new FileExistsError();
      return id;
    });
    await context.commit(existingId);
    return held.again(locate, async (folder) => {
      if (existingId === undefined) {
        if (!(await linkIfFree(folder.path(temp), folder.path(wanted)))) throw new FileExistsError();
        await unlink(folder.path(temp));
        return created(site, folder, wanted, undefined);
      }
      // Where the file to replace is now: renamed away meanwhile, the name is no longer its.
      const now = await site.pathOf(existingId);
      if (folderOf(now) !== folder.rel || fileNameKey(nameOf(now)) !== fileNameKey(wanted)) throw new FileExistsError();
      await rename(folder.path(temp), folder.path(nameOf(now)));
      site.forget(existingId);
      return created(site, folder, nameOf(now), existingId);
    });
  }
  await context.commit();
  return held.again(locate, async (folder) => {
    const present = await FolderNames.read(folder);
    for (const wanted of target.candidates) {
      legalName(wanted);
      // A case variant of a candidate is the same name: taken.
      if (present.find(wanted) !== undefined || site.jail.isMetadataEntry(folder.rel, wanted)) continue;
      // link() fails when the name is taken, so an existing file is never replaced.
      if (await linkIfFree(folder.path(temp), folder.path(wanted))) {
        await unlink(folder.path(temp));
        return created(site, folder, wanted, undefined);
      }
    }
    throw new FileExistsError();
  });
}

/** The file `name` now in `folder`, made durable, with its ID (`fileId` for a replaced one). */
async function created(site: CreationSite, folder: JailedFolder, name: string, fileId: string | undefined): Promise<CreatedFile> {
  if (site.fsync) await folder.sync();
  const rel = joinRel(folder.rel, name);
  const id = fileId ?? (await site.fileIdOf(rel));
  site.forget(id);
  return { fileId: id, rel, st: await regularFile(folder.path(name)) };
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
