/**
 * The WopiLockStore contract as jest tests. Run it against any lock store:
 *
 * ```ts
 * import { describeWopiLockStore } from 'express-wopi/testing';
 * describeWopiLockStore('MyLockStore', () => new MyLockStore(...));
 * ```
 *
 * Expiry is tested with real time and short lifetimes (a few hundred milliseconds), so the store
 * must honour any `ttlMs` it is given.
 *
 * What the suite expects of its surroundings: jest's globals (call it at the top level of a jest
 * test file); `makeStore` runs before every test, and each test uses a file ID of its own (random),
 * so a shared backend (one Redis, one table) needs no clearing between tests, but should get a
 * key prefix of its own per run; `cleanup` runs after each test with the store it used.
 */
import { randomBytes } from 'node:crypto';
import type { WopiLockStore } from '../adapters/locks';
import { MAX_LOCK_ID_LENGTH } from '../protocol/lock-id';

export interface LockSuiteOptions {
  /** Called after each test with the store it used (close connections, clear keys). */
  cleanup?: (store: WopiLockStore) => void | Promise<void>;
  /** Lifetime used by the expiry tests, in ms. Default 300. */
  shortTtlMs?: number;
  /** How many concurrent requests the race tests send. Default 50. */
  concurrency?: number;
}

const LONG_TTL = 60_000;

