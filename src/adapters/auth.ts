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
  /**
   * When the access token stops being valid, in milliseconds since the Unix epoch (as WOPI's
   * `access_token_ttl`). Optional. When present, every token the router issues from this one (the
   * `Url` of a file Save As created, container, ecosystem and FileUrl URLs) expires no later:
   * following links never extends a session (Microsoft's "preventing token trading").
   * `JwtAuth` sets it from `exp`.
   */
  accessTokenTtl?: number;
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

/**
 * Something other than a file editing session that an access token can open:
 *
 * - `container`: one container (folder) and the operations on it (CheckContainerInfo,
 *   EnumerateChildren, CreateChildFile, …). `write` lets the user create, rename and delete in
 *   it; `create` and `rename` narrow that as for files;
 * - `ecosystem`: the user's ecosystem endpoint (CheckEcosystem, GetRootContainer), not bound to
 *   any file or container;
 * - `fileUrl`: the content of one file and nothing else, for CheckFileInfo's `FileUrl` (a URL
 *   the editor fetches without proof headers). Issued read-only and short-lived.
 *
 * File editing sessions are not a resource here: they use {@link WopiAuth.authenticate} and
 * {@link WopiAuth.issueToken}, unchanged.
 */
export type WopiResource = { type: 'container'; containerId: string } | { type: 'ecosystem' } | { type: 'fileUrl'; fileId: string };

/** What a resource token is issued for: one resource, one user, some permissions. */
export interface WopiIssueResourceTokenRequest {
  resource: WopiResource;
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

  /**
   * Verifies a token for a {@link WopiResource} (a container, the ecosystem, a file's `FileUrl`)
   * and returns who is calling. Optional; with {@link issueResourceToken} it enables containers
   * (with a storage that has them), the ecosystem and `FileUrl`.
   *
   * The same rules as {@link authenticate}: a token opens exactly the resource it was issued for,
   * of the same type (a file token never opens a container, a container token never a file, a
   * `fileUrl` token nothing but that file's content), and a refusal is an `InvalidTokenError`
   * that never contains the token.
   */
  authenticateResource?(accessToken: string, resource: WopiResource): Promise<WopiUser>;

  /**
   * Issues a token for a {@link WopiResource}. The router asks for one when it answers with a URL
   * (a container's `Url` in EnumerateAncestors / EnumerateChildren / GetRootContainer, the
   * ecosystem's `Url`, `FileUrl`), for the requesting user with the requesting user's
   * permissions (read-only for `fileUrl`). An adapter with its own permission model may grant
   * less; it must never grant more than asked. The token must pass {@link authenticateResource}
   * for that resource until `accessTokenTtl`.
   */
  issueResourceToken?(request: WopiIssueResourceTokenRequest): Promise<WopiIssuedToken>;
}
