/**
 * express-wopi: the host side of WOPI as an Express router.
 *
 * @module express-wopi
 */
export { createWopiRouter } from './router';
export type {
  WopiRouterOptions,
  WopiCheckFileInfoContext,
  WopiPutFileContext,
  WopiHostUrls,
  WopiHostUrlsContext,
  WopiShareUrls,
  WopiShareUrlType,
  WopiShareUrlContext,
  WopiCheckContainerInfoContext,
  WopiUnlockedSaves,
  WopiSaveConflicts,
} from './options';
export { DEFAULT_MAX_FILE_SIZE, DEFAULT_UPLOAD_IDLE_TIMEOUT_MS } from './options';
export type {
  WopiEvent,
  WopiEventType,
  WopiEventMap,
  WopiEventListener,
  WopiEventListeners,
  WopiEventBase,
  WopiEventUser,
  WopiSaveContext,
  WopiSavedEvent,
  WopiCreatedEvent,
  WopiSaveConflict,
  WopiRenamedEvent,
  WopiDeletedEvent,
  WopiLockedEvent,
  WopiLockRefreshedEvent,
  WopiUnlockedEvent,
  WopiLockConflictEvent,
} from './events';
export { WOPI_EVENT_TYPES } from './events';

export type {
  WopiStorage,
  WopiFileInfo,
  WopiFileContent,
  WopiWriteContext,
  WopiRelativeTarget,
  WopiCreatedFile,
  WopiContainerStorage,
  WopiContainerInfo,
  WopiContainerChildren,
  WopiChildFile,
  WopiChildContainer,
  WopiChildrenFilter,
  WopiCreatedContainer,
} from './adapters/storage';
export type { WopiLockStore, WopiLockOutcome } from './adapters/locks';
export type { WopiLockInfo, WopiListedLock } from './adapters/locks';
export { isFileLocked } from './adapters/locks';
export type { WopiUserInfoStore } from './adapters/user-info';
export type {
  WopiAuth,
  WopiUser,
  WopiPermissions,
  WopiIssueTokenRequest,
  WopiIssuedToken,
  WopiResource,
  WopiIssueResourceTokenRequest,
} from './adapters/auth';
export type { WopiCheckFileInfoResponse } from './protocol/check-file-info';
export type {
  WopiActivity,
  WopiCommentActivity,
  WopiCommentData,
  WopiCommentContentAction,
  WopiActivityPerson,
  WopiUnsupportedActivity,
  WopiActivitiesContext,
  WopiActivityResponse,
  WopiAddActivitiesResponse,
  WopiActivityStatus,
} from './protocol/activities';
export { ACTIVITY_STATUS, MAX_ACTIVITIES_BODY_BYTES } from './protocol/activities';

export { FileSystemStorage } from './adapters/fs/storage';
export type { FileSystemStorageOptions, FileSystemEntry, TemporaryFileSweep } from './adapters/fs/storage';
export type { MetadataReadsMode } from './adapters/fs/metadata-reads';
export { MemoryStorage } from './adapters/memory-storage';
export type { MemoryFileOptions, MemoryStorageOptions } from './adapters/memory-storage';
export { FileSystemUserInfoStore, DEFAULT_USER_INFO_RECHECK_MS } from './adapters/fs/user-info';
export type { FileSystemUserInfoStoreOptions } from './adapters/fs/user-info';
export { MemoryUserInfoStore } from './adapters/memory-user-info';
export { MemoryLockStore } from './adapters/memory-locks';
export type { MemoryLockStoreOptions } from './adapters/memory-locks';
export { RedisLockStore } from './adapters/redis-locks';
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
  ContainerNotEmptyError,
  LockConflictError,
  DocumentChangedError,
  PreconditionFailedError,
  FileTooLargeError,
  UploadTimeoutError,
  NotImplementedError,
  InternalServerError,
  LockStoreUnavailableError,
  WopiConfigError,
} from './errors';
export { WOPI_ERROR_CODES, WOPI_CONFIG_ERROR_CODES } from './errors';
export type { WopiErrorOptions, WopiErrorCode, WopiConfigErrorCode, WopiConfigErrorDetails } from './errors';
export { MAX_LOCK_ID_LENGTH, DEFAULT_LOCK_TTL_MS } from './protocol/lock-id';
export { lockIdsMatch, officeLockSession } from './protocol/lock-id';
export type { WopiLockIdComparison } from './protocol/lock-id';
// For storage adapters: when two file names are the same name.
export { fileNameKey, checkFileName, MAX_FILE_NAME_BYTES } from './protocol/file-name';
export type { FileNameCheck } from './protocol/file-name';

// Opening an editor (discovery, action URLs, the host page) is in `express-wopi/discovery`; the
// proof-key check on its own in `express-wopi/proof-keys`; the adapter contract suites in
// `express-wopi/testing`.
