/**
 * The user-info adapter interface: where PutUserInfo stores a user's text and CheckFileInfo reads
 * it back as `UserInfo`.
 *
 * User info belongs to a **user**, not to a file: editors keep small per-user settings there, and
 * what a user stores while on one file comes back in CheckFileInfo for every file that user
 * opens. Give the router a store through its
 * `userInfo` option; without one, PutUserInfo answers 501 and CheckFileInfo says
 * `SupportsUserInfo: false`.
 *
 * Every method returns a Promise. Anything a method throws is answered with a bare 500 and logged
 * on `express-wopi:server_error` (throw a `WopiError` only for a status you mean the editor to
 * get). Built-ins: `MemoryUserInfoStore` (one process, lost on restart) and
 * `FileSystemUserInfoStore` (one small file per user in a folder).
 */

export interface WopiUserInfoStore {
  /**
   * CheckFileInfo `UserInfo`: what {@link putUserInfo} last stored for `userId`, exactly as it was
   * stored (the empty string included), or `undefined` when nothing was stored for that user. The
   * router then leaves `UserInfo` out of CheckFileInfo.
   *
   * Called on **every** CheckFileInfo (alongside `storage.getFileInfo`), so keep it cheap: an
   * indexed lookup, or a cache that still sees what other processes store within a bounded time.
   * A rejection makes that CheckFileInfo a 500, so an editor cannot open the file while the store
   * is down: answer `undefined` yourself if you would rather open files without the user's
   * settings.
   *
   * `userId` is the user's `userId` from your auth adapter. Compare it **exactly**: no case
   * folding, no trimming, no Unicode normalisation (`Ada` and `ada` are two users). It is data, not
   * a name: encode or hash it before using it as a path, a key prefix or in a query.
   */
  getUserInfo(userId: string): Promise<string | undefined>;

  /**
   * PutUserInfo: stores `userInfo` for `userId`, replacing whatever was stored before. From the
   * moment it resolves, {@link getUserInfo} for that user (on this instance, and on any other
   * instance sharing the store within the store's documented delay) returns exactly this string.
   *
   * The router has already checked `userInfo`: the request body decoded as UTF-8, at most 1024
   * characters (Unicode code points; longer bodies are answered 400 before the store is called).
   * It may be empty, which stores `""` (not "nothing"). Keep the text exactly: line breaks,
   * white space, any Unicode. User IDs are compared exactly, as in {@link getUserInfo}.
   *
   * Replace the value atomically: a concurrent {@link getUserInfo} sees the old or the new value,
   * never a mix, and of concurrent calls for one user the last to finish wins (no merging). Calls
   * for different users must not affect each other. A stored value should survive a restart when
   * the store is meant to (a database, a folder); a store that forgets (memory) must say so.
   *
   * Reject when the value was not stored (the editor gets 500 and may try again); never resolve
   * without storing.
   */
  putUserInfo(userId: string, userInfo: string): Promise<void>;
}
