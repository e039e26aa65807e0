import type { Request } from 'express';
import type { WopiAuth, WopiUser } from './adapters/auth';
import { CONTAINER_METHODS, type WopiContainerStorage } from './adapters/storage';
import type { WopiLockStore } from './adapters/locks';
import type { WopiFileInfo, WopiStorage, WopiWriteContext } from './adapters/storage';
import type { WopiUserInfoStore } from './adapters/user-info';
import { MemoryLockStore } from './adapters/memory-locks';
import { WopiConfigError } from './errors';
import { OptionChecks } from './util/validate';
import { DEFAULT_LOCK_TTL_MS } from './protocol/lock-id';
import type { WopiCheckFileInfoResponse, HostCapabilities } from './protocol/check-file-info';
import { log } from './log';
import { resolveProofKeys, type ProofKeyProvider, type ProofKeysOption } from './proof-check';
import type { WopiActivitiesContext } from './protocol/activities';
import { resolveEvents } from './event-dispatch';
import type { ResolvedWopiEvents, WopiEventListeners, WopiSavedEvent } from './events';

/** What a {@link WopiRouterOptions.checkFileInfo} hook is told about the request. */
export interface WopiCheckFileInfoContext {
  req: Request;
  fileId: string;
  file: WopiFileInfo;
  user: WopiUser;
}

/**
 * What the deprecated {@link WopiRouterOptions.onPutFile} hook is told after a successful save.
 * The `saved` event ({@link WopiSavedEvent}) has the same fields but `req`.
 */
export interface WopiPutFileContext {
  req: Request;
  fileId: string;
  /** Metadata of the version just written. */
  file: WopiFileInfo;
  user: WopiUser;
  /** The save context the editor sent (`X-WOPI-Editors`, Collabora's IsAutosave …). */
  save: Omit<WopiWriteContext, 'signal' | 'commit'>;
}

/** What a {@link WopiRouterOptions.hostUrls} hook is asked about. */
export interface WopiHostUrlsContext {
  req: Request;
  /** The file the URLs are for (for PutRelativeFile, the file just created). */
  fileId: string;
  /** Its name, with extension. */
  name: string;
  user: WopiUser;
}

/** A share URL type (GetShareUrl `X-WOPI-UrlType`, `SupportedShareUrlTypes`). */
export type WopiShareUrlType = 'ReadOnly' | 'ReadWrite';

/** What a {@link WopiShareUrls.url} function is asked for. */
export interface WopiShareUrlContext {
  req: Request;
  /** The file or container to share. */
  target: { type: 'file'; fileId: string } | { type: 'container'; containerId: string };
  urlType: WopiShareUrlType;
  user: WopiUser;
}

/** GetShareUrl: links the host's own sharing gives out for a file or a container. */
export interface WopiShareUrls {
  /** The types the host makes; CheckFileInfo and CheckContainerInfo list them as `SupportedShareUrlTypes`. */
  types: WopiShareUrlType[];
  /**
   * An absolute http(s) URL that opens the file or container for the people it is shared with,
   * with the access `urlType` names. Never an access token: the link outlives the session.
   */
  url(context: WopiShareUrlContext): string | Promise<string>;
}

/** What a {@link WopiRouterOptions.checkContainerInfo} hook is told about the request. */
export interface WopiCheckContainerInfoContext {
  req: Request;
  containerId: string;
  container: import('./adapters/storage').WopiContainerInfo;
  user: WopiUser;
}

/** Host page URLs for one file. */
export interface WopiHostUrls {
  /** Host page that opens the file in view mode. */
  HostViewUrl?: string;
  /** Host page that opens the file in edit mode. */
  HostEditUrl?: string;
}

