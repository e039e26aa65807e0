/**
 * The auth adapter interface: turns a WOPI access token into a user for one file.
 *
 * The router calls `authenticate` on every WOPI request, before anything else touches storage or
 * locks, with the token from `?access_token=` (or `Authorization: Bearer`) and the file ID from the
 * URL. Editors send the same token for a whole session, so an implementation may cache verified
 * tokens (JwtAuth does, keyed by a hash), but it must still refuse an expired one on every call.
 *
 * Rules every implementation keeps (the published suite, `describeWopiAuth` in
 * `express-wopi/testing`, checks them):
 * - a token opens exactly the file it was issued for: any other file ID is refused;
 * - a malformed, forged, tampered, expired or revoked token is refused;
 * - a refusal is an `InvalidTokenError` (401) whose message never contains the token or a part
 *   of it; any other error becomes a bare 500;
 * - permissions are what the token grants, not what the request asks for; a read-only user gets
 *   `{ write: false }`, and the router then answers 401 to every write operation.
 */

/** What the user may do with the file. */
export interface WopiPermissions {
  /** May save (PutFile) and lock the file. Without it the file opens read-only. */
  write: boolean;
  /**
   * May create new files next to this one (PutRelativeFile, "Save As"). Default: same as `write`.
   * Reported to editors as `UserCanNotWriteRelative`.
   */
  create?: boolean;
  /** May rename the file. Default: same as `write`. Reported as `UserCanRename`. */
  rename?: boolean;
}

/** The user an access token stands for, as far as one file is concerned. */
export interface WopiUser {
  /** Stable user ID (CheckFileInfo `UserId`; used in `X-WOPI-Editors`). */
  userId: string;
  /** Name editors show for this user (CheckFileInfo `UserFriendlyName`). */
  userFriendlyName?: string;
  permissions: WopiPermissions;
}

/** What a token is issued for: one file, one user, some permissions. */
export interface WopiIssueTokenRequest {
  /** The one file this token opens. */
  fileId: string;
  userId: string;
  userFriendlyName?: string;
  permissions: WopiPermissions;
  /** Lifetime in seconds; default chosen by the auth adapter. */
  ttlSeconds?: number;
}

export interface WopiIssuedToken {
  /** Pass to the editor as `access_token`. */
  accessToken: string;
  /** Pass to the editor as `access_token_ttl`: the expiry in milliseconds since the Unix epoch (0 = unknown). */
  accessTokenTtl: number;
}

export interface WopiAuth {
  /**
   * Verifies `accessToken` for the file `fileId` and returns who is calling.
   *
   * A token is bound to one file: a token issued for another file must be refused.
   *
   * @throws InvalidTokenError (401) when the token is malformed, expired, forged or issued for
   * another file. Never put the token itself in the error message.
   */
  authenticate(accessToken: string, fileId: string): Promise<WopiUser>;

  /**
   * Issues a token for another file. Optional; PutRelativeFile needs it to answer with a `Url`
   * carrying an access token for the file it created (the router asks for the same user and
   * permissions the request's user has). Without it PutRelativeFile answers 501.
   *
   * The token it returns must pass `authenticate` for `request.fileId` (and only that file) with
   * the permissions asked for, until `accessTokenTtl`. The router calls it after the new file
   * exists; when it throws, the client gets a 500 and the new file stays. Hosts also call it to
   * open a file in an editor (the host page's form POST carries `access_token` and
   * `access_token_ttl`).
   */
  issueToken?(request: WopiIssueTokenRequest): Promise<WopiIssuedToken>;
}
