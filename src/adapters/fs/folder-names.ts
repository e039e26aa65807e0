/**
 * The names in folders: compared the way case-insensitive file systems and Office hosts compare
 * them (see fileNameKey), listed through the jail, and a file moved to a free name without ever
 * replacing one.
 */
import type { Dirent } from 'node:fs';
import { lstat, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../../errors';
import { fileNameKey } from '../../protocol/file-name';
import { linkIfFree } from './durable-write';
import { joinRel } from './errno';
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
 * Every regular file under the root, in name order, each folder listed through the jail:
 * dot-files, dot-folders, links and the metadata folder are left out, and a sub-folder that
 * vanishes or becomes a link during the walk is skipped.
 */
export async function listFiles(jail: RootJail): Promise<Array<{ rel: string; name: string }>> {
  const files: Array<{ rel: string; name: string }> = [];
  const walk = async (folderRel: string): Promise<void> => {
    const folder = await jail.openFolder(folderRel);
    let dirents: Dirent[];
    try {
      dirents = await folder.list();
    } finally {
      await folder.close();
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (d.name.startsWith('.')) continue;
      const rel = joinRel(folderRel, d.name);
      if (jail.isMetadataPath(path.join(jail.root, rel))) continue;
      if (d.isDirectory()) {
        await walk(rel).catch((err: unknown) => {
          if (!(err instanceof FileNotFoundError)) throw err;
        });
      } else if (d.isFile()) files.push({ rel, name: d.name });
    }
  };
  await walk('');
  return files;
}
