/**
 * The names in folders: compared the way case-insensitive file systems and Office hosts compare
 * them (see fileNameKey), listed through the jail, and a file moved to a free name without ever
 * replacing one.
 */
import type { Dirent } from 'node:fs';
import { lstat, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { linkIfFree } from './durable-write';
import { errorCode, joinRel } from './errno';
import type { JailedFolder } from './jailed-folder';
import type { RootJail } from './root-jail';

/**
 * The names in one folder, looked up the way a case-insensitive file system looks them up: a
 * name finds itself, or else an entry with the same {@link fileNameKey}. Read once per operation;
 * the hard link or rename that follows still refuses a name taken in the meantime.
 */
export class FolderNames {
  private constructor(
    private readonly exact: ReadonlySet<string>,
    private readonly byKey: ReadonlyMap<string, readonly string[]>,
  ) {}

  static async read(folder: JailedFolder): Promise<FolderNames> {
    const names = (await folder.names()).sort();
    const byKey = new Map<string, string[]>();
    for (const name of names) {
      const key = fileNameKey(name);
      const same = byKey.get(key);
      if (same) same.push(name);
      else byKey.set(key, [name]);
    }
    return new FolderNames(new Set(names), byKey);
  }

  /** Whether the folder has an entry spelled exactly `name`. */
  has(name: string): boolean {
    return this.exact.has(name);
  }

  /** The entry that is `name`: `name` itself if present, else a case variant of it. */
  find(name: string): string | undefined {
    return this.exact.has(name) ? name : this.byKey.get(fileNameKey(name))?.[0];
  }

  /** Whether an entry other than `own` is `name` or a case variant of it. */
  takenByOther(name: string, own: string): boolean {
    return (this.byKey.get(fileNameKey(name)) ?? []).some((entry) => entry !== own);
  }
}

/**
 * Moves the file at `from` to the free name `to` (both in one folder); false when `to` is taken.
 * A hard link claims the new name only if it is free, then the old name goes. When only the case
 * changes (`caseChange`), a case-insensitive file system reports the new name as taken by the
 * file itself: then a rename changes the case in place.
 */
export async function moveIfFree(from: string, to: string, caseChange: boolean): Promise<boolean> {
  if (await linkIfFree(from, to)) {
    await unlink(from);
    return true;
  }
  if (!caseChange) return false;
  const [a, b] = await Promise.all([lstat(from, { bigint: true }), lstat(to, { bigint: true }).catch(() => undefined)]);
  if (b === undefined || a.ino !== b.ino || a.dev !== b.dev) return false;
  await rename(from, to);
  return true;
}

/**
 * Moves the folder at `from` to the free name `to` (both in one folder); false when `to` is taken.
 * `rename()` would replace an empty folder that has the name, so the name is claimed first with
 * `mkdir()` (which fails when anything has it), and the folder is then renamed over that empty
 * placeholder, atomically. Where a folder cannot be renamed over another (Windows), the
 * placeholder goes first. When only the case changes (`caseChange`) on a case-insensitive file
 * system, the new name is the folder itself: then a rename changes the case in place.
 */
export async function moveFolderIfFree(from: string, to: string, caseChange: boolean): Promise<boolean> {
  try {
    await mkdir(to);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    if (!caseChange) return false;
    const [a, b] = await Promise.all([lstat(from, { bigint: true }), lstat(to, { bigint: true }).catch(() => undefined)]);
    if (b === undefined || a.ino !== b.ino || a.dev !== b.dev) return false;
    await rename(from, to);
    return true;
  }
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    // Something got into the placeholder meanwhile (then it stays), or this system does not
    // rename a folder over another.
    await rmdir(to).catch(() => undefined);
    const code = errorCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'EACCES') throw err;
  }
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
}

/** Makes the folder `to`; false when the name is taken. */
export async function makeFolderIfFree(to: string): Promise<boolean> {
  try {
    await mkdir(to);
    return true;
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return false;
    throw err;
  }
}

/**
 * `rel` (an existing path) with each part spelled as in its folder's listing. The same path on a
 * case-sensitive file system; on a case-insensitive one, `REPORT.docx` may be `Report.docx`.
 */
export async function spelledOnDisk(jail: RootJail, rel: string): Promise<string> {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length; i++) {
    const folder = await jail.openFolder(parts.slice(0, i).join('/'));
    try {
      parts[i] = (await FolderNames.read(folder)).find(parts[i] as string) ?? (parts[i] as string);
    } finally {
      await folder.close();
    }
  }
  return parts.join('/');
}

/**
 * What `list()` and EnumerateChildren show of the entry `d` of the folder `folderRel`: a regular
 * file, a folder, or nothing (`undefined`) for dot-files, dot-folders, links, other special files
 * and the metadata folder.
 */
export function listedKind(jail: RootJail, folderRel: string, d: Dirent): 'file' | 'folder' | undefined {
  if (d.name.startsWith('.')) return undefined;
  if (!d.isFile() && !d.isDirectory()) return undefined;
  if (jail.isMetadataPath(path.join(jail.root, joinRel(folderRel, d.name)))) return undefined;
  return d.isFile() ? 'file' : 'folder';
}

/** The entries of the folder `rel`, opened through the jail, in name order. */
export async function entriesOf(jail: RootJail, rel: string): Promise<Dirent[]> {
  const folder = await jail.openFolder(rel);
  let dirents: Dirent[];
  try {
    dirents = await folder.list();
  } finally {
    await folder.close();
  }
  return dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every regular file under the root, in name order, each folder listed through the jail:
 * dot-files, dot-folders, links and the metadata folder are left out, and a sub-folder that
 * vanishes or becomes a link during the walk is skipped.
 */
export async function listFiles(jail: RootJail): Promise<Array<{ rel: string; name: string }>> {
  const files: Array<{ rel: string; name: string }> = [];
  const walk = async (folderRel: string): Promise<void> => {
    for (const d of await entriesOf(jail, folderRel)) {
      const kind = listedKind(jail, folderRel, d);
      const rel = joinRel(folderRel, d.name);
      if (kind === 'folder') await walk(rel).catch(skipVanished);
      else if (kind === 'file') files.push({ rel, name: d.name });
    }
  };
  await walk('');
  return files;
}

/**
 * Calls `onFile` with the path of every regular file below the folder `rel`, hidden ones
 * included, each folder listed through the jail; links and the metadata folder are left out, and
 * a sub-folder that vanishes or becomes a link during the walk is skipped.
 */
export async function walkFolders(jail: RootJail, rel: string, onFile: (fileRel: string) => Promise<void>): Promise<void> {
  for (const d of await entriesOf(jail, rel)) {
    const child = joinRel(rel, d.name);
    if (jail.isMetadataPath(path.join(jail.root, child))) continue;
    if (d.isDirectory()) await walkFolders(jail, child, onFile).catch(skipVanished);
    else if (d.isFile()) await onFile(child);
  }
}

function skipVanished(err: unknown): void {
  if (!(err instanceof FileNotFoundError)) throw err;
}
