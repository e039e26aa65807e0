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
  /** Stable machine-readable code, e.g. `WOPI_LOCK_CONFLICT`. */
  readonly code: string;
  /** Response headers to send with the status. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body, when the protocol prescribes one. */
  readonly body: unknown;
  /**
   * Whether `message` may be sent to the client: true below 500 and for 501 (a statement about
   * the protocol, not about the server's internals).
   */
  readonly expose: boolean;

  constructor(status: number, code: string, message: string, options: WopiErrorOptions = {}) {
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
   * adapter loaded through `import` while the router was loaded through `require`).
   */
  static is(value: unknown): value is WopiError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
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
    super(409, 'WOPI_FILE_EXISTS', message, {
      ...options,
      headers: { [HEADER.lock]: '', [HEADER.lockFailureReason]: message, ...options.headers },
    });
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
    const lock = currentLock ?? '';
    super(409, 'WOPI_LOCK_CONFLICT', reason, {
      ...options,
      headers: { [HEADER.lock]: lock, [HEADER.lockFailureReason]: reason, ...options.headers },
    });
    this.currentLock = lock;
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
export class InternalWopiError extends WopiError {
  constructor(message = 'Internal server error', options?: WopiErrorOptions) {
    super(500, 'WOPI_INTERNAL', message, options);
  }
}

/** Codes of {@link WopiConfigError}; each one is explained in docs/errors.md. */
export type WopiConfigErrorCode =
  | 'ERR_WOPI_OPTIONS'
  | 'ERR_WOPI_STORAGE'
  | 'ERR_WOPI_LOCKS'
  | 'ERR_WOPI_AUTH'
  | 'ERR_WOPI_OPTION_VALUE';

/**
 * Thrown synchronously by `createWopiRouter` and the built-in adapters' constructors when an
 * option is missing or invalid, so a broken mount fails at startup rather than per request.
 */
export class WopiConfigError extends TypeError {
  readonly code: WopiConfigErrorCode;

  constructor(code: WopiConfigErrorCode, message: string) {
    super(`${message} [${code}]`);
    this.name = 'WopiConfigError';
    this.code = code;
  }
}

/**
 * 409 for Collabora's save-conflict check: the `X-COOL-WOPI-Timestamp` of a PutFile does not match
 * the file's `LastModifiedTime`, so the document changed in storage since the editor loaded it.
 * The body is `{"COOLStatusCode":1010}`; nothing is written. Carries `X-WOPI-Lock` like every 409.
 */
export class DocumentChangedError extends WopiError {
  constructor(currentLock: string | null) {
    super(409, 'WOPI_DOCUMENT_CHANGED', 'Document changed in storage', {
      headers: { [HEADER.lock]: currentLock ?? '', [HEADER.lockFailureReason]: 'Document changed in storage' },
      body: { COOLStatusCode: 1010 },
    });
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
