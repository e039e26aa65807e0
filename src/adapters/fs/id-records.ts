/**
 * The ID records in the metadata folder, which every process serving the root shares: one small
 * record per ID (`ids/<id>` says where its file or folder is) and one per place (`paths/<hash>`
 * holds the ID of what is there), each replaced whole, never edited in place. A deleted entry's
 * ID record stays as a tombstone, so the ID is never handed out again, in any process or after a
 * restart.
 *
 * What an ID record holds (id-tree.ts reads them):
 *
 * - `name`: an entry directly in the root (a file or a folder), by its name;
 * - `\0in:<container ID>/name`: an entry in a sub-folder, by the ID of that folder (container)
 *   and its name, so renaming a folder rewrites that folder's own record and nothing below it;
 * - `a/b/c.docx`: a file in a sub-folder, by its path relative to the root, as releases before
 *   containers wrote them; still read, and rewritten to the form above before a folder on its
 *   path is renamed (or when the file itself is renamed);
 * - `\0root`: the served folder itself (the root container);
 * - `\0deleted`: a tombstone.
 *
 * A record directly in the root is written exactly as earlier releases wrote it, and its first ID
 * is derived from its path exactly as they derived it, so a root without sub-folders keeps every
 * file ID across the upgrade both ways. No path can contain a NUL, so the forms never mix up.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { log } from '../../log';
import type { MetadataReads } from './metadata-reads';
import { BoundedMap } from '../../util/bounded-map';
import { createExclusively, readTextIfExists, unlinkIfExists, writeAtomically } from './durable-write';
import { errorCode } from './errno';

const debug = log('storage:fs');

/** How many ID records are kept in memory. */
const MAX_CACHED_RECORDS = 10_000;

/** What an ID record holds once its file or folder is deleted; no path can contain a NUL. */
export const TOMBSTONE = '\0deleted';
/** What the root container's ID record holds. */
export const ROOT_RECORD = '\0root';
/** How the record of an entry in a sub-folder starts: `\0in:<container ID>/<name>`. */
export const IN_CONTAINER = '\0in:';

/** Where an entry is: its name in its container (`containerId` undefined: directly in the root). */
export interface Entry {
  containerId: string | undefined;
  name: string;
}

/** The ID record text of `entry`. */
export function entryText(entry: Entry): string {
  return entry.containerId === undefined ? entry.name : `${IN_CONTAINER}${entry.containerId}/${entry.name}`;
}

/** The key of the place record of `entry` (the same as earlier releases for an entry in the root). */
export function entryKey(entry: Entry): string {
  return entry.containerId === undefined ? `path:${entry.name}` : `in:${entry.containerId}/${entry.name}`;
}

/** The key of the place record an earlier release wrote for the path `rel`. */
export function legacyKey(rel: string): string {
  return `path:${rel}`;
}

export class IdRecords {
  /** Records already read, keyed by ID, with the stat stamp they were read at. */
  private readonly cache = new BoundedMap<string, { stamp: string; text: string }>(MAX_CACHED_RECORDS);
  private rootIdPromise: Promise<string> | undefined;

  /** @param reads how a record's stat runs (metadata-reads.ts); the thread pool when not given */
  constructor(
    private readonly metadataDir: string,
    private readonly reads?: MetadataReads,
  ) {}

