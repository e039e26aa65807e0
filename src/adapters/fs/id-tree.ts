/**
 * Where IDs lead, and which IDs paths have: the ID records (id-records.ts) read as a tree.
 *
 * The design. A file or folder in a sub-folder is recorded by the ID of that folder (its
 * container) and its own name, not by its path; an entry directly in the root by its name. An
 * ID's path is found by walking its record up to the root, one record (one stat, once cached) per
 * level; a path's ID by walking down, folder by folder. So RenameContainer rewrites exactly one ID
 * record and one place record, whatever the folder holds: every ID inside it, at any depth, keeps
 * resolving (to the new path) without being touched, in every process at once, and a crash leaves
 * either the old name or the new one, never a half-renamed tree. The alternative, records holding
 * whole paths with every descendant rewritten on a rename, would make a rename cost as much as
 * the folder holds and leave other processes, and a crash, with half of them rewritten.
 *
 * Records written by earlier releases (a file in a sub-folder recorded by its whole path) are
 * still read: {@link IdTree.adoptBelow} rewrites those below a folder into the form above before
 * the folder is renamed (they name the same file before and after, so this is safe at any time,
 * in any process, and after a crash half-way), and renaming such a file rewrites its own record.
 * Entries directly in the root are recorded exactly as before.
 */
import { FileNotFoundError } from '../../errors';
import { FILE_ID_PATTERN } from '../file-id';
import { folderOf, nameOf } from './errno';
import { entryKey, entryText, IN_CONTAINER, legacyKey, ROOT_RECORD, TOMBSTONE, type Entry, type IdRecords } from './id-records';
import type { RootJail } from './root-jail';
import { walkFolders } from './folder-names';

/** Where an ID leads now. */
export type Located =
  /** The root container. */
  | { kind: 'root'; rel: '' }
  /** A file or folder in its container (`containerId` undefined: the root), found through `key`. */
  | { kind: 'child'; rel: string; containerId: string | undefined; key: string }
  /** A file in a sub-folder recorded by its path (an earlier release). */
  | { kind: 'legacy'; rel: string; key: string };

/** What one ID record says, before its container is followed. */
type Placement = { kind: 'root' } | { kind: 'child'; entry: Entry } | { kind: 'legacy'; rel: string };

/** Folder paths (relative to the root) and their container IDs, found during one operation. */
export type KnownContainers = Map<string, string>;

export class IdTree {
  constructor(
    private readonly jail: RootJail,
    private readonly records: IdRecords,
  ) {}

  /** The ID of the root container (the served folder). */
  rootId(): Promise<string> {
    return this.records.rootId();
  }

  /**
   * Where `id` leads now: a clean path relative to the root (`''` for the root), never into the
   * metadata folder. FileNotFoundError for a malformed, unknown or deleted ID, or a record that
   * names a place no path can be (a loop, a name with a slash, a file as a folder).
   */
  async locate(id: string): Promise<Located> {
    const first = await this.placement(id);
    if (first.kind === 'root') return { kind: 'root', rel: '' };
    if (first.kind === 'legacy') return { kind: 'legacy', rel: first.rel, key: legacyKey(first.rel) };
    const names = [first.entry.name];
    const seen = new Set([id]);
    for (let parent = first.entry.containerId; parent !== undefined; ) {
      if (seen.has(parent)) throw new FileNotFoundError();
      seen.add(parent);
      const up = await this.placement(parent);
      if (up.kind === 'root') break;
      if (up.kind !== 'child') throw new FileNotFoundError();
      names.push(up.entry.name);
      parent = up.entry.containerId;
    }
    const rel = this.jail.normalise(names.reverse().join('/'));
    return { kind: 'child', rel, containerId: first.entry.containerId, key: entryKey(first.entry) };
  }

  /**
   * Where the container `id` leads now (`''` for the root); FileNotFoundError as {@link locate},
   * and for a record of an earlier release (those name files only). Whether a folder is there is
   * for the caller to see when it opens it.
   */
  async locateContainer(id: string): Promise<Located> {
    const located = await this.locate(id);
    if (located.kind === 'legacy') throw new FileNotFoundError();
    return located;
  }

