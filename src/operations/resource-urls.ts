/**
 * The URLs WOPI answers carry for the editor to follow: a file's WOPISrc, a container's URL, the
 * ecosystem's URL and a file's FileUrl, each with an access token of its own, issued for the user
 * making the request and for nothing but the resource the URL names (Microsoft's "preventing
 * token trading"). Containers and the ecosystem use `issueResourceToken`, files `issueToken`.
 */
import type { WopiContext } from '../context';
import type { WopiPermissions, WopiResource } from '../adapters/auth';
import type { ResourceTokenMethods } from '../options';
import { NotImplementedError } from '../errors';
import { wopiBaseUrl } from '../public-url';

/** `{ Name, Url }`: how WOPI points at a container (ContainerPointer, AncestorsWithRootFirst[i], ChildContainers[i]). */
export interface ContainerPointer {
  Name: string;
  Url: string;
}

function base(ctx: WopiContext): string {
  return wopiBaseUrl(ctx.req, ctx.options.publicUrl);
}

function withToken(url: string, token: string): string {
  return `${url}?access_token=${encodeURIComponent(token)}`;
}

function userFields(ctx: WopiContext): { userId: string; userFriendlyName?: string } {
  const { userId, userFriendlyName } = ctx.user;
  return userFriendlyName === undefined ? { userId } : { userId, userFriendlyName };
}

function resourceTokens(ctx: WopiContext): ResourceTokenMethods {
  const tokens = ctx.options.resourceTokens;
  if (tokens === undefined) throw new NotImplementedError('This host issues no container or ecosystem tokens');
  return tokens;
}

/**
 * The lifetime, in seconds, of a token issued from the request's: what is left of the request's
 * token (when the auth says, as `accessTokenTtl`), or `cap` if shorter; `undefined` (the auth's
 * default) when neither is known. A token made from a token never outlives it.
 */
export function derivedTtlSeconds(ctx: WopiContext, cap?: number): number | undefined {
  const expiresAt = plausibleExpiry(ctx);
  const left = expiresAt === undefined ? undefined : Math.max(1, Math.floor((expiresAt - Date.now()) / 1000));
  if (left === undefined) return cap;
  return cap === undefined ? left : Math.min(left, cap);
}

/** Milliseconds since 2001: an `accessTokenTtl` below it is not a time in milliseconds (seconds, most likely). */
const EARLIEST_PLAUSIBLE_EXPIRY_MS = 978_307_200_000;

/**
 * The request token's expiry in ms, when the auth gave one that is a time in milliseconds. An
 * expiry in seconds (a common slip) would make every derived token last one second: it is
 * ignored, and said on the request's debug line.
 */
function plausibleExpiry(ctx: WopiContext): number | undefined {
  const expiresAt = ctx.user.accessTokenTtl;
  if (expiresAt === undefined || expiresAt === 0) return undefined;
  if (!Number.isFinite(expiresAt) || expiresAt < EARLIEST_PLAUSIBLE_EXPIRY_MS) {
    ctx.log('ignoring accessTokenTtl %s: not a time in milliseconds since the epoch', String(expiresAt));
    return undefined;
  }
  return expiresAt;
}

async function resourceToken(ctx: WopiContext, resource: WopiResource, permissions: WopiPermissions, cap?: number): Promise<string> {
  const ttlSeconds = derivedTtlSeconds(ctx, cap);
  const issued = await resourceTokens(ctx).issueResourceToken({
    resource,
    ...userFields(ctx),
    permissions,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
  return issued.accessToken;
}

/** A file's WOPISrc with a token for it, with the requesting user's permissions. */
export async function fileUrl(ctx: WopiContext, fileId: string, issueToken = ctx.options.issueToken): Promise<string> {
  if (issueToken === undefined) throw new NotImplementedError('This host issues no file tokens');
  const ttlSeconds = derivedTtlSeconds(ctx);
  const token = await issueToken({
    fileId,
    ...userFields(ctx),
    permissions: ctx.user.permissions,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
  return withToken(`${base(ctx)}/files/${encodeURIComponent(fileId)}`, token.accessToken);
}

/** A container's URL with a token for it, with the requesting user's permissions. */
export async function containerUrl(ctx: WopiContext, containerId: string): Promise<string> {
  const token = await resourceToken(ctx, { type: 'container', containerId }, ctx.user.permissions);
  return withToken(`${base(ctx)}/containers/${encodeURIComponent(containerId)}`, token);
}

export async function containerPointer(ctx: WopiContext, containerId: string, name: string): Promise<ContainerPointer> {
  return { Name: name, Url: await containerUrl(ctx, containerId) };
}

/** The ecosystem's URL with a token for the requesting user. */
export async function ecosystemUrl(ctx: WopiContext): Promise<string> {
  const token = await resourceToken(ctx, { type: 'ecosystem' }, ctx.user.permissions);
  return withToken(`${base(ctx)}/ecosystem`, token);
}

/** CheckFileInfo `FileUrl`: the content of one file, read-only, for `ttlSeconds`. */
export async function fileContentUrl(ctx: WopiContext, fileId: string, ttlSeconds: number): Promise<string> {
  const token = await resourceToken(ctx, { type: 'fileUrl', fileId }, { write: false, create: false, rename: false }, ttlSeconds);
  return withToken(`${base(ctx)}/files/${encodeURIComponent(fileId)}/file_url`, token);
}
