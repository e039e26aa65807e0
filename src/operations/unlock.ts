import type { WopiOperation } from './operation';
import { HEADER } from '../protocol/headers';
import { fileSections } from './file-sections';
import { assertLockAccepted, requireLockHeader } from './lock-rules';
import { emit } from '../event-dispatch';

/** Unlock — `X-WOPI-Override: UNLOCK`: releases the caller's lock. */
export const unlock: WopiOperation = {
  name: 'Unlock',
  logName: 'unlock',
  requiresWrite: true,
  async run(ctx) {
    const lockId = requireLockHeader(ctx, HEADER.lock);
    const { storage, locks } = ctx.options;
    const file = await storage.getFileInfo(ctx.fileId);
    // In the file's critical section: never between a save's commit check and its publication.
    assertLockAccepted(ctx, await fileSections(storage).run(ctx.fileId, () => locks.unlock(ctx.fileId, lockId)), lockId);
    emit(ctx, 'unlocked', { fileId: ctx.fileId, lockId });
    return { headers: { [HEADER.itemVersion]: file.version } };
  },
};
