/**
 * FileSystemUserInfoStore: PutUserInfo / CheckFileInfo `UserInfo` in a folder, one record per
 * user, replaced whole on every PutUserInfo, read through a cache that is kept while the folder is
 * unchanged.
 */
import { mkdir, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import path from 'node:path';
import type { WopiUserInfoStore } from '../user-info';
import { OptionChecks } from '../../util/validate';
import { readTextIfExists, writeAtomically } from './durable-write';
import { errorCode } from './errno';
import { hash } from './id-records';

/** How long a folder must have been unchanged before its stat stamp is trusted to show the next change. */
const SETTLED_MS = 2000;

/** How many users' values are kept in memory. */
const MAX_CACHED_USERS = 10_000;

/** How long user info is used before the folder is looked at again, by default. */
export const DEFAULT_USER_INFO_RECHECK_MS = 1000;

export interface FileSystemUserInfoStoreOptions {
  /**
   * The folder the records live in, one small file per user (made on the first PutUserInfo).
   * Several processes given the same folder share the values. Use a folder of its own, and not
   * one a `FileSystemStorage` serves (records there would be listed as files): the storage's
   * metadata folder is a good parent. The CLI uses `<metadataDir>/users`, where
   * `FileSystemStorage` kept user info before it became an adapter of its own.
   */
  dir: string;
  /**
   * How long values read from disk are used before the folder is looked at again for what another
   * process stored, in milliseconds. What this instance stores itself is seen at once. `0` looks
   * on every `getUserInfo`. Default 1000.
   */
  recheckMs?: number;
}

/** User info already read, valid for the folder state `stamp`. */
interface UserInfoCache {
  stamp: string;
  /** Whether the folder had been still long enough for its stamp to show the next change. */
  settled: boolean;
  values: Map<string, string | undefined>;
  /** When to look at the folder again (ms since the epoch). */
  checkAgainAt: number;
}

/**
 * User info in a folder: one file per user, named by a SHA-256 hash of the user ID (so a user ID
 * never becomes a path), holding the text as UTF-8. A PutUserInfo writes a temporary file and
 * renames it over the record, so readers see the old or the new value, never a mix; of two
 * concurrent PutUserInfo for one user the last rename wins. Records are not fsynced: a power cut
 * can lose the last values stored, never leave a half-written one.
 *
 * CheckFileInfo asks on every open, so values are cached in memory (up to 10,000 users) while the
 * folder is unchanged; see {@link FileSystemUserInfoStoreOptions.recheckMs} for when another
 * process's PutUserInfo is seen.
 */
export class FileSystemUserInfoStore implements WopiUserInfoStore {
  /** The records' folder, absolute. */
  readonly dir: string;
  private readonly recheckMs: number;
  private cache: UserInfoCache | undefined;

  /**
   * @throws WopiConfigError when `dir` is missing or not a non-empty string, or `recheckMs` is not
   *   a non-negative integer. The folder itself is not touched until first use.
   */
  constructor(options: FileSystemUserInfoStoreOptions) {
    const check = new OptionChecks('FileSystemUserInfoStore');
    check.options(options, 'with a `dir`');
    const dir = check.requiredNonEmptyString('dir', options.dir, 'the folder for the records');
    this.recheckMs = check.nonNegativeInteger('recheckMs', options.recheckMs, DEFAULT_USER_INFO_RECHECK_MS, 'milliseconds');
    this.dir = path.resolve(dir);
  }

  async putUserInfo(userId: string, userInfo: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeAtomically(this.record(userId), userInfo);
    // Seen at once by this instance; the folder changed, so everything else is read again too.
    this.cache = undefined;
  }

  /**
   * Answers are kept while the folder is unchanged: every PutUserInfo, from this process or
   * another, renames a record into it and so changes its modification and change times. The
   * folder is looked at again once `recheckMs` have passed since the last look. A stamp is trusted
   * only when the folder has been still for 2 seconds: two changes within one tick of the
   * file system's clock could otherwise leave the same stamp (git treats its index the same way).
   */
  async getUserInfo(userId: string): Promise<string | undefined> {
    let cache = this.cache;
    if (cache === undefined || Date.now() >= cache.checkAgainAt) {
      cache = this.cacheFor(await this.folderStamp(), cache);
    }
    if (cache.values.has(userId)) return cache.values.get(userId);
    const value = await readTextIfExists(this.record(userId));
    if (cache.settled && cache.values.size < MAX_CACHED_USERS && this.cache === cache) cache.values.set(userId, value);
    return value;
  }

  /** The folder's stat stamp and whether it is settled; `undefined` when there is no folder yet. */
  private async folderStamp(): Promise<{ stamp: string; settled: boolean } | undefined> {
    let st: BigIntStats;
    try {
      st = await stat(this.dir, { bigint: true });
    } catch (err) {
      // Nothing stored yet: the folder is made by the first PutUserInfo.
      if (errorCode(err) !== 'ENOENT') throw err;
      return undefined;
    }
    // biome-ignore lint/complexity/useMathMinMax: bigints; Math.max does not take them
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

  private record(userId: string): string {
    return path.join(this.dir, hash(`user:${userId}`));
  }
}