/** Defines a `describe` block with the WopiLockStore contract tests for the store `makeStore` returns. */
export function describeWopiLockStore(
  name: string,
  makeStore: () => WopiLockStore | Promise<WopiLockStore>,
  options: LockSuiteOptions = {},
): void {
  const shortTtl = options.shortTtlMs ?? 300;
  const concurrency = options.concurrency ?? 50;

  describe(`WopiLockStore contract: ${name}`, () => {
    let store: WopiLockStore;
    let fileId: string;

    beforeEach(async () => {
      store = await makeStore();
      // A fresh file ID per test, so tests never see each other's locks in a shared store.
      fileId = `suite-${randomBytes(8).toString('hex')}`;
    });
    afterEach(async () => {
      await options.cleanup?.(store);
    });

    describe('getLock', () => {
      test('is null for a file that was never locked', async () => {
        expect(await store.getLock(fileId)).toBeNull();
      });
      test('returns the lock ID exactly as it was set', async () => {
        const lockId = '{"S":"0136ad16","E":2,"M":"DE997C5AC4E6"} with spaces ';
        await store.lock(fileId, lockId, LONG_TTL);
        expect(await store.getLock(fileId)).toBe(lockId);
      });
    });

    describe('lock', () => {
      test('locks an unlocked file', async () => {
        expect(await store.lock(fileId, 'A', LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe('A');
      });
      test('accepts the same lock ID again (a refresh)', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.lock(fileId, 'A', LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe('A');
      });
      test('refuses another lock ID and reports the current one', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.lock(fileId, 'B', LONG_TTL)).toEqual({ ok: false, currentLockId: 'A' });
        expect(await store.getLock(fileId)).toBe('A');
      });
      test('compares lock IDs exactly (case and white space matter)', async () => {
        await store.lock(fileId, 'abc', LONG_TTL);
        expect(await store.lock(fileId, 'ABC', LONG_TTL)).toEqual({ ok: false, currentLockId: 'abc' });
        expect(await store.lock(fileId, 'abc ', LONG_TTL)).toEqual({ ok: false, currentLockId: 'abc' });
      });
      test(`holds lock IDs of ${MAX_LOCK_ID_LENGTH} characters`, async () => {
        const long = `${'x'.repeat(MAX_LOCK_ID_LENGTH - 1)}y`;
        expect(await store.lock(fileId, long, LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe(long);
        expect(await store.lock(fileId, 'x'.repeat(MAX_LOCK_ID_LENGTH), LONG_TTL)).toEqual({ ok: false, currentLockId: long });
      });
      test('keeps the locks of different files apart', async () => {
        const other = `${fileId}-other`;
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.lock(other, 'B', LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe('A');
        expect(await store.getLock(other)).toBe('B');
        await store.unlock(other, 'B');
      });
    });

    describe('refreshLock', () => {
      test('refuses on an unlocked file, reporting no lock', async () => {
        expect(await store.refreshLock(fileId, 'A', LONG_TTL)).toEqual({ ok: false, currentLockId: null });
        expect(await store.getLock(fileId)).toBeNull();
      });
      test('refuses another lock ID and reports the current one', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.refreshLock(fileId, 'B', LONG_TTL)).toEqual({ ok: false, currentLockId: 'A' });
      });
      test('accepts the current lock ID', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.refreshLock(fileId, 'A', LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe('A');
      });
    });

    describe('unlock', () => {
      test('releases the current lock', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.unlock(fileId, 'A')).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBeNull();
        expect(await store.lock(fileId, 'B', LONG_TTL)).toEqual({ ok: true });
      });
      test('refuses on an unlocked file, reporting no lock', async () => {
        expect(await store.unlock(fileId, 'A')).toEqual({ ok: false, currentLockId: null });
      });
      test('refuses another lock ID and keeps the lock', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.unlock(fileId, 'B')).toEqual({ ok: false, currentLockId: 'A' });
        expect(await store.getLock(fileId)).toBe('A');
      });
    });

    describe('unlockAndRelock', () => {
      test('swaps the current lock for a new one', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.unlockAndRelock(fileId, 'A', 'B', LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe('B');
        expect(await store.unlock(fileId, 'A')).toEqual({ ok: false, currentLockId: 'B' });
      });
      test('refuses on an unlocked file and does not lock it', async () => {
        expect(await store.unlockAndRelock(fileId, 'A', 'B', LONG_TTL)).toEqual({ ok: false, currentLockId: null });
        expect(await store.getLock(fileId)).toBeNull();
      });
      test('refuses when the old lock ID does not match, keeping the lock', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        expect(await store.unlockAndRelock(fileId, 'X', 'B', LONG_TTL)).toEqual({ ok: false, currentLockId: 'A' });
        expect(await store.getLock(fileId)).toBe('A');
      });
    });

    describe('expiry', () => {
      test('a lock disappears once its lifetime has passed', async () => {
        await store.lock(fileId, 'A', shortTtl);
        expect(await store.getLock(fileId)).toBe('A');
        await sleep(shortTtl * 2);
        expect(await store.getLock(fileId)).toBeNull();
        expect(await store.lock(fileId, 'B', LONG_TTL)).toEqual({ ok: true });
      });
      test('an expired lock cannot be refreshed or released', async () => {
        await store.lock(fileId, 'A', shortTtl);
        await sleep(shortTtl * 2);
        expect(await store.refreshLock(fileId, 'A', LONG_TTL)).toEqual({ ok: false, currentLockId: null });
        expect(await store.unlock(fileId, 'A')).toEqual({ ok: false, currentLockId: null });
      });
      test('refreshLock gives the lock a new lifetime', async () => {
        await store.lock(fileId, 'A', shortTtl);
        await sleep(shortTtl / 2);
        expect(await store.refreshLock(fileId, 'A', shortTtl * 4)).toEqual({ ok: true });
        await sleep(shortTtl);
        expect(await store.getLock(fileId)).toBe('A');
      });
      test('lock with the same ID gives the lock a new lifetime', async () => {
        await store.lock(fileId, 'A', shortTtl);
        await sleep(shortTtl / 2);
        await store.lock(fileId, 'A', shortTtl * 4);
        await sleep(shortTtl);
        expect(await store.getLock(fileId)).toBe('A');
      });
      test('unlockAndRelock gives the new lock a fresh lifetime', async () => {
        await store.lock(fileId, 'A', shortTtl);
        await sleep(shortTtl / 2);
        await store.unlockAndRelock(fileId, 'A', 'B', shortTtl * 4);
        await sleep(shortTtl);
        expect(await store.getLock(fileId)).toBe('B');
      });
    });

    describe('concurrency', () => {
      test(`of ${concurrency} concurrent locks with different IDs exactly one wins`, async () => {
        const ids = Array.from({ length: concurrency }, (_, i) => `contender-${i}`);
        const outcomes = await Promise.all(ids.map((id) => store.lock(fileId, id, LONG_TTL)));
        const winners = ids.filter((_, i) => outcomes[i]?.ok);
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes) {
          if (!outcome.ok) expect(outcome.currentLockId).toBe(winners[0]);
        }
        expect(await store.getLock(fileId)).toBe(winners[0]);
      });
      test(`of ${concurrency} concurrent swaps from the same lock exactly one wins`, async () => {
        await store.lock(fileId, 'old', LONG_TTL);
        const ids = Array.from({ length: concurrency }, (_, i) => `new-${i}`);
        const outcomes = await Promise.all(ids.map((id) => store.unlockAndRelock(fileId, 'old', id, LONG_TTL)));
        const winners = ids.filter((_, i) => outcomes[i]?.ok);
        expect(winners).toHaveLength(1);
        expect(await store.getLock(fileId)).toBe(winners[0]);
      });
      test(`of ${concurrency} concurrent unlocks of the same lock exactly one succeeds`, async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        const outcomes = await Promise.all(Array.from({ length: concurrency }, () => store.unlock(fileId, 'A')));
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(await store.getLock(fileId)).toBeNull();
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
