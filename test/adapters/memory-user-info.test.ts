/**
 * MemoryUserInfoStore beyond the published contract (test/adapters/compliance.test.ts): values
 * belong to one instance, and a user ID is just a key of a Map.
 */
import { MemoryUserInfoStore } from '../../src';

describe('MemoryUserInfoStore', () => {
  test('each instance has its own values', async () => {
    const a = new MemoryUserInfoStore();
    await a.putUserInfo('alice', 'prefs');
    expect(await a.getUserInfo('alice')).toBe('prefs');
    expect(await new MemoryUserInfoStore().getUserInfo('alice')).toBeUndefined();
  });

  test('object keys such as __proto__ and hasOwnProperty are users like any other', async () => {
    const s = new MemoryUserInfoStore();
    expect(await s.getUserInfo('hasOwnProperty')).toBeUndefined();
    await s.putUserInfo('__proto__', 'x');
    expect(await s.getUserInfo('__proto__')).toBe('x');
    expect(await s.getUserInfo('constructor')).toBeUndefined();
  });
});
