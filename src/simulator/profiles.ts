/**
 * What each editor sends to a WOPI host, as data: the headers on every request, the lock IDs it
 * makes, how it keeps a lock alive, which save headers it puts on PutFile, what it sends for Save
 * As and rename, which statuses it takes for success, and what happens to the user when a request
 * fails. The client (`client.ts`) builds requests from a profile; the session (`session.ts`)
 * plays the editor's order of requests.
 *
 * Sources: ONLYOFFICE's DocService WOPI client and its WOPI pages; Collabora Online's WOPI storage
 * code; Microsoft's WOPI REST reference and the lock IDs Office for the web is known to send. See
 * docs/editors.md for the table.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** The editors the simulator can play. */
export type EditorName = 'onlyoffice' | 'collabora' | 'microsoft';

/** Every editor name, in the order the docs list them. */
export const EDITOR_NAMES: readonly EditorName[] = ['onlyoffice', 'collabora', 'microsoft'];

/** The WOPI operations the client sends. */
export type WopiOperationName =
  | 'CheckFileInfo'
  | 'GetFile'
  | 'Lock'
  | 'RefreshLock'
  | 'Unlock'
  | 'UnlockAndRelock'
  | 'GetLock'
  | 'PutFile'
  | 'PutRelativeFile'
  | 'RenameFile'
  | 'DeleteFile'
  | 'PutUserInfo';

/** One editor instance's identity, fixed for a session: what it puts in its logging headers. */
export interface EditorIdentity {
  /** A session ID (ONLYOFFICE `X-WOPI-SessionId`). */
  sessionId: string;
  /** A server process ID (Collabora `X-COOL-WOPI-ServerId`, 8 hex digits). */
  serverId: string;
}

/** Makes a fresh {@link EditorIdentity}. */
export function newEditorIdentity(): EditorIdentity {
  return { sessionId: randomUUID(), serverId: randomBytes(4).toString('hex') };
}

/** The save flags an editor attaches to PutFile. */
export interface SaveFlags {
  /** The user changed the document since the last save (`IsModifiedByUser`). */
  modifiedByUser: boolean;
  /** The save was started by a timer, not by the user (`IsAutosave`). */
  autosave: boolean;
  /** The save happens because the last user left (`IsExitSave`). */
  exitSave: boolean;
}

/** How an editor spells PutFile's extra headers. */
export interface PutFileStyle {
  /**
   * Which family carries {@link SaveFlags}: `X-LOOL-WOPI-Is*` (ONLYOFFICE), `X-COOL-WOPI-Is*`
   * (Collabora), or none (Microsoft).
   */
  saveFlags: 'lool' | 'cool' | 'none';
  /** The header that carries the last `LastModifiedTime` the editor saw, if it sends one. */
  timestampHeader?: 'X-LOOL-WOPI-Timestamp' | 'X-COOL-WOPI-Timestamp';
  /** Whether it sends `X-WOPI-Editors` (the user IDs whose changes the save holds). */
  editorsHeader: boolean;
  /** `Content-Type`: by the file's extension (ONLYOFFICE) or always `application/octet-stream`. */
  contentType: 'by-extension' | 'octet-stream';
  /** Whether the final save on exit carries `Connection: close` (Collabora). */
  connectionCloseOnExit: boolean;
}

/** The description of one editor. */
export interface EditorProfile {
  name: EditorName;
  /** The product name, for messages. */
  title: string;
  /** Statuses the editor takes as success for CheckFileInfo and GetFile. */
  getSuccess: readonly number[];
  /** Statuses the editor takes as success for every POST (locks, saves, Save As, rename). */
  postSuccess: readonly number[];
  /** Whether every request carries `Authorization: Bearer <token>` besides `?access_token=`. */
  sendsAuthorization: boolean;
  /** Whether `X-WOPI-TimeStamp` is sent even when requests are not signed (ONLYOFFICE). */
  sendsTimestampUnsigned: boolean;
  /** Headers on every request, besides the token and the proof. */
  commonHeaders(identity: EditorIdentity): Record<string, string>;
  /** `X-WOPI-MaxExpectedSize` on GetFile, when the editor sends it. */
  maxExpectedSize?: number;
  /** The lock ID the editor takes for a document. */
  lockId(wopiSrc: string): string;
  /**
   * The lock ID the editor swaps its first one for with UnlockAndRelock after loading, when it
   * does (Office for the web).
   */
  relockId?(lockId: string): string;
  /** How the lock is kept alive while the document is open. */
  keepAlive: {
    operation: 'REFRESH_LOCK' | 'LOCK';
    /** The editor's own interval; `undefined` when it is not published. */
    intervalMs: number | undefined;
  };
  /**
   * What a second user's open sends: CheckFileInfo and LOCK again with the lock ID already held
   * (`'relock'`), or CheckFileInfo only, the document keeping its one lock (`'check-file-info'`).
   */
  join: 'relock' | 'check-file-info';
  /** PutFile's headers. */
  putFile: PutFileStyle;
  /** Order of the first requests: GetFile before or after Lock. */
  openOrder: 'lock-then-get' | 'get-then-lock';
  /** Whether an empty file (`Size` 0) gets a template uploaded, without a lock, before the lock. */
  uploadsTemplateWhenEmpty: boolean;
  /** Save As (PutRelativeFile). */
  saveAs: {
    /** Whether `X-WOPI-Size` is sent. */
    sendsSize: boolean;
  };
  /** RenameFile. */
  rename: {
    /** Whether the document itself is sent as the body (Collabora). */
    sendsDocument: boolean;
    /** Whether the editor reloads from the answer's `Url`, so that a missing `Url` breaks it. */
    needsUrl: boolean;
  };
  /** Whether the editor asks GetLock (when `SupportsGetLock`) and stores user settings with PutUserInfo. */
  usesGetLockAndUserInfo: boolean;
  /** Whether the editor string-compares `LastModifiedTime` and relies on it (Collabora). */
  comparesLastModifiedTime: boolean;
  /** What the user sees when an operation fails, per operation (for failure messages). */
  consequences: Partial<Record<WopiOperationName | 'KeepAlive' | 'Join', string>>;
}

