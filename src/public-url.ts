/**
 * The URLs editors use to reach this router, rebuilt from a request: the WOPI base URL (for the
 * `Url` of files PutRelativeFile creates) and the absolute URL of the request itself (what proof
 * keys sign). Both come from the `publicUrl` option when it is set; otherwise from the request's
 * protocol and host, which follow `X-Forwarded-Proto` / `X-Forwarded-Host` only when Express's
 * `trust proxy` setting trusts the peer.
 */
import type { Request } from 'express';

/** The `publicUrl` option, as the router resolved it. */
export type PublicUrl = string | ((req: Request) => string) | undefined;

function configuredBase(req: Request, publicUrl: string | ((req: Request) => string)): string {
  return (typeof publicUrl === 'function' ? publicUrl(req) : publicUrl).replace(/\/+$/, '');
}

/** The WOPI base URL: the router's mount point as editors reach it, e.g. `https://host/wopi`. */
export function wopiBaseUrl(req: Request, publicUrl: PublicUrl): string {
  if (publicUrl !== undefined) return configuredBase(req, publicUrl);
  return `${req.protocol}://${requestHost(req)}${req.baseUrl}`;
}

/** The absolute URL the editor called, as it called it (raw path and query string). */
export function requestUrl(req: Request, publicUrl: PublicUrl): string {
  if (publicUrl !== undefined) return `${configuredBase(req, publicUrl)}${req.url}`;
  return `${req.protocol}://${requestHost(req)}${req.originalUrl}`;
}

/**
 * The host (with port) the client asked for: `X-Forwarded-Host` (its first value) when the
 * `trust proxy` setting trusts the peer, else `Host`. Express 5's `req.host` does this, but
 * Express 4's drops the port, so it is done here for both.
 */
function requestHost(req: Request): string {
  const trust = req.app?.get('trust proxy fn') as ((address: string | undefined, hop: number) => boolean) | undefined;
  const forwarded = req.get('x-forwarded-host');
  if (forwarded && typeof trust === 'function' && trust(req.socket.remoteAddress, 0)) {
    return forwarded.split(',')[0]!.trim();
  }
  return req.get('host') ?? '';
}
