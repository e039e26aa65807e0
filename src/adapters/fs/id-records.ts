/**
 * Which ID names which file: one small record per ID (`ids/<id>` holds the file's path relative
 * to the root) and one per path (`paths/<hash>` holds the ID), in the metadata folder that every
 * process serving the root shares. Records are replaced, never edited in place. A deleted file's
 * ID record stays as a tombstone, so the ID is never handed to another file, in any process or
 * after a restart.
 */
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { log } from '../../log';
import { BoundedMap } from '../../util/bounded-map';
import { createExclusively, readTextIfExists, unlinkIfExists, writeAtomically } from './durable-write';
import { errorCode } from './errno';

const debug = log('storage:fs');

/** How many ID records are kept in memory. */
const MAX_CACHED_RECORDS = 10_000;

/** What an ID record holds once its file is deleted; no path can contain a NUL. */
export const TOMBSTONE = '\0deleted';

export class IdRecords {
  /** Records already read, keyed by file ID, with the stat stamp they were read at. */
  private readonly cache = new BoundedMap<string, { stamp: string; rel: string }>(MAX_CACHED_RECORDS);

  constructor(private readonly metadataDir: string) {}

  /**
   * What the record of `fileId` says: a path, {@link TOMBSTONE}, or `undefined` when there is no
   * record. A record whose inode, size and modification time are unchanged still says what it
   * said: one stat instead of open, read and close, and a change made by another process is
   * still seen at once.
   */
  async read(fileId: string): Promise<string | undefined> {
    const record = this.idRecord(fileId);
    let st: BigIntStats;
    try {
      st = await stat(record, { bigint: true });
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      this.cache.delete(fileId);
      return undefined;
    }
    const stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    const cached = this.cache.get(fileId);
    if (cached?.stamp === stamp) return cached.rel;
    const rel = await readTextIfExists(record);
    if (rel === undefined) return undefined;
    this.cache.set(fileId, { stamp, rel });
    return rel;
  }

  /** The ID recorded for the path `rel`, if its two records agree. */
  async recordedId(rel: string): Promise<string | undefined> {
    const recorded = await readTextIfExists(this.pathRecord(rel));
    if (recorded !== undefined && (await readTextIfExists(this.idRecord(recorded))) === rel) return recorded;
    return undefined;
  }

  /**
   * The ID of the file at `rel` (spelled as on disk, known to exist): the recorded one, or a new
   * one derived from the path, so that two processes meeting the file at once agree on it. An ID
   * ever given to another path (a renamed or deleted file) is skipped.
   */
  async assign(rel: string): Promise<string> {
    const recorded = await this.recordedId(rel);
    if (recorded !== undefined) return recorded;

    await mkdir(path.join(this.metadataDir, 'ids'), { recursive: true });
    await mkdir(path.join(this.metadataDir, 'paths'), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      const candidate = hash(`id:${rel}#${attempt}`).slice(0, 22);
      if (!(await createExclusively(this.idRecord(candidate), rel))) {
        // Taken: by this very path (another process got here first), or by another file.
        if ((await readTextIfExists(this.idRecord(candidate))) !== rel) continue;
      }
      await writeAtomically(this.pathRecord(rel), candidate);
      debug('file %s has ID %s', rel, candidate);
      return candidate;
    }
  }

  /** The file `fileId` moved from `fromRel` to `toRel`. */
  async moved(fileId: string, fromRel: string, toRel: string): Promise<void> {
    await writeAtomically(this.idRecord(fileId), toRel);
    await writeAtomically(this.pathRecord(toRel), fileId);
    await unlinkIfExists(this.pathRecord(fromRel));
  }

  /** The file `fileId` at `rel` was deleted: its ID stays taken for good. */
  async deleted(fileId: string, rel: string): Promise<void> {
    await writeAtomically(this.idRecord(fileId), TOMBSTONE);
    await unlinkIfExists(this.pathRecord(rel));
  }

  private idRecord(fileId: string): string {
    return path.join(this.metadataDir, 'ids', fileId);
  }

  private pathRecord(rel: string): string {
    return path.join(this.metadataDir, 'paths', hash(`path:${rel}`));
  }
}

export function hash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
