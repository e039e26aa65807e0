/**
 * The auth adapter interface: turns a WOPI access token into a principal for one file.
 */

/** What the principal may do with the file. */
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
export interface WopiPrincipal {
  /** Stable user ID (CheckFileInfo `UserId`; used in `X-WOPI-Editors`). */
  userId: string;
  /** Name editors show for this user (CheckFileInfo `UserFriendlyName`). */
  userFriendlyName?: string;
  permissions: WopiPermissions;
}

/** What a token is issued for: one file, one user, some permissions. */
export interface IssueTokenRequest {
  /** The one file this token opens. */
  fileId: string;
  userId: string;
  userFriendlyName?: string;
  permissions: WopiPermissions;
  /** Lifetime in seconds; default chosen by the auth adapter. */
  ttlSeconds?: number;
}

export interface IssuedToken {
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
  authenticate(accessToken: string, fileId: string): Promise<WopiPrincipal>;

  /**
   * Issues a token for another file. Optional; PutRelativeFile needs it to answer with a `Url`
   * carrying an access token for the file it created (the router asks for the same user and
   * permissions the request's principal has). Without it PutRelativeFile answers 501.
   */
  issueToken?(request: IssueTokenRequest): Promise<IssuedToken>;
}
