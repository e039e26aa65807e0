import { optionalOperation } from './operation';
import { emit } from '../event-dispatch';

/**
 * DeleteContainer — `POST /containers/:id`, `X-WOPI-Override: DELETE_CONTAINER`: removes an empty
 * container. One that still holds files or containers (or a root) is 409; a deleted or unknown
 * one is 404.
 */
export const deleteContainer = optionalOperation({
  name: 'DeleteContainer',
  logName: 'delete-container',
  requiresWrite: true,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    await containers.deleteContainer(ctx.containerId);
    ctx.log('deleted container %s', ctx.containerId);
    emit(ctx, 'deleted', { containerId: ctx.containerId });
    return {};
  },
});
