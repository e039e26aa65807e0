/**
 * The storage adapter interface: where file bytes and metadata live.
 *
 * Implement it to serve files from your own product (a database, S3, a DMS). Every method returns
 * a Promise. Conditions are signalled by throwing express-wopi's exported errors:
 *
 * - unknown file ID (or a file that vanished) → throw `FileNotFoundError` (404);
 * - anything else that goes wrong → throw whatever you like; the client gets a bare 500 and the
 *   error is logged on `express-wopi:server_error`.
 *
 * The router never passes a path to an adapter: it passes the opaque file ID from the URL. An
 * adapter must treat that ID as untrusted input.
 */
import type { Readable } from 'node:stream';

/** What the router needs to know about one file. */
export interface WopiFileInfo {
  /** The file name with its extension and no path, e.g. `report.docx` (CheckFileInfo `BaseFileName`). */
  name: string;
  /** Current size in bytes (CheckFileInfo `Size`). */
  size: number;
  /**
   * Opaque version string. It must change whenever the content changes and stay the same when it
   * does not (CheckFileInfo `Version`, response header `X-WOPI-ItemVersion`).
   */
  version: string;
  /** When the content last changed (CheckFileInfo `LastModifiedTime`; Collabora's save-conflict check). */
  lastModifiedTime: Date;
  /**
   * ID of the file's owner (CheckFileInfo `OwnerId`, required by WOPI; must not be empty). Editors
   * compare it with `UserId`, e.g. Collabora lets the owner end everyone's session.
   */
  ownerId: string;
  /** Base64 SHA-256 of the content, if the store knows it cheaply (CheckFileInfo `SHA256`). */
  sha256?: string;
}

/** An open file: its metadata and a stream of its content, taken from the same version. */
export interface WopiFileContent {
  info: WopiFileInfo;
  /** The whole content. The router consumes or destroys it. */
  stream: Readable;
}

/** What the router knows about a PutFile when it asks storage to write. */
export interface WopiWriteContext {
  /** The user saving (from the access token). */
  userId: string;
  /** The lock the request was made under, if any. */
  lockId?: string;
  /** `X-WOPI-Editors`: user IDs of everyone whose changes are in this save (may be empty). */
  editors: string[];
  /** Collabora's `IsModifiedByUser`: false when the user saved without changing anything. */
  isModifiedByUser?: boolean;
  /** Collabora's `IsAutosave`: true for a periodic save, false for an explicit one. */
  isAutosave?: boolean;
  /** Collabora's `IsExitSave`: true for the save made when the last editor leaves. */
  isExitSave?: boolean;
  /** `X-WOPI-FileConversion` (PutRelativeFile only): the editor converted a binary format, e.g. .doc → .docx. */
  fileConversion?: boolean;
  /** Aborted when the client goes away; stop writing and leave the old content as it was. */
  signal: AbortSignal;
  /**
   * The commit step: the router's last look before the new content becomes visible. Every check
   * the save passed before its body (the lock, "unlocked only while empty", Collabora's
   * timestamp, "overwrite only an unlocked target") is made again here, against the state of that
   * moment, and other changes to the same file in this process (saves, renames, deletes, lock
   * changes) wait until the write settles.
   *
   * Call it **exactly once** in every write that publishes, after the whole body is read and the
   * new content is durable (written and flushed: nothing is left that can fail but making it
   * visible) and **immediately before** making it visible (the rename, the row update, the
   * pointer swap). Resolve the file's current location *after* it resolves: a rename or delete
   * may have happened while the body was arriving, and the content must land on the file the ID
   * names now (or the write must fail with {@link FileNotFoundError} when the ID was deleted).
   *
   * - `writeFile`: call `commit()` with no argument.
   * - `createRelativeFile`: call `commit(existingFileId)` with the ID of the file about to be
   *   replaced (`target.overwrite` and the name is taken), or `commit()` when a new file is about
   *   to be created. Choose the name after it resolves.
   *
   * When it rejects, discard the new content, leave every file as it was (old content
   * byte-identical, no new file) and reject with the very error it rejected with: it carries the
   * status the client gets (409 with the current lock, 404, …). A write that resolves without
   * having called it is answered 500 by the router and logged on `express-wopi:server_error`.
   * Callers outside the router (tests, imports) pass `async () => {}`.
   */
  commit(replacingFileId?: string): Promise<void>;
}

