import type { Request } from 'express';
import type { WopiAuth, WopiPrincipal } from './adapters/auth';
import type { WopiLockStore } from './adapters/locks';
import type { WopiFileInfo, WopiStorage, WopiWriteContext } from './adapters/storage';
import { MemoryLockStore } from './adapters/memory-locks';
import { WopiConfigError } from './errors';
import { DEFAULT_LOCK_TTL_MS } from './protocol/lock-id';
import type { CheckFileInfoResponse, HostCapabilities } from './protocol/check-file-info';
import { log } from './log';
import { resolveProofKeys, type ProofKeyProvider, type ProofKeysOption } from './proof-check';

/** What a {@link WopiRouterOptions.checkFileInfo} hook is told about the request. */
export interface CheckFileInfoHookContext {
  req: Request;
  fileId: string;
  file: WopiFileInfo;
  user: WopiPrincipal;
}

/** What a {@link WopiRouterOptions.onPutFile} hook is told after a successful save. */
export interface PutFileEvent {
  req: Request;
  fileId: string;
  /** Metadata of the version just written. */
  file: WopiFileInfo;
  user: WopiPrincipal;
  /** The save context the editor sent (`X-WOPI-Editors`, Collabora's IsAutosave …). */
  save: Omit<WopiWriteContext, 'signal' | 'commit'>;
}

/** What a {@link WopiRouterOptions.hostUrls} hook is asked about. */
export interface HostUrlsContext {
  req: Request;
  /** The file the URLs are for (for PutRelativeFile, the file just created). */
  fileId: string;
  /** Its name, with extension. */
  name: string;
  user: WopiPrincipal;
}

/** Host page URLs for one file. */
export interface HostUrls {
  /** Host page that opens the file in view mode. */
  HostViewUrl?: string;
  /** Host page that opens the file in edit mode. */
  HostEditUrl?: string;
}

export interface WopiRouterOptions {
  /** Where files live. Required. See docs/adapters.md. */
  storage: WopiStorage;
  /** Turns access tokens into principals. Required; `JwtAuth` is the built-in. */
  auth: WopiAuth;
  /**
   * Where locks live. Default: a new `MemoryLockStore`, which is correct for a single process
   * only; with several instances, pass a shared store.
   */
  locks?: WopiLockStore;
  /** Lock lifetime in milliseconds. Default 1800000 (30 minutes, as WOPI specifies). */
  lockTtlMs?: number;
  /** Largest body PutFile accepts, in bytes; larger bodies get 413. Default 104857600 (100 MiB). */
  maxFileSize?: number;
  /**
   * How long an upload (PutFile, PutRelativeFile, PutUserInfo body) may go without progress
   * before it is ended with 408 and nothing is written, in milliseconds. Default 60000.
   */
  uploadIdleTimeoutMs?: number;
  /**
   * Adds or overrides CheckFileInfo properties per request: `PostMessageOrigin`, `HostEditUrl`,
   * `BreadcrumbBrandName`, ONLYOFFICE and Collabora properties, and so on. The returned object is
   * merged over the properties the router computes. Return `undefined` to change nothing.
   */
  checkFileInfo?: (
    context: CheckFileInfoHookContext,
  ) => Partial<CheckFileInfoResponse> | undefined | Promise<Partial<CheckFileInfoResponse> | undefined>;
  /**
   * The URL editors reach this router at, e.g. `https://files.example.com/wopi`, used to build the
   * `Url` (a WOPISrc) of files PutRelativeFile creates, and, with `proofKeys`, the absolute URL
   * the editor signed. A function gets the request. Default: the request's own protocol, `Host`
   * header and mount path (set Express's `trust proxy` when behind a proxy that rewrites them).
   */
  publicUrl?: string | ((req: Request) => string);
  /**
   * Proof-key validation: check that each request was signed by the WOPI client
   * (`X-WOPI-Proof`, `X-WOPI-ProofOld`, `X-WOPI-TimeStamp`). Give a `WopiDiscovery` (keys from
   * the editor's discovery document, refetched once when a signature fails) or fixed keys
   * `{ current, old? }`. A request that is not proven gets 500, before the token is checked.
   * Default: off. Behind a proxy, set `publicUrl` so the signed URL can be rebuilt.
   */
  proofKeys?: ProofKeysOption | false;
  /**
   * The host pages for a file, sent as `HostViewUrl` / `HostEditUrl` in PutRelativeFile responses
   * and in CheckFileInfo (where the `checkFileInfo` hook can still override them).
   */
  hostUrls?: (context: HostUrlsContext) => HostUrls | undefined | Promise<HostUrls | undefined>;
  /**
   * Called after every successful PutFile, with the editor's save context. The response waits
   * for it; a throw is logged on `express-wopi:server_error` and does not fail the save, which
   * has already happened.
   */
  onPutFile?: (event: PutFileEvent) => void | Promise<void>;
}

/** Options after validation, with every default filled in. */
export interface ResolvedWopiOptions {
  storage: WopiStorage;
  auth: WopiAuth;
  locks: WopiLockStore;
  lockTtlMs: number;
  maxFileSize: number;
  uploadIdleTimeoutMs: number;
  checkFileInfo: WopiRouterOptions['checkFileInfo'];
  onPutFile: WopiRouterOptions['onPutFile'];
  publicUrl: WopiRouterOptions['publicUrl'];
  hostUrls: WopiRouterOptions['hostUrls'];
  /** Where proof keys come from; `undefined` when proof-key validation is off. */
  proofKeys: ProofKeyProvider | undefined;
  /** What the storage and auth adapters support beyond the core operations. */
  capabilities: HostCapabilities;
}

