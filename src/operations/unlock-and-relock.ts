import type { WopiOperation } from './operation';
import { HEADER } from '../protocol/headers';
import { fileSections } from './file-sections';
import { assertLockAccepted, requireLockHeader } from './lock-rules';
import { emit } from '../event-dispatch';

/** UnlockAndRelock — `LOCK` with `X-WOPI-OldLock`: swaps the old lock for a new one in one step. */
export const unlockAndRelock: WopiOperation = {
  name: 'UnlockAndRelock',
  logName: 'unlock-and-relock',
  requiresWrite: true,
  async run(ctx) {
    const newLockId = requireLockHeader(ctx, HEADER.lock);
    const oldLockId = requireLockHeader(ctx, HEADER.oldLock);
    const { storage, locks, lockTtlMs } = ctx.options;
    const file = await storage.getFileInfo(ctx.fileId);
    // In the file's critical section: never between a save's commit check and its publication.
    assertLockAccepted(
      ctx,
      await fileSections(storage).run(ctx.fileId, () => locks.unlockAndRelock(ctx.fileId, oldLockId, newLockId, lockTtlMs)),
      oldLockId,
    );
    emit(ctx, 'locked', { fileId: ctx.fileId, lockId: newLockId, previousLockId: oldLockId });
    return { headers: { [HEADER.itemVersion]: file.version } };
  },
};
