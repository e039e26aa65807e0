import type { WopiOperation } from './operation';
import { HEADER } from '../protocol/headers';
import { fileSections } from './file-sections';
import { assertLockAccepted, requireLockHeader } from './lock-rules';
import { emit } from '../event-dispatch';

/** Lock — `X-WOPI-Override: LOCK`: locks an unlocked file, or refreshes the caller's own lock. */
export const lock: WopiOperation = {
  name: 'Lock',
  logName: 'lock',
  requiresWrite: true,
  async run(ctx) {
    const lockId = requireLockHeader(ctx, HEADER.lock);
    const { storage, locks, lockTtlMs } = ctx.options;
    const file = await storage.getFileInfo(ctx.fileId);
    // In the file's critical section: never between a save's commit check and its publication.
    assertLockAccepted(ctx, await fileSections(storage).run(ctx.fileId, () => locks.lock(ctx.fileId, lockId, lockTtlMs)), lockId);
    emit(ctx, 'locked', { fileId: ctx.fileId, lockId });
    return { headers: { [HEADER.itemVersion]: file.version } };
  },
};
