/**
 * The WopiUserInfoStore contract as jest tests. Run it against any user-info store:
 *
 * ```ts
 * import { describeWopiUserInfoStore } from 'express-wopi/testing';
 * describeWopiUserInfoStore('MyUserInfoStore', async () => {
 *   const store = new MyUserInfoStore(...);
 *   return { store, reopen: () => new MyUserInfoStore(...), cleanup: () => store.close() };
 * }, { persistent: true });
 * ```
 *
 * Every test uses user IDs of its own (a random suffix), so a store shared between tests (one
 * database) needs no clearing. For a store that keeps its values, declare `persistent` and give
 * `reopen`: the suite then checks that a second instance over the same data reads what the first
 * stored.
 */
import { randomBytes } from 'node:crypto';
import type { WopiUserInfoStore } from '../adapters/user-info';

/** A user-info store under test. */
export interface UserInfoFixture {
  store: WopiUserInfoStore;
  /**
   * Another instance over the same data, as a restarted process (or a second instance) would
   * open it. Required with {@link UserInfoSuiteOptions.persistent}.
   */
  reopen?(): WopiUserInfoStore | Promise<WopiUserInfoStore>;
  /** Called after each test (remove temporary folders, close connections). */
  cleanup?(): void | Promise<void>;
}

export interface UserInfoSuiteOptions {
  /**
   * The store keeps its values across instances and restarts (a folder, a database). Then the
   * fixture must give `reopen`, and the values are read back through it. Default false (a memory
   * store).
   */
  persistent?: boolean;
}

/** Texts PutUserInfo may store, each to be read back exactly. */
const TEXTS: Array<[string, string]> = [
  ['the empty string', ''],
  ['JSON', '{"theme":"dark","recent":["a.docx"],"n":1}'],
  ['Unicode (Cyrillic, CJK, emoji, a combining accent)', 'Отчёт 报告 📄 e\u0301'],
  ['1024 ASCII characters', 'x'.repeat(1024)],
  ['1024 emoji (4096 UTF-8 bytes)', '😀'.repeat(1024)],
  ['white space and line breaks', ' padded \n lines \r\n\t'],
];

