import type { WopiOperation } from './operation';
import { optionalLockHeader } from './lock-rules';
import { DocumentChangedError, LockConflictError } from '../errors';
import { HEADER, readEitherHeader } from '../protocol/headers';
import { formatLastModifiedTime, timestampMatches } from '../protocol/timestamp';
import { checkDeclaredSize, limitedBody, saveContext } from './request-body';
import { log } from '../log';

const serverError = log('server_error');

/**
 * PutFile — `POST /files/:id/contents`, `X-WOPI-Override: PUT`: replaces the content.
 *
 * Locked file: the request's `X-WOPI-Lock` must match (else 409 with the current lock). Unlocked
 * file: allowed only while the file is 0 bytes (else 409 with `X-WOPI-Lock: ""`). Collabora's
 * timestamp header must match `LastModifiedTime` (else 409 `{"COOLStatusCode":1010}`). The body
 * streams to storage through a byte counter that stops it at `maxFileSize` (413).
 */
export const putFile: WopiOperation = {
  name: 'PutFile',
  logName: 'put-file',
  requiresWrite: true,
  async run(ctx) {
    const { storage, locks, onPutFile } = ctx.options;
    checkDeclaredSize(ctx);

    const file = await storage.getFileInfo(ctx.fileId);
    const requestLock = optionalLockHeader(ctx, HEADER.lock);
    const currentLock = await locks.getLock(ctx.fileId);
    if (currentLock !== null) {
      if (requestLock !== currentLock) throw new LockConflictError(currentLock, 'File is locked with a different lock ID');
    } else if (file.size !== 0) {
      throw new LockConflictError(null, 'File is not locked and is not empty');
    }

    const timestamp = readEitherHeader(ctx.req.headers, HEADER.coolTimestamp, HEADER.lloolTimestamp);
    if (timestamp && !timestampMatches(timestamp, file.lastModifiedTime)) {
      throw new DocumentChangedError(currentLock);
    }

    const save = saveContext(ctx, requestLock);
    const written = await storage.writeFile(ctx.fileId, limitedBody(ctx), { ...save, signal: ctx.signal });
    ctx.log('saved %s: %d bytes, version %s', ctx.fileId, written.size, written.version);

    if (onPutFile) {
      try {
        await onPutFile({ req: ctx.req, fileId: ctx.fileId, file: written, user: ctx.user, save });
      } catch (err) {
        serverError('onPutFile hook failed for %s: %O', ctx.fileId, err);
      }
    }
    // Collabora reads the new LastModifiedTime from the PutFile response and sends it back as
    // X-COOL-WOPI-Timestamp with the next save; without it every later save would conflict.
    return {
      headers: { [HEADER.itemVersion]: written.version },
      json: { LastModifiedTime: formatLastModifiedTime(written.lastModifiedTime) },
    };
  },
};
