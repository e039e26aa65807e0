import { optionalOperation } from './operation';
import { assertLockHeld, optionalLockHeader } from './lock-rules';
import { fileSections } from './file-sections';
import type { WopiFileInfo } from '../adapters/storage';
import { BadRequestError, InvalidTokenError, WopiError } from '../errors';
import { HEADER } from '../protocol/headers';
import { checkFileName, splitExtension } from '../protocol/file-name';
import { canRename } from '../protocol/permissions';
import { boundedCandidates, readNameHeader } from './name-headers';
import { fileUrl } from './resource-urls';
import { emit } from '../event-dispatch';

/**
 * RenameFile — `X-WOPI-Override: RENAME_FILE`: gives the file a new name, keeping its extension
 * and its file ID. `X-WOPI-RequestedName` is UTF-7 and has no extension; an illegal name is 400
 * with `X-WOPI-InvalidFileNameError`, a taken one becomes the next free `name (n)`. A locked file
 * needs the matching `X-WOPI-Lock` (else 409). Answers `{"Name": <new name without extension>,
 * "Url": <the WOPISrc with a fresh token>}` (`Url` when the auth can issue tokens).
 */
export const renameFile = optionalOperation({
  name: 'RenameFile',
  logName: 'rename-file',
  requiresWrite: false,
  handle: (options) => options.renameFile,
  async run(ctx, renameInStorage) {
    const { storage, locks } = ctx.options;
    if (!canRename(ctx.user)) throw new InvalidTokenError('Access token does not grant renaming');
    const invalidName = (reason: string): Record<string, string> => ({ [HEADER.invalidFileNameError]: reason });
    const requested = readNameHeader(ctx, HEADER.requestedName, invalidName);
    if (requested === undefined) {
      throw new BadRequestError(`${HEADER.requestedName} is required`, { headers: invalidName('No name given') });
    }

    const file = await storage.getFileInfo(ctx.fileId);
    const requestLock = optionalLockHeader(ctx, HEADER.lock);
    assertLockHeld(ctx, await locks.getLock(ctx.fileId), requestLock);

    const { extension } = splitExtension(file.name);
    const wanted = requested + extension;
    // The requested name must be legal on its own (not empty, no trailing dot…) and with the
    // extension added (length).
    for (const name of [requested, wanted]) {
      const legal = checkFileName(name);
      if (!legal.ok) throw new BadRequestError(legal.reason, { headers: invalidName(legal.reason) });
    }

    let renamed: WopiFileInfo;
    try {
      // In the file's critical section, with the lock checked again: no save can publish, and no
      // lock can change, between the check and the rename (a save still uploading lands on the
      // new name at its commit step). The sections are keyed by the storage object itself.
      renamed = await fileSections(storage).run(ctx.fileId, async () => {
        assertLockHeld(ctx, await locks.getLock(ctx.fileId), requestLock);
        return renameInStorage(ctx.fileId, boundedCandidates(wanted));
      });
    } catch (err) {
      if (WopiError.is(err, 'WOPI_FILE_EXISTS')) {
        throw new BadRequestError('No free name like the requested one', { headers: invalidName('The name is taken') });
      }
      throw err;
    }
    ctx.log('renamed %s to %s', ctx.fileId, renamed.name);
    emit(ctx, 'renamed', { fileId: ctx.fileId, name: renamed.name, previousName: file.name });
    // Collabora reloads every client from `Url` after a rename: the WOPISrc with a fresh token
    // (as PutRelativeFile's answer has), when the auth can issue one.
    const url = ctx.options.issueToken === undefined ? undefined : await fileUrl(ctx, ctx.fileId);
    return { json: { Name: splitExtension(renamed.name).base, ...(url === undefined ? {} : { Url: url }) } };
  },
});
