/**
 * What a crash leaves behind. A save writes its content to a hidden temporary file in the file's
 * folder (`.express-wopi.<12 hex>.wopi-tmp`, durable-write.ts) and renames it over the file, or
 * removes it on any failure; a process that dies in between (killed, out of memory, power lost)
 * leaves it there. An ID record is replaced the same way (`<record>.<12 hex>.tmp` in the metadata
 * folder's `ids/` and `paths/`, and `users/` for user info kept there). Nothing ever lists, serves or reads them; they only take space.
 *
 * {@link sweepTemporaryFiles} removes the ones last written more than a given age ago. A save in
 * progress writes to its temporary file whenever body bytes arrive, and a body that makes no
 * progress for `uploadIdleTimeoutMs` is abandoned (and its file removed), so a file untouched for
 * longer than that and the commit step's few moments belongs to no running save, in any process.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { FileNotFoundError } from '../../errors';
import { log } from '../../log';
import { RECORD_TEMP_NAME, SAVE_TEMP_NAME } from './durable-write';
import { errorCode, folderOf, nameOf } from './errno';
import { walkFolders } from './folder-names';
import type { RootJail } from './root-jail';

const debug = log('storage:fs');

/**
 * The folders of the metadata folder that hold records: the ID records, and `users/`, where
 * `express-wopi serve` keeps its FileSystemUserInfoStore (whose records are replaced the same way).
 */
const RECORD_FOLDERS = ['ids', 'paths', 'users'];

/** The default age past which a temporary file is left over: one hour. */
export const DEFAULT_SWEEP_AGE_MS = 60 * 60 * 1000;

/** What `FileSystemStorage.sweepTemporaryFiles` removed. */
export interface TemporaryFileSweep {
  /** Temporary files of saves, as paths relative to the root (`reports/.express-wopi.3f9a0c1b2d4e.wopi-tmp`). */
  saves: string[];
  /** Temporary copies of ID records, as paths relative to the metadata folder (`ids/<id>.3f9a0c1b2d4e.tmp`). */
  records: string[];
}

/**
 * Removes the temporary files under the root (every folder, through the jail: links are not
 * followed) and in the metadata folder whose modification time is more than `olderThanMs` ago.
 * A file that is gone or has been written meanwhile is left alone.
 */
export async function sweepTemporaryFiles(
  jail: RootJail,
  metadataDir: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<TemporaryFileSweep> {
  const cutoff = now - olderThanMs;
  const swept: TemporaryFileSweep = { saves: [], records: [] };
  await walkFolders(jail, '', async (rel) => {
    if (!SAVE_TEMP_NAME.test(nameOf(rel))) return;
    // Through the folder the jail opens: a folder swapped for a link meanwhile is never entered.
    const folder = await jail.openFolder(folderOf(rel)).catch((err: unknown) => {
      if (err instanceof FileNotFoundError) return undefined;
      throw err;
    });
    if (folder === undefined) return;
    try {
      if (await removeIfOlder(folder.path(nameOf(rel)), cutoff)) swept.saves.push(rel);
    } finally {
      await folder.close();
    }
  });
  for (const sub of RECORD_FOLDERS) {
    const dir = path.join(metadataDir, sub);
    for (const name of await namesIn(dir)) {
      if (RECORD_TEMP_NAME.test(name) && (await removeIfOlder(path.join(dir, name), cutoff))) swept.records.push(`${sub}/${name}`);
    }
  }
  if (swept.saves.length + swept.records.length > 0) {
    debug('removed %d left-over temporary file(s) of saves and %d of ID records', swept.saves.length, swept.records.length);
  }
  return swept;
}

/** Removes the regular file `file` if it was last modified at or before `cutoff`; whether it did. */
async function removeIfOlder(file: string, cutoff: number): Promise<boolean> {
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.mtimeMs > cutoff) return false;
    await unlink(file);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return false; // renamed into place or removed by its save
    throw err;
  }
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
}