export interface WopiRouterOptions {
  /** Where files live. Required. See docs/adapters.md. */
  storage: WopiStorage;
  /** Turns access tokens into users. Required; `JwtAuth` is the built-in. */
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
   * PutFile on a file that has no lock and is not empty. `'refuse'` (default): 409 with
   * `X-WOPI-Lock: ""`, as WOPI prescribes. `'allow'`: the save goes through for the user, who has
   * write permission as every PutFile needs, for editors that save without locking (ONLYOFFICE
   * and Collabora when CheckFileInfo says `SupportsLocks: false`, Collabora builds that do not
   * lock, an editor whose lock was lost: docs/editors.md). Never overrides a lock: a locked file
   * still needs its lock, also when another session took it while the body was arriving.
   */
  unlockedSaves?: WopiUnlockedSaves;
  /**
   * A save whose editor saw an older version than the stored one: the `X-COOL-WOPI-Timestamp` /
   * `X-LOOL-WOPI-Timestamp` Collabora and ONLYOFFICE send differs from the file's
   * `LastModifiedTime`. `'refuse'` (default): 409 `{"COOLStatusCode":1010}`, nothing written.
   * `'keepBoth'`: the original is left as it is and the editor's content becomes a new file next
   * to it, `<name> (conflict <date> <time> <user>).<ext>` (a `created` event with `conflict`),
   * and the editor is answered 200 (docs/configuration.md#saveconflicts has the trade-off).
   * Needs a storage with `findRelativeFile` and `createRelativeFile`.
   */
  saveConflicts?: WopiSaveConflicts;
  /**
   * Adds or overrides CheckFileInfo properties per request: `PostMessageOrigin`, `HostEditUrl`,
   * `BreadcrumbBrandName`, ONLYOFFICE and Collabora properties, and so on. The returned object is
   * merged over the properties the router computes. Return `undefined` to change nothing.
   */
  checkFileInfo?: (
    context: WopiCheckFileInfoContext,
  ) => Partial<WopiCheckFileInfoResponse> | undefined | Promise<Partial<WopiCheckFileInfoResponse> | undefined>;
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
  hostUrls?: (context: WopiHostUrlsContext) => WopiHostUrls | undefined | Promise<WopiHostUrls | undefined>;
  /**
   * Called after every successful PutFile, with the editor's save context. The response waits
   * for it; a throw is logged on `express-wopi:server_error` and does not fail the save, which
   * has already happened.
   *
   * @deprecated Use `events: { saved(event) {} }` (docs/events.md), which also hears saves that
   * replace a file through PutRelativeFile and CreateChildFile and carries no request. Still
   * called, after the `saved` listeners, for PutFile only.
   */
  onPutFile?: (context: WopiPutFileContext) => void | Promise<void>;
  /**
   * Listeners for what the router did: `saved`, `created`, `renamed`, `deleted`, `locked`,
   * `lockRefreshed`, `unlocked`, `lockConflict` (docs/events.md). An object of listeners, or a
   * list of them (each listener of each object is called, in order). Listeners are called
   * after the change and before the response is written; the response does not wait for the
   * promises they return, and their failures are logged on `express-wopi:server_error`, never
   * sent to the editor. Default: none.
   */
  events?: WopiEventListeners | readonly WopiEventListeners[];
  /**
   * Where PutUserInfo stores each user's text and CheckFileInfo reads it back as `UserInfo`.
   * Default: none, and then PutUserInfo answers 501 and CheckFileInfo says
   * `SupportsUserInfo: false`. `FileSystemUserInfoStore` and `MemoryUserInfoStore` are built in.
   * See docs/adapters.md.
   */
  userInfo?: WopiUserInfoStore;
  /**
   * Hears the activities editors report through AddActivities (comments, @mentions), e.g. to
   * notify the people mentioned. With it, CheckFileInfo says `SupportsAddActivities: true`;
   * without it AddActivities answers 501. The response waits for it; a throw is logged on
   * `express-wopi:server_error` and the editor still gets its per-activity answers.
   */
  onActivities?: (context: WopiActivitiesContext) => void | Promise<void>;
  /**
   * Containers and the ecosystem: let editors browse, create, rename and delete in the storage's
   * folders (Microsoft 365's file pickers, "Save a copy" into a folder). Needs a storage with every
   * `WopiContainerStorage` method and an auth with `authenticateResource` and
   * `issueResourceToken` (`FileSystemStorage`, `MemoryStorage` and `JwtAuth` have them). Default
   * false: with it, a token for one file leads to every container and file under the user's root
   * container (`getRootContainerId`), with that token's permissions, unless the auth's token
   * methods narrow them (docs/security.md).
   */
  containers?: boolean;
  /**
   * GetShareUrl for files and containers: the share URL types the host supports and a function
   * that makes them. Default: none (`SupportedShareUrlTypes` absent, GetShareUrl answers 501).
   */
  shareUrls?: WopiShareUrls;
  /**
   * CheckFileInfo `FileUrl`: a URL the editor may fetch the current content from instead of
   * calling GetFile, without proof headers. It carries its own access token, issued through
   * `auth.issueResourceToken` for this file's content only, read-only, for `ttlSeconds`
   * (default 300). `true` uses the defaults. Default: off. Needs an auth with
   * `issueResourceToken` and `authenticateResource` (JwtAuth has both).
   */
  fileUrl?: boolean | { ttlSeconds?: number };
  /**
   * Adds or overrides CheckContainerInfo properties per request (`HostUrl`, `SharingUrl`,
   * `BreadcrumbBrandName`, …), as {@link checkFileInfo} does for files.
   */
  checkContainerInfo?: (
    context: WopiCheckContainerInfoContext,
  ) => Record<string, unknown> | undefined | Promise<Record<string, unknown> | undefined>;
}