/** Where PutRelativeFile puts the new file: the first free name among `candidates`. */
export interface WopiRelativeTarget {
  /**
   * Legal file names to try in order (the router has already checked them). Use the first one
   * that no file next to the original has. An exact-name request gives exactly one name.
   */
  candidates: Iterable<string>;
  /**
   * When true (exact name with `X-WOPI-OverwriteRelativeTarget: true`), replace the file that
   * has the first name, keeping that file's ID, instead of moving on to the next name.
   */
  overwrite: boolean;
}

/** A file PutRelativeFile created (or overwrote). */
export interface WopiCreatedFile {
  fileId: string;
  info: WopiFileInfo;
}

export interface WopiStorage extends Partial<WopiContainerStorage> {
  /**
   * Metadata of one file. Called for CheckFileInfo, before every lock operation (to answer 404
   * and to report `X-WOPI-ItemVersion`) and before PutFile. Keep it cheap.
   *
   * @throws FileNotFoundError when no file has this ID.
   */
  getFileInfo(fileId: string): Promise<WopiFileInfo>;

  /**
   * Opens a file for reading. Return the metadata and the content of the *same* version, as a
   * stream: never buffer the whole file.
   *
   * @throws FileNotFoundError when no file has this ID.
   */
  readFile(fileId: string): Promise<WopiFileContent>;

  /**
   * Replaces a file's content with `content`, atomically: readers see either the old content or
   * the complete new one, never a mix. When `content` errors (the client aborted, or the body
   * exceeded `maxFileSize`) or `context.signal` aborts, reject with that error (`signal.reason`
   * for an abort) and leave the old content byte-identical. Resolve with the metadata of the new
   * version.
   *
   * The steps, in order: check the ID exists (throw {@link FileNotFoundError} before reading the
   * body); read the whole body into durable, invisible storage (a temporary file, an upload
   * part, a staging row); `await context.commit()` (see {@link WopiWriteContext.commit}); look
   * the file up again by its ID and publish onto it. Concurrent writes to one file may run: each
   * publishes one whole body, the last to publish wins.
   *
   * @throws FileNotFoundError when no file has this ID.
   */
  writeFile(fileId: string, content: Readable, context: WopiWriteContext): Promise<WopiFileInfo>;

  // Optional capabilities. A storage without one of them makes the router report the
  // corresponding CheckFileInfo flag as false and answer the operation with 501. The router looks
  // for them once, when it is created. (User info is not a storage method: it is the router's
  // `userInfo` option, a WopiUserInfoStore.)
  //
  // Names in findRelativeFile, createRelativeFile and renameFile are compared the way Office hosts
  // and case-insensitive file systems compare them: two names with the same `fileNameKey` (case
  // and Unicode normalisation ignored) are the same name. A name prefers its exact spelling when
  // both exist.

  /**
   * PutRelativeFile (with {@link createRelativeFile}): the ID of the file named `name` (or a case
   * variant of it) in the same folder (container) as `fileId`, or `null` when there is none.
   *
   * @throws FileNotFoundError when `fileId` itself does not exist.
   */
  findRelativeFile?(fileId: string, name: string): Promise<string | null>;

