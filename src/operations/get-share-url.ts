import type { WopiContext, WopiResult } from '../context';
import type { WopiShareUrls, WopiShareUrlType } from '../options';
import { optionalOperation } from './operation';
import { InternalServerError, NotImplementedError } from '../errors';

/** `X-WOPI-UrlType`. */
const URL_TYPE_HEADER = 'X-WOPI-UrlType';

/**
 * GetShareUrl — `POST /files/:id` or `POST /containers/:id`, `X-WOPI-Override: GET_SHARE_URL`:
 * `{ ShareUrl }` of the type `X-WOPI-UrlType` names (`ReadOnly`, `ReadWrite`), from the host's
 * `shareUrls.url`. A type the host does not list in `shareUrls.types` is 501, as WOPI specifies.
 */
export const getFileShareUrl = optionalOperation({
  name: 'GetShareUrl',
  logName: 'get-share-url',
  requiresWrite: false,
  handle: (options) => options.shareUrls,
  async run(ctx, shareUrls) {
    const urlType = requestedType(ctx, shareUrls);
    await ctx.options.storage.getFileInfo(ctx.fileId);
    return answer(ctx, shareUrls, { type: 'file', fileId: ctx.fileId }, urlType);
  },
});

export const getContainerShareUrl = optionalOperation({
  name: 'GetShareUrl',
  logName: 'get-share-url',
  requiresWrite: false,
  resource: 'container',
  handle: ({ shareUrls, containers }) => (shareUrls && containers ? { shareUrls, containers } : undefined),
  async run(ctx, { shareUrls, containers }) {
    const urlType = requestedType(ctx, shareUrls);
    await containers.getContainerInfo(ctx.containerId);
    return answer(ctx, shareUrls, { type: 'container', containerId: ctx.containerId }, urlType);
  },
});

function requestedType(ctx: WopiContext, shareUrls: WopiShareUrls): WopiShareUrlType {
  const value = (ctx.header(URL_TYPE_HEADER) ?? '').trim();
  const type = shareUrls.types.find((t) => t === value);
  if (type === undefined) throw new NotImplementedError(`This host makes no share URL of type ${JSON.stringify(value.slice(0, 40))}`);
  return type;
}

async function answer(
  ctx: WopiContext,
  shareUrls: WopiShareUrls,
  target: { type: 'file'; fileId: string } | { type: 'container'; containerId: string },
  urlType: WopiShareUrlType,
): Promise<WopiResult> {
  const url = await shareUrls.url({ req: ctx.req, target, urlType, user: ctx.user });
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/i.test(url)) {
    throw new InternalServerError('shareUrls.url did not return an absolute http(s) URL');
  }
  return { json: { ShareUrl: url } };
}
