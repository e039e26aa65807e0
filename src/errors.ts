/**
 * The one error type of express-wopi. A `WopiError` carries the HTTP status WOPI prescribes for
 * the condition, the response headers that go with it (for example `X-WOPI-Lock` on a 409) and
 * whether its message may be shown to the client (`expose`, true for 4xx).
 *
 * Adapters throw these too: a storage adapter throws {@link FileNotFoundError} for an unknown
 * file ID, an auth adapter throws {@link InvalidTokenError} for a bad token. Anything else an
 * adapter throws becomes a bare 500 whose body says nothing about the cause.
 */

import { HEADER } from './protocol/headers';
import type { ProofFailure } from './protocol/proof-keys';

const BRAND = Symbol.for('express-wopi.error');

/**
 * Every code a {@link WopiError} of express-wopi carries; each one is listed in docs/errors.md.
 * Codes and configuration codes ({@link WOPI_CONFIG_ERROR_CODES}) are one family: `WOPI_*`.
 */
export const WOPI_ERROR_CODES = [
  'WOPI_BAD_REQUEST',
  'WOPI_INVALID_TOKEN',
  'WOPI_FILE_NOT_FOUND',
  'WOPI_ACTION_NOT_FOUND',
  'WOPI_UPLOAD_TIMEOUT',
  'WOPI_FILE_EXISTS',
  'WOPI_CONTAINER_NOT_EMPTY',
  'WOPI_LOCK_CONFLICT',
  'WOPI_DOCUMENT_CHANGED',
  'WOPI_PRECONDITION_FAILED',
  'WOPI_FILE_TOO_LARGE',
  'WOPI_INTERNAL',
  'WOPI_LOCK_STORE_UNAVAILABLE',
  'WOPI_PROOF_INVALID',
  'WOPI_DISCOVERY_UNAVAILABLE',
  'WOPI_NOT_IMPLEMENTED',
] as const;

/** The code of a runtime error thrown by express-wopi, e.g. `WOPI_LOCK_CONFLICT`. */
export type WopiErrorCode = (typeof WOPI_ERROR_CODES)[number];

/**
 * Every code of {@link WopiConfigError}: what kind of mistake an option is, whichever component
 * (`createWopiRouter`, `JwtAuth`, …) finds it. Each one is explained in docs/errors.md.
 */
export const WOPI_CONFIG_ERROR_CODES = [
  'WOPI_OPTION_MISSING',
  'WOPI_OPTION_UNKNOWN',
  'WOPI_OPTION_TYPE',
  'WOPI_OPTION_VALUE',
  'WOPI_OPTION_CONFLICT',
  'WOPI_ADAPTER_SHAPE',
] as const;

/** The code of a {@link WopiConfigError}, e.g. `WOPI_OPTION_VALUE`. */
export type WopiConfigErrorCode = (typeof WOPI_CONFIG_ERROR_CODES)[number];

export interface WopiErrorOptions {
  /** Response headers this error adds, e.g. `{ 'X-WOPI-Lock': '' }`. */
  headers?: Record<string, string>;
  /** A JSON body to send instead of the plain-text message (e.g. Collabora's `COOLStatusCode`). */
  body?: unknown;
  /** The underlying error, kept for logs; never sent to the client. */
  cause?: unknown;
}

export class WopiError extends Error {
  /** HTTP status sent to the WOPI client. */
  readonly status: number;
  /**
   * Stable machine-readable code: a {@link WopiErrorCode} for the errors of express-wopi, e.g.
   * `WOPI_LOCK_CONFLICT`, or the code an adapter gave a `new WopiError(…)` of its own.
   */
  readonly code: WopiErrorCode | (string & {});
  /** Response headers to send with the status. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body, when the protocol prescribes one. */
  readonly body: unknown;
  /**
   * Whether `message` may be sent to the client: true below 500 and for 501 (a statement about
   * the protocol, not about the server's internals).
   */
  readonly expose: boolean;

  constructor(status: number, code: WopiErrorCode | (string & {}), message: string, options: WopiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.headers = Object.freeze({ ...options.headers });
    this.body = options.body;
    this.expose = status < 500 || status === 501;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * True for any WopiError, also one created by another copy of this package (for example an
   * adapter loaded through `import` while the router was loaded through `require`). With `code`,
   * true only for a WopiError with that code: `WopiError.is(err, 'WOPI_FILE_EXISTS')`.
   */
  static is(value: unknown, code?: WopiErrorCode): value is WopiError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (value as WopiError).code === code)
    );
  }
}

