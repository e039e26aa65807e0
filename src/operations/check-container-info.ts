import { optionalOperation } from './operation';
import { canCreate, canRename, canWrite } from '../protocol/permissions';

/**
 * CheckContainerInfo — `GET /containers/:id`: the container's name and what the user may do in
 * it. A root container can be neither renamed nor deleted, and one the storage says is not
 * `renamable` cannot be renamed. The `checkContainerInfo` hook adds or
 * overrides properties (`HostUrl`, `SharingUrl`, breadcrumbs).
 */
export const checkContainerInfo = optionalOperation({
  name: 'CheckContainerInfo',
  logName: 'check-container-info',
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    const { user, containerId, req } = ctx;
    const container = await containers.getContainerInfo(containerId);
    const isRoot = container.parentId === null;
    const info: Record<string, unknown> = {
      Name: container.name,
      UserCanCreateChildContainer: canCreate(user),
      UserCanCreateChildFile: canCreate(user),
      UserCanDelete: !isRoot && canWrite(user),
      UserCanRename: !isRoot && container.renamable !== false && canRename(user),
      // No licensing checks and no education accounts on this host; Office's native clients
      // compare these between a container and what is created in it.
      IsEduUser: false,
      LicenseCheckForEditIsEnabled: false,
    };
    const { shareUrls, checkContainerInfo: hook } = ctx.options;
    if (shareUrls !== undefined) info.SupportedShareUrlTypes = [...shareUrls.types];
    if (container.parentId !== null) {
      info.BreadcrumbFolderName = (await containers.getContainerInfo(container.parentId)).name;
    }
    const extra = hook ? await hook({ req, containerId, container, user }) : undefined;
    return { json: extra === undefined ? info : { ...info, ...extra } };
  },
});
