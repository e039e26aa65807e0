/**
 * Reading file names out of WOPI headers (UTF-7 encoded) and finding a free name next to a file:
 * the steps PutRelativeFile and RenameFile share.
 */
import type { WopiContext } from '../context';
import { BadRequestError } from '../errors';
import { candidateNames } from '../protocol/file-name';
import { decodeUtf7, Utf7DecodeError } from '../protocol/utf7';

/** The decoded name in `headerName`, or `undefined` when the header is absent; 400 when it is not valid UTF-7. */
export function readNameHeader(
  ctx: WopiContext,
  headerName: string,
  errorHeaders?: (reason: string) => Record<string, string>,
): string | undefined {
  const raw = ctx.header(headerName);
  if (raw === undefined) return undefined;
  try {
    return decodeUtf7(raw);
  } catch (err) {
    if (!(err instanceof Utf7DecodeError)) throw err;
    const reason = `${headerName} is not valid UTF-7`;
    throw new BadRequestError(reason, errorHeaders ? { headers: errorHeaders(reason) } : undefined);
  }
}

/** How many names are tried before giving up on finding a free one. */
export const MAX_NAME_ATTEMPTS = 1000;

/** Candidate names for `name` (itself, then `name (1)`, …), at most {@link MAX_NAME_ATTEMPTS}. */
export function* boundedCandidates(name: string): Generator<string, void, undefined> {
  let count = 0;
  for (const candidate of candidateNames(name)) {
    if (count++ >= MAX_NAME_ATTEMPTS) return;
    yield candidate;
  }
}
