import type { WopiContext, WopiResult } from '../context';
import { optionalOperation } from './operation';
import { InternalServerError } from '../errors';
import type { WopiContainerStorage } from '../adapters/storage';
import { type ContainerPointer, containerPointer } from './resource-urls';

/** Deepest container tree walked up before the storage's parent links are taken to be a cycle. */
export const MAX_CONTAINER_DEPTH = 256;

/**
 * EnumerateAncestors — `GET /files/:id/ancestry` and `GET /containers/:id/ancestry`: the
 * containers above a file (its own container last) or above a container (its parent last), root
 * first, each as `{ Name, Url }` with a container token. A root container has none.
 */
export const enumerateFileAncestors = optionalOperation({
  name: 'EnumerateAncestors',
  logName: 'enumerate-ancestors',
  requiresWrite: false,
  handle: (options) => options.containers,
  async run(ctx, containers) {
    const parentId = await containers.getFileContainerId(ctx.fileId);
    return ancestors(ctx, containers, parentId);
  },
});

export const enumerateContainerAncestors = optionalOperation({
  name: 'EnumerateAncestors',
  logName: 'enumerate-ancestors',
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers) {
    const { parentId } = await containers.getContainerInfo(ctx.containerId);
    return ancestors(ctx, containers, parentId);
  },
});

/** `{ AncestorsWithRootFirst }` from `startId` (included) up to the root. */
async function ancestors(ctx: WopiContext, containers: WopiContainerStorage, startId: string | null): Promise<WopiResult> {
  const chain: Array<{ id: string; name: string }> = [];
  for (let id = startId; id !== null; ) {
    if (chain.length >= MAX_CONTAINER_DEPTH) {
      throw new InternalServerError(`The storage's containers are nested deeper than ${MAX_CONTAINER_DEPTH} (a cycle?)`);
    }
    const info = await containers.getContainerInfo(id);
    chain.push({ id, name: info.name });
    id = info.parentId;
  }
  chain.reverse();
  const pointers: ContainerPointer[] = await Promise.all(chain.map(({ id, name }) => containerPointer(ctx, id, name)));
  return { json: { AncestorsWithRootFirst: pointers } };
}
