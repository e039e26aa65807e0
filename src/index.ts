/**
 * express-wopi: the host side of WOPI as an Express router.
 */
export { createWopiRouter } from './router';
export type {
  WopiRouterOptions,
  CheckFileInfoHookContext,
  PutFileEvent,
  HostUrls,
  HostUrlsContext,
} from './options';
export { DEFAULT_MAX_FILE_SIZE } from './options';

export type {
  WopiStorage,
  WopiFileInfo,
  WopiFileContent,
  WopiWriteContext,
  WopiRelativeTarget,
  WopiCreatedFile,
} from './adapters/storage';
export type { WopiLockStore, LockOutcome } from './adapters/locks';
export type { WopiAuth, WopiPrincipal, WopiPermissions, IssueTokenRequest, IssuedToken } from './adapters/auth';
export type { CheckFileInfoResponse } from './protocol/check-file-info';

export { FileSystemStorage } from './adapters/fs-storage';
export type { FileSystemStorageOptions, FileSystemEntry } from './adapters/fs-storage';
export { MemoryStorage } from './adapters/memory-storage';
export type { MemoryFileOptions } from './adapters/memory-storage';
export { MemoryLockStore } from './adapters/memory-locks';
export type { MemoryLockStoreOptions } from './adapters/memory-locks';
export { RedisLockStore, LockStoreUnavailableError } from './adapters/redis-locks';
export type {
  RedisLockStoreOptions,
  RedisSendCommand,
  NodeRedisClientLike,
  IoredisClientLike,
} from './adapters/redis-locks';
export { JwtAuth } from './adapters/jwt-auth';
export type { JwtAuthOptions, JwtAuthAlgorithm } from './adapters/jwt-auth';

export {
  WopiError,
  BadRequestError,
  InvalidTokenError,
  FileNotFoundError,
  FileExistsError,
  LockConflictError,
  DocumentChangedError,
  PreconditionFailedError,
  FileTooLargeError,
  NotImplementedError,
  InternalWopiError,
  WopiConfigError,
} from './errors';
export type { WopiErrorOptions, WopiConfigErrorCode } from './errors';
export { MAX_LOCK_ID_LENGTH, DEFAULT_LOCK_TTL_MS } from './protocol/lock-id';
