/**
 * The shared steps of the operations that take a file body (PutFile, PutRelativeFile): size
 * checks before reading, the byte counter that enforces them while streaming, and the save
 * context the editor sends along.
 */
import { Readable } from 'node:stream';
import type { WopiWriteContext } from '../adapters/storage';
import type { WopiContext } from '../context';
import { BadRequestError, FileTooLargeError, InternalServerError, UploadTimeoutError } from '../errors';
import { HEADER, parseBooleanHeader, parseEditorsHeader, readEitherHeader } from '../protocol/headers';
import { limitBytes, type IdleLimit } from '../protocol/byte-limit';
import { parseSizeHeader } from '../protocol/sizes';
import { pump } from '../util/pump';

/**
 * Refuses a body whose declared size (`Content-Length`, or the given WOPI size header) is above
 * `maxFileSize` with 413 before anything is read. Returns the size the WOPI header declared.
 */
export function checkDeclaredSize(ctx: WopiContext, sizeHeader?: string): number | undefined {
  const { maxFileSize } = ctx.options;
  const contentLength = parseSizeHeader(ctx.header('Content-Length'));
  if (typeof contentLength === 'number' && contentLength > maxFileSize) throw tooLarge(maxFileSize);
  if (sizeHeader === undefined) return undefined;
  const declared = parseSizeHeader(ctx.header(sizeHeader));
  if (declared === null) throw new BadRequestError(`${sizeHeader} is not a valid size`);
  if (declared !== undefined && declared > maxFileSize) throw tooLarge(maxFileSize);
  return declared;
}

/**
 * The request body as a stream that fails with 413 past `maxFileSize` and, when `declaredSize`
 * is given, with 400 when the body does not have exactly that many bytes.
 */
export function limitedBody(ctx: WopiContext, declaredSize?: number): Readable {
  const { maxFileSize } = ctx.options;
  // The body first: when a body parser consumed it this throws, and no byte counter (with its
  // idle timer, which would fail a stream nobody listens to a minute later) is left behind.
  const body = requestBody(ctx);
  const limiter = limitBytes(
    maxFileSize,
    () => tooLarge(maxFileSize),
    declaredSize === undefined
      ? undefined
      : { bytes: declaredSize, onMismatch: () => new BadRequestError(`The body does not have the ${HEADER.size} bytes`) },
    idleLimit(ctx),
  );
  // pump (not pipe) so that a client abort also fails the stream storage is reading.
  pump(body, limiter).catch(() => undefined);
  return limiter;
}

/** The save context of the request: who saves, under which lock, and Collabora's flags. */
export function saveContext(ctx: WopiContext, lockId: string | undefined): Omit<WopiWriteContext, 'signal' | 'commit'> {
  const headers = ctx.req.headers;
  const save: Omit<WopiWriteContext, 'signal' | 'commit'> = {
    userId: ctx.user.userId,
    editors: parseEditorsHeader(ctx.header(HEADER.editors)),
  };
  if (lockId !== undefined) save.lockId = lockId;
  const flags = {
    isModifiedByUser: readEitherHeader(headers, HEADER.coolIsModifiedByUser, HEADER.lloolIsModifiedByUser),
    isAutosave: readEitherHeader(headers, HEADER.coolIsAutosave, HEADER.lloolIsAutosave),
    isExitSave: readEitherHeader(headers, HEADER.coolIsExitSave, HEADER.lloolIsExitSave),
    fileConversion: ctx.header(HEADER.fileConversion),
  };
  for (const [key, raw] of Object.entries(flags) as Array<[keyof typeof flags, string | undefined]>) {
    const value = parseBooleanHeader(raw);
    if (value !== undefined) save[key] = value;
  }
  return save;
}

/** The upload idle limit: the body must make progress at least every `uploadIdleTimeoutMs`. */
function idleLimit(ctx: WopiContext): IdleLimit {
  const ms = ctx.options.uploadIdleTimeoutMs;
  return { ms, onIdle: () => new UploadTimeoutError(`No upload progress for ${ms} ms`) };
}

function tooLarge(maxFileSize: number): FileTooLargeError {
  return new FileTooLargeError(`Body is larger than ${maxFileSize} bytes`);
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
  throw new InternalServerError('Request body was consumed by a body parser mounted before the WOPI router');
}

/** Reads a small text body (UTF-8) into a string; 400 when it is larger than `maxBytes`. */
export async function readTextBody(ctx: WopiContext, maxBytes: number): Promise<string> {
  const body = requestBody(ctx); // first, as in limitedBody
  const limiter = limitBytes(maxBytes, () => new BadRequestError(`The body is larger than ${maxBytes} bytes`), undefined, idleLimit(ctx));
  pump(body, limiter).catch(() => undefined);
  const chunks: Buffer[] = [];
  for await (const chunk of limiter) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