  /**
   * PutRelativeFile (with {@link findRelativeFile}): creates a new file in the same folder as
   * `fileId` from `content`, named with the first free name of `target.candidates` (a name whose
   * case variant exists is not free), or, when `target.overwrite`, replacing the content of the
   * file {@link findRelativeFile} finds for the first candidate (keeping its ID and its name as
   * stored). Atomic like {@link writeFile}: on failure or abort no new file appears and nothing is
   * overwritten. Never overwrite unless `target.overwrite` is true.
   *
   * Call `context.commit(existingId)` before replacing a file and `context.commit()` before
   * creating one (see {@link WopiWriteContext.commit}), and pick the free name after it resolves:
   * concurrent calls with the same candidates must end with distinct names. The new file's
   * `ownerId` is the original's unless the storage has its own rule.
   *
   * @throws FileNotFoundError when `fileId` does not exist.
   * @throws FileExistsError when every candidate name is taken.
   */
  createRelativeFile?(fileId: string, content: Readable, target: WopiRelativeTarget, context: WopiWriteContext): Promise<WopiCreatedFile>;

  /**
   * RenameFile: gives the file the first free name of `candidates` (full names, extension
   * included, already checked as legal). A name is free when no other file has it or a case
   * variant of it; changing only the case of the file's own name is allowed. The file ID must not
   * change. Resolves with the new metadata.
   *
   * @throws FileNotFoundError when no file has this ID.
   * @throws FileExistsError when every candidate name is taken.
   */
  renameFile?(fileId: string, candidates: Iterable<string>): Promise<WopiFileInfo>;

  /**
   * DeleteFile: removes the file. Its ID must not resolve afterwards, in any process and after a
   * restart, and is never handed to another file. A write to it still arriving must then fail
   * with {@link FileNotFoundError} at its commit step, leaving nothing behind.
   *
   * @throws FileNotFoundError when no file has this ID.
   */
  deleteFile?(fileId: string): Promise<void>;

  // The container capability (all of WopiContainerStorage, or none): see below.
}

// ---------------------------------------------------------------------------------------------
// Containers: the optional folder capability (CheckContainerInfo, EnumerateChildren,
// EnumerateAncestors, CreateChildFile, CreateChildContainer, RenameContainer, DeleteContainer,
// GetRootContainer). A storage has all of WopiContainerStorage's methods or none of them:
// `createWopiRouter` refuses a storage that has some (WOPI_ADAPTER_SHAPE).

/** The methods of {@link WopiContainerStorage}: a storage has all of them or none. */
export const CONTAINER_METHODS = [
  'getRootContainerId',
  'getContainerInfo',
  'getFileContainerId',
  'enumerateChildren',
  'createChildContainer',
  'createChildFile',
  'renameContainer',
  'deleteContainer',
] as const satisfies ReadonlyArray<keyof WopiContainerStorage>;

/** What the router needs to know about one container (a folder). */
export interface WopiContainerInfo {
  /** The container's name, with no path (CheckContainerInfo `Name`). A root's name is the storage's choice. */
  name: string;
  /** The ID of the container this one is in; `null` for a root container, which has no parent. */
  parentId: string | null;
  /**
   * `false` when {@link WopiContainerStorage.renameContainer} would refuse this container whoever
   * asks (FileSystemStorage: a folder holding its metadata folder), so that CheckContainerInfo
   * answers `UserCanRename: false` rather than offer a rename that fails. Absent: renamable, as
   * any container but a root is.
   */
  renamable?: boolean;
}

/** A file in a container's listing. */
export interface WopiChildFile {
  fileId: string;
  info: WopiFileInfo;
}

/** A container in a container's listing. */
export interface WopiChildContainer {
  containerId: string;
  name: string;
}

/** What is directly in one container (EnumerateChildren). */
export interface WopiContainerChildren {
  files: WopiChildFile[];
  containers: WopiChildContainer[];
}

/** A hint for {@link WopiContainerStorage.enumerateChildren}: which files the client wants. */
export interface WopiChildrenFilter {
  /**
   * Lower-case extensions with their dot (`.docx`): only files whose name ends in one of them
   * are wanted. Absent: every file. The router applies the filter again, so a storage may ignore
   * it; it is there so that a large folder need not describe files nobody asked for.
   */
  extensions?: readonly string[];
}

