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
export { DEFAULT_MAX_FILE_SIZE, DEFAULT_UPLOAD_IDLE_TIMEOUT_MS } from './options';

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

export { FileSystemStorage } from './adapters/fs/storage';
export type { FileSystemStorageOptions, FileSystemEntry } from './adapters/fs/storage';
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
  UploadTimeoutError,
  NotImplementedError,
  InternalWopiError,
  WopiConfigError,
} from './errors';
export type { WopiErrorOptions, WopiConfigErrorCode } from './errors';
export { MAX_LOCK_ID_LENGTH, DEFAULT_LOCK_TTL_MS } from './protocol/lock-id';
// For storage adapters: when two file names are the same name.
export { fileNameKey, checkFileName, MAX_FILE_NAME_BYTES } from './protocol/file-name';
export type { FileNameCheck } from './protocol/file-name';

// Discovery, proof keys and the host page.
export { WopiDiscovery, DEFAULT_DISCOVERY_TTL_MS } from './discovery/discovery';
export type {
  WopiDiscoveryOptions,
  DiscoveryFetch,
  ActionUrlOptions,
  ResolvedAction,
  DiscoveryStatus,
} from './discovery/discovery';
export { parseDiscoveryXml, findAction, extensionOf } from './discovery/document';
export type {
  DiscoveryDocument,
  DiscoveryAction,
  DiscoveryProofKeyAttributes,
  ActionQuery,
} from './discovery/document';
export { resolveActionUrl, PLACEHOLDER } from './protocol/action-url';
export type { ActionUrlValues, PlaceholderValue } from './protocol/action-url';
export type { ProofKeyProvider, StaticProofKeys, ProofKeysOption } from './proof-check';
export {
  buildProofBytes,
  verifyProof,
  unixMsToTicks,
  ticksToUnixMs,
  publicKeyFromModulusExponent,
  publicKeyFromCspBlob,
  publicKeyToCspBlob,
  publicKeyToModulusExponent,
  PROOF_MAX_AGE_MS,
} from './protocol/proof-keys';
export type {
  ProofKeySet,
  ProofPublicKeyInput,
  ProofInput,
  ProofHeaders,
  ProofVerdict,
  ProofMatch,
  ProofFailure,
} from './protocol/proof-keys';
export {
  renderHostPage,
  hostPageHandler,
  hostPageContentSecurityPolicy,
  escapeHtml,
  DEFAULT_HOST_PAGE_SANDBOX,
  DEFAULT_HOST_PAGE_ALLOW,
  HOST_PAGE_SCRIPT_HASH,
  HOST_PAGE_STYLE_HASH,
} from './host-page';
export type { HostPageOptions } from './host-page';
export { DiscoveryError, DiscoveryActionNotFoundError, ProofKeyError } from './errors';
