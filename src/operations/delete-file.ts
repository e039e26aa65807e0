import type { WopiOperation } from './operation';
import type { WopiStorage } from '../adapters/storage';
import { LockConflictError } from '../errors';
import { fileSections } from './file-sections';

type DeletingStorage = WopiStorage & Required<Pick<WopiStorage, 'deleteFile'>>;

/** DeleteFile — `X-WOPI-Override: DELETE`: removes the file; 409 with its lock while it is locked. */
export const deleteFile: WopiOperation = {
  name: 'DeleteFile',
  logName: 'delete-file',
  requiresWrite: true,
  isSupported: (options) => options.capabilities.deleteFile,
  async run(ctx) {
    const { locks } = ctx.options;
    const storage = ctx.options.storage as DeletingStorage;
    await storage.getFileInfo(ctx.fileId);
    // In the file's critical section: no lock can be taken, and no save can publish, between the
    // lock check and the delete (a save still uploading fails with 404 at its commit step).
    await fileSections(storage).run(ctx.fileId, async () => {
      const currentLock = await locks.getLock(ctx.fileId);
      if (currentLock !== null) throw new LockConflictError(currentLock, 'File is locked');
      await storage.deleteFile(ctx.fileId);
    });
    ctx.log('deleted %s', ctx.fileId);
    return {};
  },
};
