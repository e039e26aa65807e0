import { optionalOperation } from './operation';
import { BadRequestError, InvalidTokenError } from '../errors';
import { candidateContainerNames, checkFileName, repairFileName } from '../protocol/file-name';
import { canCreate } from '../protocol/permissions';
import { readTargetHeaders, MAX_NAME_ATTEMPTS } from './name-headers';
import { containerPointer } from './resource-urls';

/**
 * CreateChildContainer — `POST /containers/:id`, `X-WOPI-Override: CREATE_CHILD_CONTAINER`: a new,
 * empty container inside this one. `X-WOPI-SuggestedTarget` is made legal and free (never 400 or
 * 409); `X-WOPI-RelativeTarget` is used exactly: illegal 400, taken 409. Both at once: 501;
 * neither: 400. Answers `{ ContainerPointer: { Name, Url } }`.
 */
export const createChildContainer = optionalOperation({
  name: 'CreateChildContainer',
  logName: 'create-child-container',
  // Creating needs `create` (default: `write`), checked below, as for PutRelativeFile.
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    if (!canCreate(ctx.user)) throw new InvalidTokenError('Access token does not grant creating in this container');
    const target = readTargetHeaders(ctx);
    let candidates: Iterable<string>;
    if (target.mode === 'relative') {
      const legal = checkFileName(target.name);
      if (!legal.ok) throw new BadRequestError(legal.reason);
      candidates = [target.name];
    } else {
      candidates = bounded(candidateContainerNames(repairFileName(target.name, 'New folder')));
    }
    const created = await containers.createChildContainer(ctx.containerId, candidates);
    ctx.log('created container %s as %s', created.containerId, created.info.name);
    return { json: { ContainerPointer: await containerPointer(ctx, created.containerId, created.info.name) } };
  },
});

function* bounded(names: Iterable<string>): Generator<string, void, undefined> {
  let count = 0;
  for (const name of names) {
    if (count++ >= MAX_NAME_ATTEMPTS) return;
    yield name;
  }
}