/** Defines a `describe` block with the WopiUserInfoStore contract tests for the fixture `makeFixture` returns. */
export function describeWopiUserInfoStore(
  name: string,
  makeFixture: () => UserInfoFixture | Promise<UserInfoFixture>,
  options: UserInfoSuiteOptions = {},
): void {
  const persistent = options.persistent ?? false;

  describe(`WopiUserInfoStore contract: ${name}`, () => {
    let fx: UserInfoFixture;
    let store: WopiUserInfoStore;
    /** This test's user ID for `label`: the label with a suffix of its own, so tests never meet. */
    let user: (label: string) => string;

    beforeEach(async () => {
      fx = await makeFixture();
      store = fx.store;
      const run = randomBytes(6).toString('hex');
      user = (label) => `${label}@suite-${run}`;
    });
    afterEach(async () => {
      await fx?.cleanup?.();
    });

    test('is undefined for a user who never stored anything', async () => {
      expect(await store.getUserInfo(user('nobody'))).toBeUndefined();
    });

    test('returns what was stored last, per user', async () => {
      await store.putUserInfo(user('a'), 'first');
      await store.putUserInfo(user('a'), 'second, longer than the first');
      await store.putUserInfo(user('a'), 'third');
      await store.putUserInfo(user('b'), 'other');
      expect(await store.getUserInfo(user('a'))).toBe('third');
      expect(await store.getUserInfo(user('b'))).toBe('other');
    });

    test('an empty string is stored (present, not absent)', async () => {
      await store.putUserInfo(user('a'), 'something');
      await store.putUserInfo(user('a'), '');
      expect(await store.getUserInfo(user('a'))).toBe('');
    });

    test.each(TEXTS)('keeps %s exactly', async (_label, text) => {
      await store.putUserInfo(user('a'), text);
      expect(await store.getUserInfo(user('a'))).toBe(text);
    });

    test('compares user IDs exactly: case, white space, Unicode normalisation and prefixes matter', async () => {
      await store.putUserInfo(user('alice'), 'alice info');
      for (const other of ['Alice', 'ALICE', ' alice', 'alice ', 'alic', 'alice2']) {
        expect({ userId: other, value: await store.getUserInfo(user(other)) }).toEqual({ userId: other, value: undefined });
      }
      // "é" precomposed (NFC) and decomposed (NFD) are two users.
      await store.putUserInfo(user('jos\u00e9'), 'nfc');
      expect(await store.getUserInfo(user('jose\u0301'))).toBeUndefined();
      await store.putUserInfo(user('jose\u0301'), 'nfd');
      expect(await store.getUserInfo(user('jos\u00e9'))).toBe('nfc');
      expect(await store.getUserInfo(user('alice'))).toBe('alice info');
    });

    test.each([
      ['path-like', '../../etc/passwd'],
      ['with slashes and backslashes', 'a/b\\c'],
      ['an object key', '__proto__'],
      ['another object key', 'constructor'],
      ['an e-mail address', 'ada@example.com'],
      ['long', 'u'.repeat(1000)],
      ['Unicode', '用户 📄'],
    ])('a %s user ID is just a key', async (_label, id) => {
      await store.putUserInfo(user(id), `value of ${id}`);
      await store.putUserInfo(user('plain'), 'plain value');
      expect(await store.getUserInfo(user(id))).toBe(`value of ${id}`);
      expect(await store.getUserInfo(user('plain'))).toBe('plain value');
    });

    test("a user keeps their value through other users' changes", async () => {
      await store.putUserInfo(user('alice'), 'alice info');
      await store.putUserInfo(user('bob'), 'bob info');
      await store.putUserInfo(user('bob'), 'bob again');
      expect(await store.getUserInfo(user('alice'))).toBe('alice info');
      expect(await store.getUserInfo(user('bob'))).toBe('bob again');
    });

    test('concurrent puts for 50 users all land', async () => {
      const ids = Array.from({ length: 50 }, (_, i) => user(`u${i}`));
      await Promise.all(ids.map((id, i) => store.putUserInfo(id, `value ${i}`)));
      expect(await Promise.all(ids.map((id) => store.getUserInfo(id)))).toEqual(ids.map((_, i) => `value ${i}`));
    });

    test('concurrent puts for one user leave one whole value; reads meanwhile see a whole value', async () => {
      const values = Array.from({ length: 20 }, (_, i) => `${String.fromCharCode(65 + i)}`.repeat(1000 + i));
      await store.putUserInfo(user('a'), 'before');
      const reads: Array<Promise<string | undefined>> = [];
      await Promise.all(
        values.map((value) => {
          reads.push(store.getUserInfo(user('a')));
          return store.putUserInfo(user('a'), value);
        }),
      );
      for (const seen of await Promise.all(reads)) expect(['before', ...values]).toContain(seen);
      expect(values).toContain(await store.getUserInfo(user('a')));
    });

    if (persistent) {
      test('persistent: a second instance over the same data reads what the first stored', async () => {
        const reopen = fx.reopen;
        if (reopen === undefined) throw new Error("a persistent store's fixture must give reopen()");
        await store.putUserInfo(user('a'), 'kept é');
        await store.putUserInfo(user('b'), '');
        const again = await reopen();
        expect(await again.getUserInfo(user('a'))).toBe('kept é');
        expect(await again.getUserInfo(user('b'))).toBe('');
        expect(await again.getUserInfo(user('c'))).toBeUndefined();
        await again.putUserInfo(user('a'), 'changed by the second');
        expect(await (await reopen()).getUserInfo(user('a'))).toBe('changed by the second');
      });
    }
  });
}