/** The {@link WopiRouterOptions.unlockedSaves} choices. */
export type WopiUnlockedSaves = 'refuse' | 'allow';

/** The {@link WopiRouterOptions.saveConflicts} choices. */
export type WopiSaveConflicts = 'refuse' | 'keepBoth';

const UNLOCKED_SAVES: readonly WopiUnlockedSaves[] = ['refuse', 'allow'];
const SAVE_CONFLICTS: readonly WopiSaveConflicts[] = ['refuse', 'keepBoth'];

/** PutRelativeFile's two storage methods, bound to the storage. */
export type RelativeFileMethods = Required<Pick<WopiStorage, 'findRelativeFile' | 'createRelativeFile'>>;

/** The auth's resource-token methods, bound. */
export type ResourceTokenMethods = Required<Pick<WopiAuth, 'authenticateResource' | 'issueResourceToken'>>;

/** Options after validation, with every default filled in. */
export interface ResolvedWopiOptions {
  storage: WopiStorage;
  auth: WopiAuth;
  locks: WopiLockStore;
  lockTtlMs: number;
  maxFileSize: number;
  uploadIdleTimeoutMs: number;
  /** PutFile on an unlocked, non-empty file: refused (409) or written. */
  unlockedSaves: WopiUnlockedSaves;
  /** A stale save (Collabora's timestamp): refused (409 1010) or kept as a conflict copy. */
  saveConflicts: WopiSaveConflicts;
  checkFileInfo: WopiRouterOptions['checkFileInfo'];
  onPutFile: WopiRouterOptions['onPutFile'];
  /** The `events` listeners by event type; `undefined` when there are none. */
  events: ResolvedWopiEvents | undefined;
  checkContainerInfo: WopiRouterOptions['checkContainerInfo'];
  shareUrls: WopiShareUrls | undefined;
  /** FileUrl's token lifetime in seconds; `undefined` when FileUrl is off. */
  fileUrlTtlSeconds: number | undefined;
  /** The AddActivities hook; `undefined` when AddActivities is not supported. */
  onActivities: WopiRouterOptions['onActivities'];
  publicUrl: WopiRouterOptions['publicUrl'];
  hostUrls: WopiRouterOptions['hostUrls'];
  /** Where proof keys come from; `undefined` when proof-key validation is off. */
  proofKeys: ProofKeyProvider | undefined;
  // The optional adapter methods, looked up once and bound to their adapter: an operation whose
  // handle is absent is not supported (501). Critical sections stay keyed by `storage` itself.
  /** `storage.findRelativeFile` and `storage.createRelativeFile`, when the storage has both. */
  relative?: RelativeFileMethods;
  /** `storage.renameFile`, when the storage has it. */
  renameFile?: NonNullable<WopiStorage['renameFile']>;
  /** `storage.deleteFile`, when the storage has it. */
  deleteFile?: NonNullable<WopiStorage['deleteFile']>;
  /**
   * The storage's container methods, bound, when it has all of them and the auth can issue and
   * check resource tokens (and file tokens, for the files it lists).
   */
  containers?: WopiContainerStorage;
  /** `auth.authenticateResource` and `auth.issueResourceToken`, when the auth has both. */
  resourceTokens?: ResourceTokenMethods;
  /** `auth.issueToken`, when the auth has it (PutRelativeFile needs it with {@link relative}). */
  issueToken?: NonNullable<WopiAuth['issueToken']>;
  /** The `userInfo` store's methods, when the option is given. */
  userInfo?: WopiUserInfoStore;
  /** Which optional operations the handles above make possible, for CheckFileInfo's flags. */
  capabilities: HostCapabilities;
}

