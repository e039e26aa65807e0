import type { WopiUserInfoStore } from './user-info';

/**
 * User info held in this process's memory: for tests, demos and a single process whose users may
 * lose their editor settings on restart. **Single process, not persistent**: several instances
 * each have their own values, and a restart forgets them all. Use `FileSystemUserInfoStore` (or
 * your database) to keep them.
 *
 * Values are kept per exact user ID in a `Map` (a user ID such as `__proto__` is just a key), and
 * every call completes within one event-loop turn, so a PutUserInfo is seen by the next
 * CheckFileInfo at once. Nothing is ever evicted: one entry per user who stored something.
 */
export class MemoryUserInfoStore implements WopiUserInfoStore {
  private readonly values = new Map<string, string>();

  async getUserInfo(userId: string): Promise<string | undefined> {
    return this.values.get(userId);
  }

  async putUserInfo(userId: string, userInfo: string): Promise<void> {
    this.values.set(userId, userInfo);
  }
}
