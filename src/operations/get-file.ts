import type { WopiOperation } from './operation';
import { BadRequestError, PreconditionFailedError } from '../errors';
import { HEADER } from '../protocol/headers';
import { parseSizeHeader } from '../protocol/sizes';

/**
 * GetFile — `GET /files/:id/contents`: streams the content; 412 above `X-WOPI-MaxExpectedSize`.
 *
 * `HEAD` gets the same status and headers from `storage.getFileInfo` alone: the content is never
 * opened, so a probe costs one metadata lookup, not a file handle and a read.
 */
export const getFile: WopiOperation = {
  name: 'GetFile',
  logName: 'get-file',
  requiresWrite: false,
  async run(ctx) {
    const maxExpected = parseSizeHeader(ctx.header(HEADER.maxExpectedSize));
    if (maxExpected === null) throw new BadRequestError(`${HEADER.maxExpectedSize} is not a valid size`);
    if (ctx.req.method === 'HEAD') {
      const info = await ctx.options.storage.getFileInfo(ctx.fileId);
      if (maxExpected !== undefined && info.size > maxExpected) throw tooLarge();
      return { contentLength: info.size, headers: { [HEADER.itemVersion]: info.version } };
    }
    const { info, stream } = await ctx.options.storage.readFile(ctx.fileId);
    if (maxExpected !== undefined && info.size > maxExpected) {
      stream.destroy();
      throw tooLarge();
    }
    return { stream, contentLength: info.size, headers: { [HEADER.itemVersion]: info.version } };
  },
};

function tooLarge(): PreconditionFailedError {
  return new PreconditionFailedError(`File is larger than ${HEADER.maxExpectedSize}`);
}
