import type { WopiOperation } from './operation';
import { HEADER } from '../protocol/headers';

/** GetLock — `X-WOPI-Override: GET_LOCK`: the current lock in `X-WOPI-Lock`, `''` when unlocked. */
export const getLock: WopiOperation = {
  name: 'GetLock',
  logName: 'get-lock',
  requiresWrite: false,
  async run(ctx) {
    const { storage, locks } = ctx.options;
    await storage.getFileInfo(ctx.fileId);
    const current = await locks.getLock(ctx.fileId);
    return { headers: { [HEADER.lock]: current ?? '' } };
  },
};