/**
 * ONLYOFFICE's lock ID for a document: the WOPISrc after its last `/`, every character outside
 * `[0-9-.a-zA-Z_=]` replaced by `_`, cut to 240 characters. The same for every user and every
 * ONLYOFFICE node, so a host must treat a second LOCK with it as a refresh.
 */
export function onlyofficeLockId(wopiSrc: string): string {
  return wopiSrc
    .slice(wopiSrc.lastIndexOf('/') + 1)
    .replace(/[^0-9\-.a-zA-Z_=]/g, '_')
    .slice(0, 240);
}

/**
 * A Collabora lock ID: `cool-lock` and 8 hex digits. At least one digit is a letter, so that the
 * upper-cased ID differs from it (the simulator checks that the host compares lock IDs exactly).
 */
export function collaboraLockId(): string {
  let hex = randomBytes(4).toString('hex');
  if (!/[a-f]/.test(hex)) hex = `${hex.slice(0, 7)}a`;
  return `cool-lock${hex}`;
}

/** Office for the web's first lock ID on a document: a JSON-looking string, never to be parsed. */
export function officeLockId(): string {
  return JSON.stringify({ S: randomUUID(), F: 4 });
}

/** The longer lock ID Office for the web relocks to: the same `S`, more properties. */
export function officeRelockId(lockId: string): string {
  let s: string = randomUUID();
  try {
    const parsed = JSON.parse(lockId) as { S?: unknown };
    if (typeof parsed.S === 'string') s = parsed.S;
  } catch {
    // Not one of ours: a fresh S.
  }
  return JSON.stringify({ S: s, F: 6, E: 2, M: randomBytes(16).toString('hex'), P: randomUUID().toUpperCase() });
}

const ONLYOFFICE: EditorProfile = {
  name: 'onlyoffice',
  title: 'ONLYOFFICE Docs',
  getSuccess: [200, 206],
  postSuccess: [200, 204],
  sendsAuthorization: false,
  sendsTimestampUnsigned: true,
  commonHeaders: (identity) => ({
    'X-WOPI-ClientVersion': '9.0.0',
    'X-WOPI-CorrelationId': randomUUID(),
    'X-WOPI-SessionId': identity.sessionId,
  }),
  maxExpectedSize: 104_857_600,
  lockId: onlyofficeLockId,
  keepAlive: { operation: 'REFRESH_LOCK', intervalMs: 10 * 60 * 1000 },
  join: 'relock',
  putFile: {
    saveFlags: 'lool',
    timestampHeader: 'X-LOOL-WOPI-Timestamp',
    editorsHeader: true,
    contentType: 'by-extension',
    connectionCloseOnExit: false,
  },
  openOrder: 'lock-then-get',
  uploadsTemplateWhenEmpty: true,
  saveAs: { sendsSize: false },
  rename: { sendsDocument: false, needsUrl: false },
  usesGetLockAndUserInfo: false,
  comparesLastModifiedTime: false,
  consequences: {
    CheckFileInfo: 'ONLYOFFICE shows an error page instead of the document',
    GetFile: 'the document does not load',
    Lock: 'ONLYOFFICE opens the document read-only',
    Join: 'the second user is silently switched to view-only',
    KeepAlive: 'the lock expires while the document is open',
    RefreshLock: 'the lock expires while the document is open',
    PutFile: 'ONLYOFFICE reports the save as failed and the changes are not stored',
    PutRelativeFile: 'Save As reports an error',
    RenameFile: 'the rename fails',
    Unlock: 'the lock stays until it expires',
  },
};

