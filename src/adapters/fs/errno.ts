/** Small helpers for file system errors, paths and names, shared by the FileSystemStorage modules. */
import type { BigIntStats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { BadRequestError, FileNotFoundError } from '../../errors';
import type { MetadataReads } from './metadata-reads';
import { checkFileName } from '../../protocol/file-name';

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

/** The metadata of the regular file at `p` (a path through a jailed folder); a link is not one. */
export async function regularFile(p: string, reads?: MetadataReads): Promise<BigIntStats> {
  const st = await (reads ? reads.lstat(p) : lstat(p, { bigint: true })).catch(notFound);
  if (!st.isFile()) throw new FileNotFoundError();
  return st;
}

/** 400 unless `name` is a legal file name. */
export function legalName(name: string): void {
  const legal = checkFileName(name);
  if (!legal.ok) throw new BadRequestError(legal.reason);
}