/** A container CreateChildContainer created. */
export interface WopiCreatedContainer {
  containerId: string;
  info: WopiContainerInfo;
}

/**
 * The container capability. Container IDs are opaque, URL-safe, stable (a RenameContainer keeps
 * the ID, and the IDs of every file and container inside it) and never reused after a delete,
 * like file IDs. A file ID and a container ID may be equal strings: they are looked up through
 * different methods. Names follow the file rules (`checkFileName`, compared with `fileNameKey`);
 * a file and a container in one folder may not share a name.
 */
export interface WopiContainerStorage {
  /**
   * The ID of the root container the user browses from (GetRootContainer). Every container and
   * file the user reaches through EnumerateChildren is below it.
   */
  getRootContainerId(userId: string): Promise<string>;

  /**
   * Name and parent of one container (CheckContainerInfo, and the walk up for EnumerateAncestors).
   *
   * @throws FileNotFoundError when no container has this ID (it never existed, or was deleted).
   */
  getContainerInfo(containerId: string): Promise<WopiContainerInfo>;

  /**
   * The ID of the container a file is in (EnumerateAncestors of a file, CheckFileInfo's
   * breadcrumbs).
   *
   * @throws FileNotFoundError when no file has this ID.
   */
  getFileContainerId(fileId: string): Promise<string>;

  /**
   * What is directly in a container: its files with their metadata and its containers, in any
   * order (the router sorts by name).
   *
   * @throws FileNotFoundError when no container has this ID.
   */
  enumerateChildren(containerId: string, filter: WopiChildrenFilter): Promise<WopiContainerChildren>;

  /**
   * CreateChildContainer: makes a new, empty container inside `containerId`, named with the first
   * free name of `candidates` (free: no file or container in it has that name or a case variant).
   * Concurrent calls with the same candidates end with distinct names.
   *
   * @throws FileNotFoundError when no container has this ID.
   * @throws FileExistsError when every candidate is taken.
   */
  createChildContainer(containerId: string, candidates: Iterable<string>): Promise<WopiCreatedContainer>;

  /**
   * CreateChildFile: creates a file inside `containerId` from `content` (the router sends an
   * empty body: WOPI creates child files with zero bytes), with exactly the rules of
   * {@link WopiStorage.createRelativeFile}: the first free candidate, or with `target.overwrite`
   * the file the first candidate names, replaced, keeping its ID; `context.commit(existingId)`
   * before replacing and `context.commit()` before creating; nothing left behind on failure.
   *
   * @throws FileNotFoundError when no container has this ID.
   * @throws FileExistsError when every candidate is taken (and `target.overwrite` is false), or the
   *   first candidate names a container.
   */
  createChildFile(containerId: string, content: Readable, target: WopiRelativeTarget, context: WopiWriteContext): Promise<WopiCreatedFile>;

  /**
   * RenameContainer: gives the container exactly the name `name` (already checked as legal).
   * Changing only the case of its own name is allowed. The container's ID stays, and so do the
   * IDs of everything inside it, which must keep resolving (and saving) under the new name.
   *
   * @throws FileNotFoundError when no container has this ID.
   * @throws FileExistsError when another file or container in the same parent has that name.
   * @throws BadRequestError when the container is a root (a root keeps its name).
   */
  renameContainer(containerId: string, name: string): Promise<WopiContainerInfo>;

  /**
   * DeleteContainer: removes an empty container. Its ID must not resolve afterwards and is never
   * handed out again.
   *
   * @throws FileNotFoundError when no container has this ID.
   * @throws ContainerNotEmptyError (409) when it holds any file or container, or is a root.
   */
  deleteContainer(containerId: string): Promise<void>;
}
