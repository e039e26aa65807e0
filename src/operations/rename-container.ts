import { optionalOperation } from './operation';
import { BadRequestError, InvalidTokenError, WopiError } from '../errors';
import { HEADER } from '../protocol/headers';
import { checkFileName } from '../protocol/file-name';
import { canRename } from '../protocol/permissions';
import { readNameHeader } from './name-headers';
import { emit } from '../event-dispatch';

/** Why a container name was refused (RenameContainer's 400), for the client's logs. */
const INVALID_CONTAINER_NAME = 'X-WOPI-InvalidContainerNameError';

/**
 * RenameContainer — `POST /containers/:id`, `X-WOPI-Override: RENAME_CONTAINER`: gives the
 * container exactly the UTF-7 name in `X-WOPI-RequestedName`, keeping its ID and the IDs of
 * everything in it. An illegal name is 400 with `X-WOPI-InvalidContainerNameError`; a name another
 * file or container in the same parent has is 409; a root keeps its name (400). Answers `{ Name }`.
 */
export const renameContainer = optionalOperation({
  name: 'RenameContainer',
  logName: 'rename-container',
  requiresWrite: true,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    if (!canRename(ctx.user)) throw new InvalidTokenError('Access token does not grant renaming');
    const invalidName = (reason: string): Record<string, string> => ({ [INVALID_CONTAINER_NAME]: reason });
    const requested = readNameHeader(ctx, HEADER.requestedName, invalidName);
    if (requested === undefined) {
      throw new BadRequestError(`${HEADER.requestedName} is required`, { headers: invalidName('No name given') });
    }
    const legal = checkFileName(requested);
    if (!legal.ok) throw new BadRequestError(legal.reason, { headers: invalidName(legal.reason) });
    let renamed: Awaited<ReturnType<typeof containers.renameContainer>>;
    try {
      renamed = await containers.renameContainer(ctx.containerId, requested);
    } catch (err) {
      // The storage's 400 (a root keeps its name) carries the reason header like the router's own.
      if (WopiError.is(err, 'WOPI_BAD_REQUEST')) throw new BadRequestError(err.message, { headers: invalidName(err.message) });
      throw err;
    }
    ctx.log('renamed container %s to %s', ctx.containerId, renamed.name);
    emit(ctx, 'renamed', { containerId: ctx.containerId, name: renamed.name });
    return { json: { Name: renamed.name } };
  },
});
