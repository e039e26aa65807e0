/**
 * Events: what the router tells the host after a change it made (saved, created, renamed,
 * deleted, locked, lock refreshed, unlocked) and when a lock refused a request (lock conflict).
 * Listeners come from the `events` option; see docs/events.md.
 *
 * A listener is called synchronously where the event happens, after the change succeeded and
 * before the response is written. The response does not wait for a promise it returns, and
 * nothing it does (a throw, a rejection) reaches the WOPI client: failures are logged on
 * `express-wopi:server_error`. Events carry no access token, no request and no query string.
 */
import type { WopiPermissions } from './adapters/auth';
import type { WopiFileInfo, WopiWriteContext } from './adapters/storage';

/** The save context the editor sent: who saved, under which lock, `X-WOPI-Editors`, Collabora's flags. */
export type WopiSaveContext = Omit<WopiWriteContext, 'signal' | 'commit'>;

/** Who caused an event: the user the access token stands for (never the token). */
export interface WopiEventUser {
  userId: string;
  userFriendlyName?: string;
  permissions: WopiPermissions;
}

/** What every event has. */
export interface WopiEventBase {
  /** When the router emitted the event. */
  time: Date;
  /** The request's id in the debug logs (`express-wopi:router:<id>`, `express-wopi:op:<operation>:<id>`). */
  requestId: string;
  user: WopiEventUser;
}

/** New content in a file: PutFile, or PutRelativeFile / CreateChildFile replacing an existing file. */
export interface WopiSavedEvent extends WopiEventBase {
  type: 'saved';
  /** `PutFile`, or `PutRelativeFile` / `CreateChildFile` with `X-WOPI-OverwriteRelativeTarget: true` on a taken name. */
  operation: 'PutFile' | 'PutRelativeFile' | 'CreateChildFile';
  /** The file whose content changed. */
  fileId: string;
  /** Its metadata after the save: `version` (the new `X-WOPI-ItemVersion`), `size` in bytes, `name`, … */
  file: WopiFileInfo;
  /** `editors`, `isAutosave`, `isExitSave`, `isModifiedByUser`, `lockId`, `userId`, `fileConversion`. */
  save: WopiSaveContext;
  /** PutRelativeFile: the file the editor saved from. */
  sourceFileId?: string;
  /** CreateChildFile: the container the file is in. */
  containerId?: string;
}

/**
 * A new file: PutRelativeFile ("Save As", conversions) or CreateChildFile on a free name, or, with
 * `saveConflicts: 'keepBoth'`, the conflict copy a PutFile made of a save based on an older
 * version (then `conflict` is set).
 */
export interface WopiCreatedEvent extends WopiEventBase {
  type: 'created';
  /** `PutFile` only for a conflict copy (`conflict` is set). */
  operation: 'PutRelativeFile' | 'CreateChildFile' | 'PutFile';
  /** The new file's ID. */
  fileId: string;
  file: WopiFileInfo;
  save: WopiSaveContext;
  /** PutRelativeFile: the file the editor saved from. A conflict copy: the original the editor saved to. */
  sourceFileId?: string;
  /** CreateChildFile: the container the file was created in. */
  containerId?: string;
  /** Set only on a conflict copy: what the editor's save conflicted with. */
  conflict?: WopiSaveConflict;
}

/**
 * Why a PutFile became a conflict copy (`saveConflicts: 'keepBoth'`): the editor's save was based
 * on an older version than the stored one. The original was left as it was.
 */
export interface WopiSaveConflict {
  /** `documentChanged`: the editor's timestamp is not the file's `LastModifiedTime` (Collabora's 1010). */
  reason: 'documentChanged';
  /** The file the editor saved to (the same as `sourceFileId`); it keeps its newer content. */
  originalFileId: string;
  /** The original's version, unchanged by this save (the `X-WOPI-ItemVersion` of the 200 answer). */
  originalVersion: string;
  /** The original's `LastModifiedTime`, as CheckFileInfo reports it: the version the editor did not see. */
  originalLastModifiedTime: string;
  /** The `X-COOL-WOPI-Timestamp` / `X-LOOL-WOPI-Timestamp` the editor sent: the version it had loaded. */
  editorLastModifiedTime: string;
}

