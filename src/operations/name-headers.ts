/**
 * Reading file names out of WOPI headers (UTF-7 encoded) and finding a free name next to a file:
 * the steps PutRelativeFile and RenameFile share.
 */
import type { WopiContext } from '../context';
import { BadRequestError, NotImplementedError } from '../errors';
import { HEADER } from '../protocol/headers';
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

/**
 * The target of a create (PutRelativeFile, CreateChildFile, CreateChildContainer): exactly one of
 * `X-WOPI-SuggestedTarget` (suggested mode: the host makes the name legal and free) and
 * `X-WOPI-RelativeTarget` (specific mode: that name or an error), UTF-7 decoded. Both at once is
 * 501, as WOPI specifies; neither is 400.
 */
export function readTargetHeaders(ctx: WopiContext): { mode: 'suggested' | 'relative'; name: string } {
  const suggested = readNameHeader(ctx, HEADER.suggestedTarget);
  const relative = readNameHeader(ctx, HEADER.relativeTarget);
  if (suggested !== undefined && relative !== undefined) {
    throw new NotImplementedError(`${HEADER.suggestedTarget} and ${HEADER.relativeTarget} are mutually exclusive`);
  }
  if (relative !== undefined) return { mode: 'relative', name: relative };
  if (suggested !== undefined) return { mode: 'suggested', name: suggested };
  throw new BadRequestError(`${HEADER.suggestedTarget} or ${HEADER.relativeTarget} is required`);
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
