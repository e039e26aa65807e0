/**
 * Test helpers: an Express app around createWopiRouter with in-memory adapters by default, and
 * token minting.
 */
import express from 'express';
import { createWopiRouter, JwtAuth, MemoryLockStore, MemoryStorage, type WopiRouterOptions, type WopiPermissions } from '../../src';

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export interface TestApp {
  app: express.Express;
  storage: WopiRouterOptions['storage'];
  locks: MemoryLockStore;
  auth: JwtAuth;
  /** A token for `fileId`; writable unless `permissions` say otherwise. */
  token(fileId: string, permissions?: WopiPermissions, userId?: string): Promise<string>;
}

export function createApp(overrides: Partial<WopiRouterOptions> & { mountPath?: string } = {}): TestApp {
  const { mountPath = '/wopi', ...options } = overrides;
  const storage = options.storage ?? new MemoryStorage();
  const locks = (options.locks as MemoryLockStore | undefined) ?? new MemoryLockStore();
  const auth = new JwtAuth({ secret: TEST_SECRET });
  const app = express();
  app.use(mountPath, createWopiRouter({ auth, ...options, storage, locks }));
  return {
    app,
    storage,
    locks,
    auth,
    token: async (fileId, permissions = { write: true }, userId = 'u1') =>
      (await auth.issueToken({ fileId, userId, userFriendlyName: 'Ada', permissions })).accessToken,
  };
}
