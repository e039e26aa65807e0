import type { WopiContext, WopiResult } from '../context';
import type { WopiContainerStorage } from '../adapters/storage';
import { optionalOperation } from './operation';
import { ecosystemUrl } from './resource-urls';

/**
 * GetEcosystem — `GET /files/:id/ecosystem_pointer` and `GET /containers/:id/ecosystem_pointer`:
 * `{ Url }`, the ecosystem endpoint with a token for the calling user. The file or container
 * must exist (404 otherwise).
 */
export const getFileEcosystem = optionalOperation({
  name: 'GetEcosystem',
  logName: 'get-ecosystem',
  requiresWrite: false,
  handle: (options) => options.containers,
  async run(ctx) {
    await ctx.options.storage.getFileInfo(ctx.fileId);
    return pointer(ctx);
  },
});

export const getContainerEcosystem = optionalOperation({
  name: 'GetEcosystem',
  logName: 'get-ecosystem',
  requiresWrite: false,
  resource: 'container',
  handle: (options) => options.containers,
  async run(ctx, containers: WopiContainerStorage) {
    await containers.getContainerInfo(ctx.containerId);
    return pointer(ctx);
  },
});

async function pointer(ctx: WopiContext): Promise<WopiResult> {
  return { json: { Url: await ecosystemUrl(ctx) } };
}
