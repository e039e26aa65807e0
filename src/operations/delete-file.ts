import { optionalOperation } from './operation';
import { assertDeletable } from './lock-rules';
import { fileSections } from './file-sections';
import { emit } from '../event-dispatch';

/** DeleteFile — `X-WOPI-Override: DELETE`: removes the file; 409 with its lock while it is locked. */
export const deleteFile = optionalOperation({
  name: 'DeleteFile',
  logName: 'delete-file',
  requiresWrite: true,
  handle: (options) => options.deleteFile,
  async run(ctx, deleteFromStorage) {
    const { storage, locks } = ctx.options;
    const file = await storage.getFileInfo(ctx.fileId);
    // In the file's critical section (keyed by the storage object itself, as every other change
    // to its files): no lock can be taken, and no save can publish, between the lock check and
    // the delete (a save still uploading fails with 404 at its commit step).
    await fileSections(storage).run(ctx.fileId, async () => {
      assertDeletable(ctx, await locks.getLock(ctx.fileId));
      await deleteFromStorage(ctx.fileId);
    });
    ctx.log('deleted %s', ctx.fileId);
    emit(ctx, 'deleted', { fileId: ctx.fileId, name: file.name });
    return {};
  },
});
