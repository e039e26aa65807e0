import type { WopiOperation } from './operation';
import { buildCheckFileInfo, type HostCapabilities } from '../protocol/check-file-info';

/** Operations this release implements beyond the core set; all are answered 501 for now. */
const CAPABILITIES: HostCapabilities = { rename: false, deleteFile: false, putRelative: false, userInfo: false };

/** CheckFileInfo — `GET /files/:id`: file metadata, the user's permissions, the host's capabilities. */
export const checkFileInfo: WopiOperation = {
  name: 'CheckFileInfo',
  logName: 'check-file-info',
  requiresWrite: false,
  async run(ctx) {
    const { storage, checkFileInfo: hook } = ctx.options;
    const file = await storage.getFileInfo(ctx.fileId);
    const info = buildCheckFileInfo(file, ctx.user, CAPABILITIES);
    const extra = hook ? await hook({ req: ctx.req, fileId: ctx.fileId, file, user: ctx.user }) : undefined;
    return { json: extra ? { ...info, ...extra } : info };
  },
};
