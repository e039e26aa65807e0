import type { WopiOperation } from './operation';
import { buildCheckFileInfo } from '../protocol/check-file-info';
import { fileContentUrl } from './resource-urls';

/** CheckFileInfo — `GET /files/:id`: file metadata, the user's permissions, the host's capabilities. */
export const checkFileInfo: WopiOperation = {
  name: 'CheckFileInfo',
  logName: 'check-file-info',
  requiresWrite: false,
  async run(ctx) {
    const { storage, userInfo: userInfoStore, capabilities, checkFileInfo: hook, hostUrls } = ctx.options;
    const { req, fileId, user } = ctx;
    // Both at once (with a storage on disk, each is a trip to the file system), but the file
    // decides first: an unknown file is 404 whatever happens to the user info.
    const pendingUserInfo = userInfoStore ? (async () => userInfoStore.getUserInfo(user.userId))() : undefined;
    pendingUserInfo?.catch(() => undefined);
    const file = await storage.getFileInfo(fileId);
    const info = buildCheckFileInfo(file, user, capabilities);
    const { fileUrlTtlSeconds } = ctx.options;
    if (fileUrlTtlSeconds !== undefined) info.FileUrl = await fileContentUrl(ctx, fileId, fileUrlTtlSeconds);
    const userInfo = await pendingUserInfo;
    if (userInfo !== undefined) info.UserInfo = userInfo;
    const urls = hostUrls ? await hostUrls({ req, fileId, name: file.name, user }) : undefined;
    const extra = hook ? await hook({ req, fileId, file, user }) : undefined;
    return { json: urls === undefined && extra === undefined ? info : { ...info, ...urls, ...extra } };
  },
};
