import type { WopiOperation } from './operation';
import { assertPutFileAllowed, assertPutFileLock, isStaleSave, optionalLockHeader } from './lock-rules';
import { HEADER, readEitherHeader } from '../protocol/headers';
import { formatLastModifiedTime } from '../protocol/timestamp';
import { checkDeclaredSize, limitedBody, saveContext } from './request-body';
import { commitStep } from './commit-step';
import { emitPutFileSaved } from '../event-dispatch';
import { DocumentChangedError } from '../errors';
import { canCreate } from '../protocol/permissions';
import { saveConflictCopy } from './save-conflict';

/**
 * PutFile — `POST /files/:id/contents`, `X-WOPI-Override: PUT`: replaces the content.
 *
 * Locked file: the request's `X-WOPI-Lock` must match (else 409 with the current lock). Unlocked
 * file: allowed only while the file is 0 bytes (else 409 with `X-WOPI-Lock: ""`), or at any size
 * with `unlockedSaves: 'allow'`. Collabora's timestamp header must match `LastModifiedTime` (else
 * 409 `{"COOLStatusCode":1010}`, or with `saveConflicts: 'keepBoth'` a conflict copy next to the
 * file and 200). The rules are checked before the body is read and again at the storage's commit
 * step, once the new content is durable and just before it becomes visible: a lock taken or a
 * save made while the body was arriving wins (a save that became stale while its body arrived is
 * refused with 1010 in both modes: its body has gone into the original's write). The body
 * streams to storage through a byte counter that stops it at `maxFileSize` (413).
 */
export const putFile: WopiOperation = {
  name: 'PutFile',
  logName: 'put-file',
  requiresWrite: true,
  async run(ctx) {
    const { storage, locks } = ctx.options;
    const { fileId } = ctx;
    checkDeclaredSize(ctx);

    const file = await storage.getFileInfo(fileId);
    const requestLock = optionalLockHeader(ctx, HEADER.lock);
    const timestamp = readEitherHeader(ctx.req.headers, HEADER.coolTimestamp, HEADER.lloolTimestamp);
    const currentLock = await locks.getLock(fileId);
    assertPutFileLock(ctx, file, currentLock, requestLock);
    if (isStaleSave(file, timestamp)) {
      if (ctx.options.saveConflicts === 'keepBoth') {
        // Keeping both creates a file next to this one: the user needs the right Save As needs.
        if (canCreate(ctx.user)) return saveConflictCopy(ctx, file, requestLock, timestamp);
        ctx.log('document changed; no conflict copy (saveConflicts: keepBoth): this user may not create files');
      }
      throw new DocumentChangedError(currentLock);
    }

    const save = saveContext(ctx, requestLock);
    const step = commitStep(ctx, {
      method: 'writeFile',
      sectionFor: () => fileId,
      async recheck() {
        const [now, lockNow] = await Promise.all([storage.getFileInfo(fileId), locks.getLock(fileId)]);
        assertPutFileAllowed(ctx, now, lockNow, requestLock, timestamp);
      },
    });
    const written = await step.run(() => storage.writeFile(fileId, limitedBody(ctx), { ...save, signal: ctx.signal, commit: step.commit }));
    ctx.log('saved %s: %d bytes, version %s', fileId, written.size, written.version);
    // The `saved` listeners, then the deprecated onPutFile hook, which the response waits for.
    await emitPutFileSaved(ctx, { fileId, file: written, save });
    // Collabora reads the new LastModifiedTime from the PutFile response and sends it back as
    // X-COOL-WOPI-Timestamp with the next save; without it every later save would conflict.
    return {
      headers: { [HEADER.itemVersion]: written.version },
      json: { LastModifiedTime: formatLastModifiedTime(written.lastModifiedTime) },
    };
  },
};
