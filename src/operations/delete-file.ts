import type { WopiOperation } from './operation';
import type { WopiStorage } from '../adapters/storage';
import { LockConflictError } from '../errors';

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
    const currentLock = await locks.getLock(ctx.fileId);
    if (currentLock !== null) throw new LockConflictError(currentLock, 'File is locked');
    await storage.deleteFile(ctx.fileId);
    ctx.log('deleted %s', ctx.fileId);
    return {};
  },
};