const COLLABORA: EditorProfile = {
  name: 'collabora',
  title: 'Collabora Online',
  getSuccess: [200],
  postSuccess: [200],
  sendsAuthorization: true,
  sendsTimestampUnsigned: false,
  commonHeaders: (identity) => ({
    'User-Agent': 'COOLWSD HTTP Agent 25.04',
    'X-COOL-WOPI-ServerId': identity.serverId,
  }),
  lockId: () => collaboraLockId(),
  keepAlive: { operation: 'LOCK', intervalMs: 15 * 60 * 1000 },
  join: 'check-file-info',
  putFile: {
    saveFlags: 'cool',
    timestampHeader: 'X-COOL-WOPI-Timestamp',
    editorsHeader: false,
    contentType: 'octet-stream',
    connectionCloseOnExit: true,
  },
  openOrder: 'get-then-lock',
  uploadsTemplateWhenEmpty: false,
  saveAs: { sendsSize: true },
  rename: { sendsDocument: true, needsUrl: true },
  usesGetLockAndUserInfo: false,
  comparesLastModifiedTime: true,
  consequences: {
    CheckFileInfo: 'Collabora fails to load the document',
    GetFile: 'the document does not load',
    Lock: 'Collabora makes the session read-only',
    Join: 'Collabora tells every user the document was changed behind its back',
    KeepAlive: 'Collabora makes the session read-only',
    PutFile: 'Collabora shows "save failed" and retries',
    PutRelativeFile: 'Save As fails',
    RenameFile: 'the rename fails',
    Unlock: 'the lock stays until it expires',
  },
};

const MICROSOFT: EditorProfile = {
  name: 'microsoft',
  title: 'Microsoft 365 for the web',
  getSuccess: [200],
  postSuccess: [200],
  sendsAuthorization: true,
  sendsTimestampUnsigned: false,
  commonHeaders: () => ({
    'X-WOPI-ClientVersion': '16.0',
    'X-WOPI-MachineName': 'express-wopi-simulator',
    'X-WOPI-CorrelationId': randomUUID(),
    'X-Request-ID': randomUUID(),
  }),
  lockId: () => officeLockId(),
  relockId: officeRelockId,
  // Not published; the lock lives 30 minutes and Office refreshes it before then.
  keepAlive: { operation: 'REFRESH_LOCK', intervalMs: undefined },
  join: 'relock',
  putFile: { saveFlags: 'none', editorsHeader: true, contentType: 'octet-stream', connectionCloseOnExit: false },
  openOrder: 'get-then-lock',
  uploadsTemplateWhenEmpty: false,
  saveAs: { sendsSize: true },
  rename: { sendsDocument: false, needsUrl: false },
  usesGetLockAndUserInfo: true,
  comparesLastModifiedTime: false,
  consequences: {
    CheckFileInfo: 'the document does not open',
    GetFile: 'the document does not load',
    Lock: 'the document opens read-only',
    UnlockAndRelock: 'editing stops',
    Join: 'the second user cannot co-author',
    KeepAlive: 'the lock expires while the document is open',
    RefreshLock: 'the lock expires while the document is open',
    PutFile: 'the changes are not stored',
    PutRelativeFile: 'Save As fails',
    RenameFile: 'the rename fails',
    Unlock: 'the lock stays until it expires',
  },
};

/** The three profiles by name. */
export const EDITOR_PROFILES: Readonly<Record<EditorName, EditorProfile>> = {
  onlyoffice: ONLYOFFICE,
  collabora: COLLABORA,
  microsoft: MICROSOFT,
};

/** The profile for an editor name, or the profile itself; throws a `TypeError` for an unknown name. */
export function editorProfile(editor: EditorName | EditorProfile): EditorProfile {
  if (typeof editor !== 'string') return editor;
  const profile = (EDITOR_PROFILES as Record<string, EditorProfile | undefined>)[editor];
  if (profile === undefined) throw new TypeError(`unknown editor "${editor}": use ${EDITOR_NAMES.join(', ')}`);
  return profile;
}

/** Whether a name is one of {@link EDITOR_NAMES}. */
export function isEditorName(value: string): value is EditorName {
  return (EDITOR_NAMES as readonly string[]).includes(value);
}

const CONTENT_TYPES: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  rtf: 'application/rtf',
};

/** The `Content-Type` an editor puts on a body for a file of this name. */
export function contentTypeFor(style: PutFileStyle['contentType'], fileName: string | undefined): string {
  if (style === 'octet-stream' || fileName === undefined) return 'application/octet-stream';
  const dot = fileName.lastIndexOf('.');
  const ext = dot < 0 ? '' : fileName.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}
