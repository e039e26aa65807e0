import { optionalOperation } from './operation';
import { BadRequestError } from '../errors';
import { readTextBody } from './request-body';

/** Longest UserInfo WOPI allows, in characters. */
export const MAX_USER_INFO_LENGTH = 1024;

/**
 * PutUserInfo — `X-WOPI-Override: PUT_USER_INFO`: stores the body (at most 1024 characters) for
 * the calling user in the `userInfo` store; CheckFileInfo returns it to that user as `UserInfo`.
 */
export const putUserInfo = optionalOperation({
  name: 'PutUserInfo',
  logName: 'put-user-info',
  requiresWrite: false,
  handle: (options) => options.userInfo,
  async run(ctx, userInfo) {
    await ctx.options.storage.getFileInfo(ctx.fileId);
    // UTF-8 needs at most 4 bytes per character: a longer body cannot be 1024 characters.
    const text = await readTextBody(ctx, MAX_USER_INFO_LENGTH * 4);
    if ([...text].length > MAX_USER_INFO_LENGTH) {
      throw new BadRequestError(`UserInfo is longer than ${MAX_USER_INFO_LENGTH} characters`);
    }
    await userInfo.putUserInfo(ctx.user.userId, text);
    return {};
  },
});