  /** The ID of the container `located` is in; `null` for the root. */
  async parentIdOf(located: Located): Promise<string | null> {
    if (located.kind === 'root') return null;
    if (located.kind === 'legacy') return this.containerIdOf(folderOf(located.rel));
    return located.containerId ?? this.rootId();
  }

  /**
   * The ID of the file at `rel` (spelled as on disk, known to exist), assigned on first use. A
   * record an earlier release wrote for the path is used as it is.
   */
  async fileIdOf(rel: string, known?: KnownContainers): Promise<string> {
    if (rel.includes('/')) {
      const legacy = await this.records.recorded(legacyKey(rel), rel);
      if (legacy !== undefined) return legacy;
    }
    return this.idIn(rel, known);
  }

  /** The ID of the folder at `rel` (`''`: the root; spelled as on disk, known to exist), assigned on first use. */
  async containerIdOf(rel: string, known: KnownContainers = new Map()): Promise<string> {
    if (rel === '') return this.rootId();
    const cached = known.get(rel);
    if (cached !== undefined) return cached;
    const id = await this.idIn(rel, known);
    known.set(rel, id);
    return id;
  }

  /** The ID recorded for the file at `rel` in the form an earlier release wrote (any depth), if any. */
  recordedPathId(rel: string): Promise<string | undefined> {
    return this.records.recorded(legacyKey(rel), rel);
  }

  /** `located` (a file or folder) now has the name `name` in the same container. */
  async renamed(id: string, located: Located, name: string): Promise<void> {
    if (located.kind === 'root') throw new FileNotFoundError();
    const entry: Entry = {
      containerId: located.kind === 'child' ? located.containerId : await this.containerIdOf(folderOf(located.rel)),
      name,
    };
    await this.records.moved(id, entryKey(entry), entryText(entry), [located.key]);
  }

  /** `located` was deleted: its ID is retired for good. */
  async deleted(id: string, located: Located): Promise<void> {
    await this.records.deleted(id, located.kind === 'root' ? undefined : located.key);
  }

  /**
   * Rewrites every record an earlier release wrote for a file below the folder `rel` (hidden ones
   * included) into the container form, so that renaming the folder keeps their IDs.
   */
  async adoptBelow(rel: string): Promise<void> {
    const known: KnownContainers = new Map();
    await walkFolders(this.jail, rel, async (fileRel) => {
      const id = await this.records.recorded(legacyKey(fileRel), fileRel);
      if (id === undefined) return;
      const entry: Entry = { containerId: await this.containerIdOf(folderOf(fileRel), known), name: nameOf(fileRel) };
      await this.records.adopted(id, legacyKey(fileRel), entryKey(entry), entryText(entry));
    });
  }

  /** The container-form ID of the entry at `rel`, assigned on first use. */
  private async idIn(rel: string, known?: KnownContainers): Promise<string> {
    const folder = folderOf(rel);
    const entry: Entry = { containerId: folder === '' ? undefined : await this.containerIdOf(folder, known), name: nameOf(rel) };
    return this.records.assign(entryKey(entry), entryText(entry), rel);
  }

  /** What the record of `id` says; FileNotFoundError when it says nothing usable. */
  private async placement(id: string): Promise<Placement> {
    if (!FILE_ID_PATTERN.test(id)) throw new FileNotFoundError();
    const text = await this.records.read(id);
    if (text === undefined || text === TOMBSTONE) throw new FileNotFoundError();
    if (text === ROOT_RECORD) return { kind: 'root' };
    if (text.startsWith(IN_CONTAINER)) {
      const rest = text.slice(IN_CONTAINER.length);
      const slash = rest.indexOf('/');
      const containerId = rest.slice(0, slash);
      const name = rest.slice(slash + 1);
      if (slash < 0 || !FILE_ID_PATTERN.test(containerId) || !isEntryName(name)) throw new FileNotFoundError();
      return { kind: 'child', entry: { containerId, name } };
    }
    // A path relative to the root (refused when it leaves the root or has a NUL).
    const rel = this.jail.normalise(text);
    return rel.includes('/') ? { kind: 'legacy', rel } : { kind: 'child', entry: { containerId: undefined, name: rel } };
  }
}

/** Whether `name` can be one part of a path: not empty, no separator or NUL, not `.` or `..`. */
function isEntryName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}