/** A file or a container has a new name (its ID is unchanged). */
export type WopiRenamedEvent =
  | (WopiEventBase & {
      type: 'renamed';
      operation: 'RenameFile';
      fileId: string;
      /** The new name, with extension. */
      name: string;
      /** The name before, with extension. */
      previousName: string;
    })
  | (WopiEventBase & {
      type: 'renamed';
      operation: 'RenameContainer';
      containerId: string;
      /** The new name. */
      name: string;
    });

/** A file or a container is gone. */
export type WopiDeletedEvent =
  | (WopiEventBase & {
      type: 'deleted';
      operation: 'DeleteFile';
      fileId: string;
      /** Its name, with extension, just before it was deleted. */
      name: string;
    })
  | (WopiEventBase & { type: 'deleted'; operation: 'DeleteContainer'; containerId: string });

/**
 * The file is locked with `lockId`: Lock (on an unlocked file, or again with the lock it has,
 * which resets its expiry: the lock store answers both the same way) or UnlockAndRelock.
 */
export interface WopiLockedEvent extends WopiEventBase {
  type: 'locked';
  operation: 'Lock' | 'UnlockAndRelock';
  fileId: string;
  lockId: string;
  /** UnlockAndRelock: the lock it replaced (`X-WOPI-OldLock`). */
  previousLockId?: string;
}

/** RefreshLock: the lock's expiry was reset. */
export interface WopiLockRefreshedEvent extends WopiEventBase {
  type: 'lockRefreshed';
  operation: 'RefreshLock';
  fileId: string;
  lockId: string;
}

/** Unlock: the lock was released. */
export interface WopiUnlockedEvent extends WopiEventBase {
  type: 'unlocked';
  operation: 'Unlock';
  fileId: string;
  lockId: string;
}

/** A request a lock refused: the 409 with `X-WOPI-Lock` the router is about to answer. */
export interface WopiLockConflictEvent extends WopiEventBase {
  type: 'lockConflict';
  operation:
    | 'Lock'
    | 'UnlockAndRelock'
    | 'RefreshLock'
    | 'Unlock'
    | 'PutFile'
    | 'PutRelativeFile'
    | 'RenameFile'
    | 'DeleteFile'
    | 'CreateChildFile';
  /** The file whose lock refused: the URL's file, or the file PutRelativeFile / CreateChildFile would have replaced. */
  fileId: string;
  /**
   * The lock the request presented (`X-WOPI-Lock`; `X-WOPI-OldLock` for UnlockAndRelock), or
   * `null` when it presented none (DeleteFile, replacing a file, a save without a lock).
   */
  requestedLockId: string | null;
  /** The lock on the file (the `X-WOPI-Lock` of the 409), or `null` when it is not locked. */
  currentLockId: string | null;
  /** `X-WOPI-LockFailureReason`, e.g. `File is locked with a different lock ID`. */
  reason: string;
}

/** Every event by its `type` (and its listener's name in {@link WopiEventListeners}). */
export interface WopiEventMap {
  saved: WopiSavedEvent;
  created: WopiCreatedEvent;
  renamed: WopiRenamedEvent;
  deleted: WopiDeletedEvent;
  locked: WopiLockedEvent;
  lockRefreshed: WopiLockRefreshedEvent;
  unlocked: WopiUnlockedEvent;
  lockConflict: WopiLockConflictEvent;
}

export type WopiEventType = keyof WopiEventMap;

/** Any event; switch on `type` (or `operation`). */
export type WopiEvent = WopiEventMap[WopiEventType];

/** A listener: its return value is not awaited; a throw or a rejection is logged, never sent to the editor. */
export type WopiEventListener<T extends WopiEventType> = (event: WopiEventMap[T]) => void | Promise<void>;

/** The `events` option: a listener per event type, each optional. */
export type WopiEventListeners = { [T in WopiEventType]?: WopiEventListener<T> };

/** The event types, in the order docs/events.md lists them. */
export const WOPI_EVENT_TYPES: readonly WopiEventType[] = Object.freeze([
  'saved',
  'created',
  'renamed',
  'deleted',
  'locked',
  'lockRefreshed',
  'unlocked',
  'lockConflict',
]);

/** The listeners of each event type, in the order they were given; a type without listeners is absent. */
export type ResolvedWopiEvents = { readonly [T in WopiEventType]?: ReadonlyArray<WopiEventListener<T>> };