export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
export const DEFAULT_UPLOAD_IDLE_TIMEOUT_MS = 60_000;

const STORAGE_METHODS = ['getFileInfo', 'readFile', 'writeFile'] as const;
const AUTH_METHODS = ['authenticate'] as const;
const LOCK_METHODS = ['getLock', 'lock', 'refreshLock', 'unlock', 'unlockAndRelock'] as const;
const USER_INFO_METHODS = ['getUserInfo', 'putUserInfo'] as const;
const KNOWN_OPTIONS = new Set([
  'storage',
  'auth',
  'locks',
  'lockTtlMs',
  'maxFileSize',
  'uploadIdleTimeoutMs',
  'unlockedSaves',
  'saveConflicts',
  'checkFileInfo',
  'onPutFile',
  'events',
  'publicUrl',
  'hostUrls',
  'proofKeys',
  'userInfo',
  'onActivities',
  'shareUrls',
  'fileUrl',
  'checkContainerInfo',
  'containers',
]);
const SHARE_URL_TYPES = ['ReadOnly', 'ReadWrite'] as const;

/**
 * Validates router options and fills in defaults. Throws {@link WopiConfigError} naming the
 * first problem, so a broken mount fails when the app starts.
 */
export function resolveOptions(options: WopiRouterOptions): ResolvedWopiOptions {
  const check = new OptionChecks('createWopiRouter');
  check.options(options, 'with `storage` and `auth`');
  check.knownKeys(options, KNOWN_OPTIONS);
  const storage = check.adapter('storage', options.storage, 'WopiStorage', STORAGE_METHODS);
  const auth = check.adapter('auth', options.auth, 'WopiAuth', AUTH_METHODS);
  const locks = options.locks === undefined ? undefined : check.adapter('locks', options.locks, 'WopiLockStore', LOCK_METHODS);
  const userInfo =
    options.userInfo === undefined ? undefined : check.adapter('userInfo', options.userInfo, 'WopiUserInfoStore', USER_INFO_METHODS);
  const lockTtlMs = check.positiveInteger('lockTtlMs', options.lockTtlMs, DEFAULT_LOCK_TTL_MS, 'milliseconds');
  const maxFileSize = check.nonNegativeInteger('maxFileSize', options.maxFileSize, DEFAULT_MAX_FILE_SIZE, 'bytes');
  const uploadIdleTimeoutMs = check.positiveInteger(
    'uploadIdleTimeoutMs',
    options.uploadIdleTimeoutMs,
    DEFAULT_UPLOAD_IDLE_TIMEOUT_MS,
    'milliseconds',
  );
  const unlockedSaves = check.oneOf('unlockedSaves', options.unlockedSaves, UNLOCKED_SAVES, 'refuse');
  const saveConflicts = check.oneOf('saveConflicts', options.saveConflicts, SAVE_CONFLICTS, 'refuse');
  const { publicUrl } = options;
  if (publicUrl !== undefined && typeof publicUrl !== 'function') check.httpUrl('publicUrl', publicUrl, 'an http(s) URL or a function');
  for (const hook of ['checkFileInfo', 'onPutFile', 'hostUrls', 'onActivities', 'checkContainerInfo'] as const)
    check.optionalFunction(hook, options[hook]);

  const shareUrls = resolveShareUrls(check, options.shareUrls);
  const fileUrlTtlSeconds = resolveFileUrl(check, options.fileUrl);

  let lockStore = locks;
  if (lockStore === undefined) {
    log('router')('no `locks` given: using MemoryLockStore, which is correct for a single process only');
    lockStore = new MemoryLockStore();
  }
  const handles = optionalMethods(storage, auth, userInfo);
  const hasContainers = hasContainerMethods(check, storage);
  if (fileUrlTtlSeconds !== undefined && handles.resourceTokens === undefined) {
    throw check.error(
      'WOPI_OPTION_CONFLICT',
      'fileUrl',
      'needs an auth with issueResourceToken and authenticateResource (JwtAuth has both) to sign the URL',
    );
  }
  if (saveConflicts === 'keepBoth' && handles.relative === undefined) {
    throw check.error(
      'WOPI_OPTION_CONFLICT',
      'saveConflicts',
      "is 'keepBoth', which needs a storage with findRelativeFile and createRelativeFile (FileSystemStorage and MemoryStorage have them) to store the conflict copy",
    );
  }
  const containers = check.boolean('containers', options.containers, false)
    ? containerMethods(check, storage, hasContainers, handles)
    : undefined;
  return {
    storage,
    auth,
    locks: lockStore,
    lockTtlMs,
    maxFileSize,
    uploadIdleTimeoutMs,
    unlockedSaves,
    saveConflicts,
    checkFileInfo: options.checkFileInfo,
    onPutFile: options.onPutFile,
    events: resolveEvents(check, options.events),
    onActivities: options.onActivities,
    checkContainerInfo: options.checkContainerInfo,
    shareUrls,
    fileUrlTtlSeconds,
    ...(containers === undefined ? {} : { containers }),
    publicUrl: typeof publicUrl === 'string' ? publicUrl.replace(/\/+$/, '') : publicUrl,
    hostUrls: options.hostUrls,
    proofKeys: resolveProofKeys(options.proofKeys),
    ...handles,
    capabilities: {
      putRelative: handles.relative !== undefined && handles.issueToken !== undefined,
      rename: handles.renameFile !== undefined,
      deleteFile: handles.deleteFile !== undefined,
      userInfo: handles.userInfo !== undefined,
      addActivities: options.onActivities !== undefined,
      containers: containers !== undefined,
      shareUrlTypes: shareUrls?.types ?? [],
    },
  };
}