/**
 * The headers of a 409 about a lock: `X-WOPI-Lock` with the lock on the file now (`''` when it
 * is not locked) and `X-WOPI-LockFailureReason`, then `extra` (which may override them).
 */
function lockHeaders(currentLock: string | null, reason: string, extra?: Readonly<Record<string, string>>): Record<string, string> {
  return { [HEADER.lock]: currentLock ?? '', [HEADER.lockFailureReason]: reason, ...extra };
}

/** 400: the request is malformed, e.g. a required `X-WOPI-Lock` header is missing or empty. */
export class BadRequestError extends WopiError {
  constructor(message: string, options?: WopiErrorOptions) {
    super(400, 'WOPI_BAD_REQUEST', message, options);
  }
}

/**
 * 401: the access token is missing, malformed, expired, issued for another file, or does not
 * grant the operation. Auth adapters throw this from `authenticate`.
 */
export class InvalidTokenError extends WopiError {
  constructor(message = 'Invalid access token', options?: WopiErrorOptions) {
    super(401, 'WOPI_INVALID_TOKEN', message, options);
  }
}

/** 404: no file has this ID. Storage adapters throw this for an unknown or vanished file. */
export class FileNotFoundError extends WopiError {
  constructor(message = 'File not found', options?: WopiErrorOptions) {
    super(404, 'WOPI_FILE_NOT_FOUND', message, options);
  }
}

/**
 * Thrown by storages when a name is taken (every candidate of a PutRelativeFile or RenameFile).
 * The operations turn it into their own answer; on its own it is a 409 carrying `X-WOPI-Lock: ''`.
 */
export class FileExistsError extends WopiError {
  constructor(message = 'A file with this name already exists', options: WopiErrorOptions = {}) {
    super(409, 'WOPI_FILE_EXISTS', message, { ...options, headers: lockHeaders(null, message, options.headers) });
  }
}

/**
 * Thrown by storages when DeleteContainer names a container that still holds files or
 * containers, or a root. A 409 carrying `X-WOPI-Lock: ''` (containers have no lock).
 */
export class ContainerNotEmptyError extends WopiError {
  constructor(message = 'The container is not empty', options: WopiErrorOptions = {}) {
    super(409, 'WOPI_CONTAINER_NOT_EMPTY', message, { ...options, headers: lockHeaders(null, message, options.headers) });
  }
}

/**
 * 409: the file's lock does not allow the request. Always carries `X-WOPI-Lock` with the lock
 * currently on the file, or the empty string when the file is not locked, and a
 * `X-WOPI-LockFailureReason` for the client's logs.
 */
export class LockConflictError extends WopiError {
  /** The lock currently held on the file; `''` when the file is unlocked. */
  readonly currentLock: string;

  constructor(currentLock: string | null, reason: string, options: WopiErrorOptions = {}) {
    super(409, 'WOPI_LOCK_CONFLICT', reason, { ...options, headers: lockHeaders(currentLock, reason, options.headers) });
    this.currentLock = currentLock ?? '';
  }
}

/** 412: the file is larger than the client's `X-WOPI-MaxExpectedSize`. */
export class PreconditionFailedError extends WopiError {
  constructor(message: string, options?: WopiErrorOptions) {
    super(412, 'WOPI_PRECONDITION_FAILED', message, options);
  }
}

/** 413: the body is larger than the host accepts (`maxFileSize`). */
export class FileTooLargeError extends WopiError {
  constructor(message = 'File too large', options?: WopiErrorOptions) {
    super(413, 'WOPI_FILE_TOO_LARGE', message, options);
  }
}

/**
 * 408: the request body stopped arriving (no progress for `uploadIdleTimeoutMs`). Nothing is
 * written; the connection is closed.
 */
export class UploadTimeoutError extends WopiError {
  constructor(message = 'Upload timed out', options?: WopiErrorOptions) {
    super(408, 'WOPI_UPLOAD_TIMEOUT', message, options);
  }
}

/** 501: the operation (or the `X-WOPI-Override` value) is not supported by this host. */
export class NotImplementedError extends WopiError {
  constructor(message = 'Not implemented', options?: WopiErrorOptions) {
    super(501, 'WOPI_NOT_IMPLEMENTED', message, options);
  }
}

