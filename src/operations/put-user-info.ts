import type { WopiOperation } from './operation';
import type { WopiStorage } from '../adapters/storage';
import { BadRequestError } from '../errors';
import { readTextBody } from './request-body';

type UserInfoStorage = WopiStorage & Required<Pick<WopiStorage, 'putUserInfo' | 'getUserInfo'>>;

/** Longest UserInfo WOPI allows, in characters. */
export const MAX_USER_INFO_LENGTH = 1024;

/**
 * PutUserInfo — `X-WOPI-Override: PUT_USER_INFO`: stores the body (at most 1024 characters) for
 * the calling user; CheckFileInfo returns it to that user as `UserInfo`.
 */
export const putUserInfo: WopiOperation = {
  name: 'PutUserInfo',
  logName: 'put-user-info',
  requiresWrite: false,
  isSupported: (options) => options.capabilities.userInfo,
  async run(ctx) {
    const storage = ctx.options.storage as UserInfoStorage;
    await storage.getFileInfo(ctx.fileId);
    // UTF-8 needs at most 4 bytes per character: a longer body cannot be 1024 characters.
    const userInfo = await readTextBody(ctx, MAX_USER_INFO_LENGTH * 4);
    if ([...userInfo].length > MAX_USER_INFO_LENGTH) {
      throw new BadRequestError(`UserInfo is longer than ${MAX_USER_INFO_LENGTH} characters`);
    }
    await storage.putUserInfo(ctx.user.userId, userInfo);
    return {};
  },
};