export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 60_000;

const STORAGE_METHODS = ['getFileInfo', 'readFile', 'writeFile'] as const;
const LOCK_METHODS = ['getLock', 'lock', 'refreshLock', 'unlock', 'unlockAndRelock'] as const;
const KNOWN_OPTIONS = new Set([
  'storage',
  'auth',
  'locks',
  'lockTtlMs',
  'maxFileSize',
  'uploadIdleTimeoutMs',
  'checkFileInfo',
  'onPutFile',
  'publicUrl',
  'hostUrls',
  'proofKeys',
]);

/**
 * Validates router options and fills in defaults. Throws {@link WopiConfigError} naming the
 * first problem, so a broken mount fails when the app starts.
 */
export function resolveOptions(options: WopiRouterOptions): ResolvedWopiOptions {
  if (typeof options !== 'object' || options === null) {
    throw new WopiConfigError('ERR_WOPI_OPTIONS', 'createWopiRouter: options must be an object with `storage` and `auth`');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new WopiConfigError('ERR_WOPI_OPTIONS', `createWopiRouter: unknown option \`${key}\``);
    }
  }
  const {
    storage,
    auth,
    locks,
    lockTtlMs = DEFAULT_LOCK_TTL_MS,
    maxFileSize = DEFAULT_MAX_FILE_SIZE,
    uploadIdleTimeoutMs = DEFAULT_UPLOAD_IDLE_TIMEOUT_MS,
  } = options;

  requireMethods(storage, STORAGE_METHODS, 'ERR_WOPI_STORAGE', 'storage', 'WopiStorage');
  requireMethods(auth, ['authenticate'], 'ERR_WOPI_AUTH', 'auth', 'WopiAuth');
  if (locks !== undefined) requireMethods(locks, LOCK_METHODS, 'ERR_WOPI_LOCKS', 'locks', 'WopiLockStore');
  if (!Number.isSafeInteger(lockTtlMs) || lockTtlMs <= 0) {
    throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', 'createWopiRouter: `lockTtlMs` must be a positive integer (milliseconds)');
  }
  if (!Number.isSafeInteger(maxFileSize) || maxFileSize < 0) {
    throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', 'createWopiRouter: `maxFileSize` must be a non-negative integer (bytes)');
  }
  if (!Number.isSafeInteger(uploadIdleTimeoutMs) || uploadIdleTimeoutMs <= 0) {
    throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', 'createWopiRouter: `uploadIdleTimeoutMs` must be a positive integer (milliseconds)');
  }
  const { publicUrl } = options;
  if (publicUrl !== undefined && typeof publicUrl !== 'function' && !isHttpUrl(publicUrl)) {
    throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', 'createWopiRouter: `publicUrl` must be an http(s) URL or a function');
  }
  for (const hook of ['checkFileInfo', 'onPutFile', 'hostUrls'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new WopiConfigError('ERR_WOPI_OPTION_VALUE', `createWopiRouter: \`${hook}\` must be a function`);
    }
  }

  let lockStore = locks;
  if (lockStore === undefined) {
    log('router')('no `locks` given: using MemoryLockStore, which is correct for a single process only');
    lockStore = new MemoryLockStore();
  }
  return {
    storage,
    auth,
    locks: lockStore,
    lockTtlMs,
    maxFileSize,
    uploadIdleTimeoutMs,
    checkFileInfo: options.checkFileInfo,
    onPutFile: options.onPutFile,
    publicUrl: typeof publicUrl === 'string' ? publicUrl.replace(/\/+$/, '') : publicUrl,
    hostUrls: options.hostUrls,
    proofKeys: resolveProofKeys(options.proofKeys),
    capabilities: capabilitiesOf(storage, auth),
  };
}

/** Which optional operations the adapters make possible. */
function capabilitiesOf(storage: WopiStorage, auth: WopiAuth): HostCapabilities {
  const has = (target: object, method: string): boolean => typeof (target as Record<string, unknown>)[method] === 'function';
  return {
    putRelative: has(storage, 'findRelativeFile') && has(storage, 'createRelativeFile') && has(auth, 'issueToken'),
    rename: has(storage, 'renameFile'),
    deleteFile: has(storage, 'deleteFile'),
    userInfo: has(storage, 'putUserInfo') && has(storage, 'getUserInfo'),
  };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function requireMethods(
  value: unknown,
  methods: readonly string[],
  code: 'ERR_WOPI_STORAGE' | 'ERR_WOPI_LOCKS' | 'ERR_WOPI_AUTH',
  option: string,
  interfaceName: string,
): void {
  if (typeof value !== 'object' || value === null) {
    throw new WopiConfigError(code, `createWopiRouter: \`${option}\` is required and must implement ${interfaceName}`);
  }
  const missing = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new WopiConfigError(code, `createWopiRouter: \`${option}\` does not implement ${interfaceName} (missing ${missing.join(', ')})`);
  }
}
