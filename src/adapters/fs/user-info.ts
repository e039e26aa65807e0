/**
 * PutUserInfo / CheckFileInfo `UserInfo` for FileSystemStorage: one record per user in
 * `<metadataDir>/users`, replaced whole on every PutUserInfo, read through a cache that is kept
 * while the users folder is unchanged.
 */
import { mkdir, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import { readTextIfExists, writeAtomically } from './durable-write';
import { errorCode } from './errno';
import { hash } from './id-records';

/** How long a folder must have been unchanged before its stat stamp is trusted to show the next change. */
const SETTLED_MS = 2000;

/** How many users' values are kept in memory. */
const MAX_CACHED_USERS = 10_000;

/** How long user info is used before the users folder is looked at again, by default. */
export const DEFAULT_USER_INFO_RECHECK_MS = 1000;

/** User info already read, valid for the users folder state `stamp`. */
interface UserInfoCache {
  stamp: string;
  /** Whether the folder had been still long enough for its stamp to show the next change. */
  settled: boolean;
  values: Map<string, string | undefined>;
  /** When to look at the folder again (ms since the epoch). */
  checkAgainAt: number;
}

export class FsUserInfo {
  private cache: UserInfoCache | undefined;

  constructor(
    private readonly metadataDir: string,
    private readonly recheckMs: number,
  ) {}

  async put(userId: string, userInfo: string): Promise<void> {
    await mkdir(this.folder(), { recursive: true });
    await writeAtomically(this.record(userId), userInfo);
    // Seen at once by this instance; the folder changed, so everything else is read again too.
    this.cache = undefined;
  }

  /**
   * CheckFileInfo asks on every open, so answers are kept while the users folder is unchanged:
   * every PutUserInfo, from this process or another, renames a record into that folder and so
   * changes its modification and change times. The folder is looked at again once `recheckMs`
   * have passed since the last look. A stamp is trusted only when the folder has been still for
   * {@link SETTLED_MS}: two changes within one tick of the file system's clock could otherwise
   * leave the same stamp (git treats its index the same way).
   */
  async get(userId: string): Promise<string | undefined> {
    let cache = this.cache;
    if (cache === undefined || Date.now() >= cache.checkAgainAt) {
      cache = this.cacheFor(await this.folderStamp(), cache);
    }
    if (cache.values.has(userId)) return cache.values.get(userId);
    const value = await readTextIfExists(this.record(userId));
    if (cache.settled && cache.values.size < MAX_CACHED_USERS && this.cache === cache) cache.values.set(userId, value);
    return value;
  }

  /** The users folder's stat stamp and whether it is settled; `undefined` when there is no folder yet. */
  private async folderStamp(): Promise<{ stamp: string; settled: boolean } | undefined> {
    let st: BigIntStats;
    try {
      st = await stat(this.folder(), { bigint: true });
    } catch (err) {
      // Nothing stored yet (the folder is made with the first file ID, or by PutUserInfo).
      if (errorCode(err) !== 'ENOENT') throw err;
      return undefined;
    }
    const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
    return { stamp: `${st.ino}:${st.mtimeNs}:${st.ctimeNs}`, settled: BigInt(Date.now() - SETTLED_MS) * 1_000_000n > changed };
  }

  /** The cache for the folder state `folder`: `previous` when nothing changed, else an empty one. */
  private cacheFor(folder: { stamp: string; settled: boolean } | undefined, previous: UserInfoCache | undefined): UserInfoCache {
    const stamp = folder?.stamp ?? 'none';
    const settled = folder?.settled ?? true;
    const cache: UserInfoCache =
      previous !== undefined && previous.stamp === stamp && previous.settled && settled
        ? previous
        : { stamp, settled, values: new Map(), checkAgainAt: 0 };
    // An unsettled folder is looked at again on the next call.
    cache.checkAgainAt = settled ? Date.now() + this.recheckMs : 0;
    this.cache = cache;
    return cache;
  }

  private folder(): string {
    return path.join(this.metadataDir, 'users');
  }

  private record(userId: string): string {
    return path.join(this.folder(), hash(`user:${userId}`));
  }
}
