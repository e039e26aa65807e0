/** Small helpers for file system errors and paths, shared by the FileSystemStorage modules. */
import path from 'node:path';
import { FileNotFoundError } from '../../errors';

export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Maps "no such file" style errors (a link refused with ELOOP among them) to FileNotFoundError; rethrows the rest. */
export function notFound(err: unknown): never {
  const code = errorCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO') throw new FileNotFoundError();
  throw err;
}

/** Whether `child` is strictly inside the folder `parent` (both absolute). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The folder part of a root-relative posix path: `''` for a file directly in the root. */
export function folderOf(rel: string): string {
  const dir = path.posix.dirname(rel);
  return dir === '.' ? '' : dir;
}

/** The last part of a root-relative posix path. */
export function nameOf(rel: string): string {
  return path.posix.basename(rel);
}

/** `name` inside the root-relative folder `folder`. */
export function joinRel(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}