  /**
   * What the record of `id` holds, or `undefined` when there is none. A record whose inode, size
   * and modification time are unchanged still holds what it held: one stat instead of open, read
   * and close, and a change made by another process is still seen at once.
   */
  async read(id: string): Promise<string | undefined> {
    const record = this.idRecord(id);
    let st: BigIntStats;
    try {
      st = await (this.reads ? this.reads.stat(record) : stat(record, { bigint: true }));
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      this.cache.delete(id);
      return undefined;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    const cached = this.cache.get(id);
    if (cached?.stamp === stamp) return cached.text;
    const text = await readTextIfExists(record);
    if (text === undefined) return undefined;
    this.cache.set(id, { stamp, text });
    return text;
  }

  /** The ID the place record `key` holds, if that ID's record holds `text` (the two agree). */
  async recorded(key: string, text: string): Promise<string | undefined> {
    const recorded = await readTextIfExists(this.placeRecord(key));
    if (recorded !== undefined && (await readTextIfExists(this.idRecord(recorded))) === text) return recorded;
    return undefined;
  }

  /**
   * The ID of what is at the place `key` (known to exist), whose ID record holds `text`: the
   * recorded one, or a new one derived from `seed` (its path), so that two processes meeting it
   * at once agree on it. An ID ever given to anything else (a renamed or deleted entry) is skipped.
   */
  async assign(key: string, text: string, seed: string): Promise<string> {
    const recorded = await this.recorded(key, text);
    if (recorded !== undefined) return recorded;
    await this.makeFolders();
    const id = await this.claim(seed, text);
    await writeAtomically(this.placeRecord(key), id);
    debug('%s has ID %s', seed, id);
    return id;
  }

  /**
   * The ID of the root container, the same in every process: derived like the others, from a
   * seed no path can have.
   */
  rootId(): Promise<string> {
    this.rootIdPromise ??= (async () => {
      await this.makeFolders();
      return this.claim('\0root', ROOT_RECORD);
    })().catch((err: unknown) => {
      this.rootIdPromise = undefined;
      throw err;
    });
    return this.rootIdPromise;
  }

  /**
   * `id` is now at the place `key` (record text `text`): its record says so, the place record
   * names it, and the place records in `dropKeys` (where it was) go. An ID another process gave
   * to that place meanwhile (a folder it saw there for a moment) names nothing any more and is
   * retired.
   */
  async moved(id: string, key: string, text: string, dropKeys: readonly string[]): Promise<void> {
    const previous = await this.recorded(key, text);
    if (previous !== undefined && previous !== id) await this.deleted(previous, undefined);
    await writeAtomically(this.idRecord(id), text);
    await writeAtomically(this.placeRecord(key), id);
    for (const drop of dropKeys) if (drop !== key) await unlinkIfExists(this.placeRecord(drop));
  }

  /**
   * Rewrites the record of `id`, written by an earlier release as a path (`oldKey`), to the
   * place `key` (`text`) that names the same file. The new place record is written first, so the
   * ID is found by one of its two places at every moment.
   */
  async adopted(id: string, oldKey: string, key: string, text: string): Promise<void> {
    await writeAtomically(this.placeRecord(key), id);
    await writeAtomically(this.idRecord(id), text);
    await unlinkIfExists(this.placeRecord(oldKey));
  }

  /** The entry `id` was deleted: its ID stays taken for good, and its place record (`key`) goes. */
  async deleted(id: string, key: string | undefined): Promise<void> {
    await writeAtomically(this.idRecord(id), TOMBSTONE);
    if (key !== undefined) await unlinkIfExists(this.placeRecord(key));
  }

  /** Creates the first free ID derived from `seed` with the record `text` (or finds it created by another process). */
  private async claim(seed: string, text: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      const candidate = hash(`id:${seed}#${attempt}`).slice(0, 22);
      if (await createExclusively(this.idRecord(candidate), text)) return candidate;
      // Taken: by this very entry (another process got here first), or by another one.
      if ((await readTextIfExists(this.idRecord(candidate))) === text) return candidate;
    }
  }

  private async makeFolders(): Promise<void> {
    await mkdir(path.join(this.metadataDir, 'ids'), { recursive: true });
    await mkdir(path.join(this.metadataDir, 'paths'), { recursive: true });
  }

  private idRecord(id: string): string {
    return path.join(this.metadataDir, 'ids', id);
  }

  private placeRecord(key: string): string {
    return path.join(this.metadataDir, 'paths', hash(key));
  }
}

export function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