/** 500 with a generic body. Use it to wrap a backend failure; its message is never sent. */
export class InternalServerError extends WopiError {
  constructor(message = 'Internal server error', options?: WopiErrorOptions) {
    super(500, 'WOPI_INTERNAL', message, options);
  }
}

/** Where a {@link WopiConfigError} was found: the component and the option. */
export interface WopiConfigErrorDetails {
  /** What was being configured: `createWopiRouter`, `JwtAuth`, `FileSystemStorage`, … */
  component?: string;
  /** The option at fault, e.g. `lockTtlMs` or `proofKeys.current`; absent for the options as a whole. */
  option?: string;
}

/**
 * Thrown synchronously by `createWopiRouter`, the built-in adapters' constructors and
 * `WopiDiscovery` when an option is missing or invalid, so a broken mount fails at startup rather
 * than per request. `code` says what kind of mistake it is; the message names the component and
 * the option, and ends with the code: ``JwtAuth: `tokenTtlSeconds` must be a positive integer
 * (seconds), got 0 [WOPI_OPTION_VALUE]``.
 */
export class WopiConfigError extends TypeError {
  readonly code: WopiConfigErrorCode;
  /** The component that refused the option, when known. */
  readonly component: string | undefined;
  /** The option at fault, when there is one. */
  readonly option: string | undefined;

  constructor(code: WopiConfigErrorCode, message: string, details: WopiConfigErrorDetails = {}) {
    super(`${message} [${code}]`);
    this.name = 'WopiConfigError';
    this.code = code;
    this.component = details.component;
    this.option = details.option;
  }
}

/**
 * 500: the lock store cannot answer (its backend is down, the connection is lost, the answer
 * takes too long), so nobody can tell who holds the lock. `RedisLockStore` throws it, and any
 * lock store may: the router answers 500 with a generic body and never treats the failure as
 * "unlocked". The message is logged, never sent; `cause` is the backend's error.
 */
export class LockStoreUnavailableError extends WopiError {
  constructor(message = 'Lock store unavailable', cause?: unknown) {
    super(500, 'WOPI_LOCK_STORE_UNAVAILABLE', message, { cause });
  }
}

/**
 * 409 for Collabora's save-conflict check: the `X-COOL-WOPI-Timestamp` of a PutFile does not match
 * the file's `LastModifiedTime`, so the document changed in storage since the editor loaded it.
 * The body is `{"COOLStatusCode":1010}`; nothing is written. Carries `X-WOPI-Lock` like every 409.
 */
export class DocumentChangedError extends WopiError {
  constructor(currentLock: string | null) {
    const reason = 'Document changed in storage';
    super(409, 'WOPI_DOCUMENT_CHANGED', reason, { headers: lockHeaders(currentLock, reason), body: { COOLStatusCode: 1010 } });
  }
}

/**
 * 500: the WOPI client's discovery document could not be fetched or is not a discovery document,
 * and there is no earlier good copy to fall back on. The message names the discovery URL and the
 * cause (HTTP status, timeout, parse error); it is logged, never sent.
 */
export class DiscoveryError extends WopiError {
  constructor(message: string, options?: WopiErrorOptions) {
    super(500, 'WOPI_DISCOVERY_UNAVAILABLE', message, options);
  }
}

/**
 * 404: discovery lists no action of that name for that file extension (for example no `edit`
 * for `.pdf`), so there is no editor URL to open.
 */
export class DiscoveryActionNotFoundError extends WopiError {
  constructor(message = 'The editor has no such action for this file type', options?: WopiErrorOptions) {
    super(404, 'WOPI_ACTION_NOT_FOUND', message, options);
  }
}

/**
 * 500: proof-key validation is on and the request's `X-WOPI-Proof` / `X-WOPI-ProofOld` /
 * `X-WOPI-TimeStamp` do not prove that the WOPI client sent it (missing, stale, or signed with
 * another key). Microsoft's proof-key guidance prescribes 500 for this; see docs/compatibility.md.
 * `reason` says which check failed; the body says nothing.
 */
export class ProofKeyError extends WopiError {
  /** Which check failed: a {@link ProofFailure}, or `no-keys` when there are no keys to check with. */
  readonly reason: ProofFailure | 'no-keys';

  constructor(reason: ProofFailure | 'no-keys', options?: WopiErrorOptions) {
    super(500, 'WOPI_PROOF_INVALID', `Proof key validation failed (${reason})`, options);
    this.reason = reason;
  }
}
