/**
 * Where WOPI puts the access token: the `access_token` query parameter of every WOPI URL.
 */

/**
 * The one `access_token` query parameter of `url`, decoded; `undefined` when there is none, more
 * than one, or one that is not valid percent-encoding. Read from the URL itself, so the app's
 * query parser settings cannot change how a token is found, and nothing else is parsed.
 */
export function accessTokenParameter(url: string): string | undefined {
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  let found: string | undefined;
  for (const pair of url.slice(query + 1).split('&')) {
    if (!pair.startsWith('access_token=')) continue;
    if (found !== undefined) return undefined;
    found = pair.slice('access_token='.length);
  }
  if (found === undefined || !(found.includes('%') || found.includes('+'))) return found;
  try {
    return decodeURIComponent(found.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}
