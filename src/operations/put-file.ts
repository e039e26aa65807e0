import { Readable, pipeline } from 'node:stream';
import type { WopiOperation } from './operation';
import type { WopiWriteContext } from '../adapters/storage';
import type { WopiContext } from '../context';
import { DocumentChangedError, FileTooLargeError, InternalWopiError, LockConflictError } from '../errors';
import { HEADER, parseBooleanHeader, parseEditorsHeader, readEitherHeader } from '../protocol/headers';
import { parseSizeHeader } from '../protocol/sizes';
import { formatLastModifiedTime, timestampMatches } from '../protocol/timestamp';
import { limitBytes } from '../protocol/byte-limit';
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
    const { storage, locks, maxFileSize, onPutFile } = ctx.options;
    const declaredSize = parseSizeHeader(ctx.header('Content-Length'));
    if (declaredSize !== undefined && declaredSize !== null && declaredSize > maxFileSize) {
      throw new FileTooLargeError(`Body is larger than ${maxFileSize} bytes`);
    }

    const file = await storage.getFileInfo(ctx.fileId);
    const requestLock = ctx.header(HEADER.lock) || undefined;
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
    // pipeline (not pipe) so that a client abort also fails the stream storage is reading.
    const body = limitBytes(maxFileSize, () => new FileTooLargeError(`Body is larger than ${maxFileSize} bytes`));
    pipeline(requestBody(ctx), body, () => undefined);
    const written = await storage.writeFile(ctx.fileId, body, { ...save, signal: ctx.signal });
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

function saveContext(ctx: WopiContext, lockId: string | undefined): Omit<WopiWriteContext, 'signal'> {
  const headers = ctx.req.headers;
  const save: Omit<WopiWriteContext, 'signal'> = {
    userId: ctx.user.userId,
    editors: parseEditorsHeader(ctx.header(HEADER.editors)),
  };
  if (lockId !== undefined) save.lockId = lockId;
  const flags = {
    isModifiedByUser: readEitherHeader(headers, HEADER.coolIsModifiedByUser, HEADER.lloolIsModifiedByUser),
    isAutosave: readEitherHeader(headers, HEADER.coolIsAutosave, HEADER.lloolIsAutosave),
    isExitSave: readEitherHeader(headers, HEADER.coolIsExitSave, HEADER.lloolIsExitSave),
  };
  for (const [key, raw] of Object.entries(flags) as Array<[keyof typeof flags, string | undefined]>) {
    const value = parseBooleanHeader(raw);
    if (value !== undefined) save[key] = value;
  }
  return save;
}

/**
 * The request body as a stream. Nothing has read the request before this point, so a request
 * that has already ended was consumed by a body parser mounted before the router: its buffer is
 * used when it kept the exact bytes (`express.raw()`); anything else (parsed JSON, decoded text)
 * cannot be saved faithfully and fails the request rather than writing the wrong content.
 */
function requestBody(ctx: WopiContext): Readable {
  const { req } = ctx;
  if (!req.readableEnded) return req;
  if (Buffer.isBuffer(req.body)) {
    ctx.log('body was already read by a body parser mounted before the WOPI router; using its buffer');
    return Readable.from([req.body]);
  }
  throw new InternalWopiError('Request body was consumed by a body parser mounted before the WOPI router');
}
