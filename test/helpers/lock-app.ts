/** The app the lock operation tests start from: one file, a writable token, a lock store on a FakeClock. */
import { MemoryLockStore, type WopiStorage, type WopiUserInfoStore } from '../../src';
import { createApp } from './create-app';
import { FakeClock } from './fake-clock';

/**
 * An app around `fixture.storage` with a MemoryLockStore on a {@link FakeClock}, one file
 * (`report.docx`) and a writable token for it.
 */
export async function setupLockApp(
  fixture: { storage: WopiStorage; userInfo?: WopiUserInfoStore; addFile(name: string, content?: Buffer | string): Promise<string> },
  options: { lockTtlMs?: number; content?: string } = {},
) {
  const clock = new FakeClock();
  const locks = new MemoryLockStore({ now: clock.now });
  const fileId = await fixture.addFile('report.docx', options.content ?? 'content');
  const app = createApp({
    storage: fixture.storage,
    locks,
    ...(fixture.userInfo === undefined ? {} : { userInfo: fixture.userInfo }),
    ...(options.lockTtlMs === undefined ? {} : { lockTtlMs: options.lockTtlMs }),
  });
  const t = await app.token(fileId);
  return { ...app, clock, fileId, t };
}
