import { optionalOperation } from './operation';
import { containerPointer } from './resource-urls';

/**
 * GetRootContainer — `GET /ecosystem/root_container_pointer`: `{ ContainerPointer: { Name, Url } }`,
 * the root container the calling user browses from.
 */
export const getRootContainer = optionalOperation({
  name: 'GetRootContainer',
  logName: 'get-root-container',
  requiresWrite: false,
  resource: 'ecosystem',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    const rootId = await containers.getRootContainerId(ctx.user.userId);
    const root = await containers.getContainerInfo(rootId);
    return { json: { ContainerPointer: await containerPointer(ctx, rootId, root.name) } };
  },
});