type OptionalMethods = Pick<ResolvedWopiOptions, 'relative' | 'renameFile' | 'deleteFile' | 'issueToken' | 'userInfo' | 'resourceTokens'>;

/**
 * The optional methods of the adapters, each bound to its adapter, looked up once: a method
 * added to an adapter later is not noticed, and one that is not a function is absent.
 */
function optionalMethods(storage: WopiStorage, auth: WopiAuth, userInfo: WopiUserInfoStore | undefined): OptionalMethods {
  const methods: OptionalMethods = {};
  if (typeof storage.findRelativeFile === 'function' && typeof storage.createRelativeFile === 'function') {
    methods.relative = {
      findRelativeFile: storage.findRelativeFile.bind(storage),
      createRelativeFile: storage.createRelativeFile.bind(storage),
    };
  }
  if (typeof storage.renameFile === 'function') methods.renameFile = storage.renameFile.bind(storage);
  if (typeof storage.deleteFile === 'function') methods.deleteFile = storage.deleteFile.bind(storage);
  if (typeof auth.issueToken === 'function') methods.issueToken = auth.issueToken.bind(auth);
  if (typeof auth.authenticateResource === 'function' && typeof auth.issueResourceToken === 'function') {
    methods.resourceTokens = {
      authenticateResource: auth.authenticateResource.bind(auth),
      issueResourceToken: auth.issueResourceToken.bind(auth),
    };
  }
  if (userInfo !== undefined) {
    methods.userInfo = { getUserInfo: userInfo.getUserInfo.bind(userInfo), putUserInfo: userInfo.putUserInfo.bind(userInfo) };
  } else if (typeof Reflect.get(storage, 'getUserInfo') === 'function') {
    // A storage written before user info had its own adapter: the router no longer asks it.
    log('router')('the storage has getUserInfo/putUserInfo, which are no longer used: pass a `userInfo` store to keep PutUserInfo');
  }
  return methods;
}

