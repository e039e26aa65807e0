import type { WopiOperation } from './operation';
import { BadRequestError, PreconditionFailedError } from '../errors';
import { HEADER } from '../protocol/headers';
import { parseSizeHeader } from '../protocol/sizes';

/** GetFile — `GET /files/:id/contents`: streams the content; 412 above `X-WOPI-MaxExpectedSize`. */
export const getFile: WopiOperation = {
  name: 'GetFile',
  logName: 'get-file',
  requiresWrite: false,
  async run(ctx) {
    const maxExpected = parseSizeHeader(ctx.header(HEADER.maxExpectedSize));
    if (maxExpected === null) throw new BadRequestError(`${HEADER.maxExpectedSize} is not a valid size`);
    const { info, stream } = await ctx.options.storage.readFile(ctx.fileId);
    if (maxExpected !== undefined && info.size > maxExpected) {
      stream.destroy();
      throw new PreconditionFailedError(`File is larger than ${HEADER.maxExpectedSize}`);
    }
    return { stream, contentLength: info.size, headers: { [HEADER.itemVersion]: info.version } };
  },
};
