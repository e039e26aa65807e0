import type { WopiOperation } from './operation';
import { buildCheckFileInfo } from '../protocol/check-file-info';

/** CheckFileInfo — `GET /files/:id`: file metadata, the user's permissions, the host's capabilities. */
export const checkFileInfo: WopiOperation = {
  name: 'CheckFileInfo',
  logName: 'check-file-info',
  requiresWrite: false,
  async run(ctx) {
    const { storage, capabilities, checkFileInfo: hook, hostUrls } = ctx.options;
    const { req, fileId, user } = ctx;
    const file = await storage.getFileInfo(fileId);
    const info = buildCheckFileInfo(file, user, capabilities);
    if (capabilities.userInfo) {
      const userInfo = await storage.getUserInfo?.(user.userId);
      if (userInfo !== undefined) info.UserInfo = userInfo;
    }
    const urls = hostUrls ? await hostUrls({ req, fileId, name: file.name, user }) : undefined;
    const extra = hook ? await hook({ req, fileId, file, user }) : undefined;
    return { json: { ...info, ...urls, ...extra } };
  },
};