/**
 * Whether the storage has the container methods: all of them, or none. A storage with only some
 * is a mistake reported at once, whether or not the `containers` option asks for them.
 */
function hasContainerMethods(check: OptionChecks, storage: WopiStorage): boolean {
  const missing = CONTAINER_METHODS.filter((name) => typeof storage[name] !== 'function');
  if (missing.length === CONTAINER_METHODS.length) return false;
  if (missing.length > 0) {
    throw check.error(
      'WOPI_ADAPTER_SHAPE',
      'storage',
      `has some container methods but not ${missing.join(', ')}: implement all of WopiContainerStorage or none`,
    );
  }
  return true;
}

/**
 * The storage's container methods, bound, for the `containers` option: it needs a storage that
 * has them, and an auth with resource tokens (container and ecosystem URLs) and file tokens (the
 * files they list).
 */
function containerMethods(
  check: OptionChecks,
  storage: WopiStorage,
  hasContainers: boolean,
  handles: OptionalMethods,
): WopiContainerStorage {
  if (!hasContainers) {
    throw check.error(
      'WOPI_OPTION_CONFLICT',
      'containers',
      'needs a storage with the WopiContainerStorage methods (FileSystemStorage and MemoryStorage have them)',
    );
  }
  if (handles.resourceTokens === undefined || handles.issueToken === undefined) {
    throw check.error(
      'WOPI_OPTION_CONFLICT',
      'containers',
      'needs an auth with issueToken, issueResourceToken and authenticateResource (JwtAuth has them) for the URLs it answers with',
    );
  }
  const methods = {} as Record<(typeof CONTAINER_METHODS)[number], unknown>;
  for (const name of CONTAINER_METHODS) methods[name] = (storage[name] as (...args: unknown[]) => unknown).bind(storage);
  return methods as unknown as WopiContainerStorage;
}

function resolveShareUrls(check: OptionChecks, value: unknown): WopiShareUrls | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null) {
    throw check.error('WOPI_OPTION_TYPE', 'shareUrls', 'must be an object { types, url }');
  }
  const { types, url } = value as Partial<WopiShareUrls>;
  if (!Array.isArray(types)) throw check.error('WOPI_OPTION_TYPE', 'shareUrls.types', `must be a list of ${SHARE_URL_TYPES.join(', ')}`);
  if (types.length === 0 || types.some((t) => !(SHARE_URL_TYPES as readonly unknown[]).includes(t))) {
    throw check.error('WOPI_OPTION_VALUE', 'shareUrls.types', `must be a non-empty list of ${SHARE_URL_TYPES.join(', ')}`);
  }
  if (typeof url !== 'function') throw check.error('WOPI_OPTION_TYPE', 'shareUrls.url', 'must be a function');
  return { types: [...new Set(types)], url };
}

const DEFAULT_FILE_URL_TTL_SECONDS = 300;

function resolveFileUrl(check: OptionChecks, value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_FILE_URL_TTL_SECONDS;
  if (typeof value !== 'object' || value === null) {
    throw check.error('WOPI_OPTION_TYPE', 'fileUrl', 'must be a boolean or { ttlSeconds }');
  }
  return check.positiveInteger(
    'fileUrl.ttlSeconds',
    (value as { ttlSeconds?: unknown }).ttlSeconds,
    DEFAULT_FILE_URL_TTL_SECONDS,
    'seconds',
  );
}
