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
 * Optional parts are tested for the capabilities you declare, and declaring one the store does not
 * have fails, as does having one you did not declare:
 *
 * - `admin`: `inspectLock` and `forceUnlock`;
 * - `list`: `listLocks`;
 * - `officeLockIds`: the store compares lock IDs with `lockIdComparison: 'office'`. A store that
 *   offers both comparisons runs the suite twice, once as configured for each:
 *
 * ```ts
 * describeWopiLockStore('MyLockStore', () => new MyLockStore(...), { capabilities: ['admin', 'list'] });
 * describeWopiLockStore('MyLockStore (office)', () => new MyLockStore({ lockIdComparison: 'office' }), {
 *   capabilities: ['admin', 'list', 'officeLockIds'],
 * });
 * ```
 *
 * What the suite expects of its surroundings: jest's globals (call it at the top level of a jest
 * test file); `makeStore` runs before every test, and each test uses a file ID of its own (random),
 * so a shared backend (one Redis, one table) needs no clearing between tests, but should get a
 * key prefix of its own per run; `cleanup` runs after each test with the store it used.
 */
import { randomBytes } from 'node:crypto';
import type { WopiListedLock, WopiLockInfo, WopiLockStore } from '../adapters/locks';
import { MAX_LOCK_ID_LENGTH } from '../protocol/lock-id';

/** Optional lock store capabilities (see above). */
export type LockCapability = 'admin' | 'list' | 'officeLockIds';

const CAPABILITY_METHODS: Record<LockCapability, Array<keyof WopiLockStore>> = {
  admin: ['inspectLock', 'forceUnlock'],
  list: ['listLocks'],
  officeLockIds: [],
};

export interface LockSuiteOptions {
  /** The optional capabilities the store has. Default none. */
  capabilities?: LockCapability[];
  /**
   * How far the store's clock may be from this process's, in ms, for the checks of `lockedAt`
   * and `expiresAt` (`admin`, `list`). Default 1000.
   */
  clockToleranceMs?: number;
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
  const declared = new Set<string>(options.capabilities ?? []);
  const tolerance = options.clockToleranceMs ?? 1000;
  /** `date` lies within [from, to], give or take the clock tolerance. */
  const expectWithin = (date: Date | null, from: number, to: number): void => {
    expect(date).toBeInstanceOf(Date);
    const t = (date as Date).getTime();
    expect(t).toBeGreaterThanOrEqual(from - tolerance);
    expect(t).toBeLessThanOrEqual(to + tolerance);
  };

  describe(`WopiLockStore contract: ${name}`, () => {
    let store: WopiLockStore;
    let fileId: string;

    /**
     * Locks `fileId` with `held`, lets part of that lifetime pass, renews it through `renew`, and
     * checks the lock named `expected` is still there after the first lifetime would have ended.
     * The renewal gets ten short lifetimes and the check comes soon after the first one ends, so a
     * correct store fails only if the machine stalls for more than a short lifetime before the
     * renewal (CI under load did for half of one); a store that keeps the old lifetime always does.
     */
    const expectRenewalOutlivesTheOldLifetime = async (
      held: string,
      renew: (ttlMs: number) => Promise<unknown>,
      expected: string,
    ): Promise<void> => {
      const oldTtl = shortTtl * 2;
      const start = Date.now();
      await store.lock(fileId, held, oldTtl);
      await sleep(shortTtl / 2);
      expect(await renew(shortTtl * 10)).toEqual({ ok: true });
      await sleep(Math.max(0, start + oldTtl + shortTtl / 2 - Date.now()));
      expect(await store.getLock(fileId)).toBe(expected);
    };

    beforeEach(async () => {
      store = await makeStore();
      // A fresh file ID per test, so tests never see each other's locks in a shared store.
      fileId = `suite-${randomBytes(8).toString('hex')}`;
    });
    afterEach(async () => {
      await options.cleanup?.(store);
    });

    test('implements exactly the optional parts of the declared capabilities', () => {
      for (const capability of declared) {
        expect({ capability, known: capability in CAPABILITY_METHODS }).toEqual({ capability, known: true });
      }
      for (const [capability, methods] of Object.entries(CAPABILITY_METHODS) as Array<[LockCapability, Array<keyof WopiLockStore>]>) {
        for (const method of methods) {
          expect({ capability, method, implemented: typeof store[method] === 'function' }).toEqual({
            capability,
            method,
            implemented: declared.has(capability),
          });
        }
      }
      expect({ lockIdComparison: store.lockIdComparison ?? 'exact' }).toEqual({
        lockIdComparison: declared.has('officeLockIds') ? 'office' : 'exact',
      });
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
        await store.lock(fileId, 'A', shortTtl * 2);
        expect(await store.getLock(fileId)).toBe('A');
        await sleep(shortTtl * 3);
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
        await expectRenewalOutlivesTheOldLifetime('A', (ttl) => store.refreshLock(fileId, 'A', ttl), 'A');
      });
      test('lock with the same ID gives the lock a new lifetime', async () => {
        await expectRenewalOutlivesTheOldLifetime('A', (ttl) => store.lock(fileId, 'A', ttl), 'A');
      });
      test('unlockAndRelock gives the new lock a fresh lifetime', async () => {
        await expectRenewalOutlivesTheOldLifetime('A', (ttl) => store.unlockAndRelock(fileId, 'A', 'B', ttl), 'B');
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

    const office = (session: string, rest: Record<string, unknown> = {}): string => JSON.stringify({ S: session, ...rest });

    describeIf(!declared.has('officeLockIds'), 'Office lock IDs, compared exactly (the default)', () => {
      test('two Office lock IDs with the same S are two different locks', async () => {
        const first = office('0136ad16', { F: 4 });
        await store.lock(fileId, first, LONG_TTL);
        expect(await store.lock(fileId, office('0136ad16', { F: 6, E: 2 }), LONG_TTL)).toEqual({ ok: false, currentLockId: first });
        expect(await store.unlock(fileId, office('0136ad16'))).toEqual({ ok: false, currentLockId: first });
        expect(await store.getLock(fileId)).toBe(first);
      });
    });

    describeIf(declared.has('officeLockIds'), "Office lock IDs (lockIdComparison: 'office')", () => {
      const first = office('0136ad16-3ea3', { F: 4 });
      const later = office('0136ad16-3ea3', { F: 6, E: 2, M: 'DE997C5AC4E6', P: 'EE18BA4B' });
      test('lock: the same S is the same lock; the stored lock ID stays as it was', async () => {
        expect(await store.lock(fileId, first, LONG_TTL)).toEqual({ ok: true });
        expect(await store.lock(fileId, later, LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe(first);
      });
      test('lock: another S is refused, reporting the stored lock ID', async () => {
        await store.lock(fileId, first, LONG_TTL);
        expect(await store.lock(fileId, office('99ff0000', { F: 4 }), LONG_TTL)).toEqual({ ok: false, currentLockId: first });
      });
      test('refreshLock and unlock match on S', async () => {
        await store.lock(fileId, first, LONG_TTL);
        expect(await store.refreshLock(fileId, later, LONG_TTL)).toEqual({ ok: true });
        expect(await store.unlock(fileId, office('0136ad16-3ea3'))).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBeNull();
      });
      test('unlockAndRelock matches the old lock on S and stores the new lock ID exactly', async () => {
        await store.lock(fileId, first, LONG_TTL);
        const next = office('77aa', { F: 1 });
        expect(await store.unlockAndRelock(fileId, later, next, LONG_TTL)).toEqual({ ok: true });
        expect(await store.getLock(fileId)).toBe(next);
        expect(await store.unlockAndRelock(fileId, later, first, LONG_TTL)).toEqual({ ok: false, currentLockId: next });
      });
      test('a refresh on S gives the lock a new lifetime', async () => {
        await expectRenewalOutlivesTheOldLifetime(first, (ttl) => store.refreshLock(fileId, later, ttl), first);
      });
      test.each<[string, string, string]>([
        ['an Office lock ID and its bare S', first, '0136ad16-3ea3'],
        ['a bare S and an Office lock ID with it', '0136ad16-3ea3', first],
        ['JSON objects without S', '{"F":4}', '{"F":4,"E":2}'],
        ['S values that differ in case', office('abc'), office('ABC')],
        ['an S that is not a string', '{"S":1,"F":4}', '{"S":1,"F":6}'],
        ['an empty S', office(''), office('', { F: 6 })],
        ['plain lock IDs', 'abc', 'ABC'],
      ])('%s are still compared exactly', async (_label, held, requested) => {
        await store.lock(fileId, held, LONG_TTL);
        expect(await store.lock(fileId, requested, LONG_TTL)).toEqual({ ok: false, currentLockId: held });
        expect(await store.unlock(fileId, requested)).toEqual({ ok: false, currentLockId: held });
      });
      test(`of ${concurrency} concurrent locks with different S exactly one wins`, async () => {
        const ids = Array.from({ length: concurrency }, (_, i) => office(`session-${i}`, { F: 4 }));
        const outcomes = await Promise.all(ids.map((id) => store.lock(fileId, id, LONG_TTL)));
        const winners = ids.filter((_, i) => outcomes[i]?.ok);
        expect(winners).toHaveLength(1);
        expect(await store.getLock(fileId)).toBe(winners[0]);
      });
      test(`${concurrency} concurrent locks with one S all succeed, and one of their IDs is stored`, async () => {
        const ids = Array.from({ length: concurrency }, (_, i) => office('shared', { F: i }));
        const outcomes = await Promise.all(ids.map((id) => store.lock(fileId, id, LONG_TTL)));
        expect(outcomes.filter((o) => !o.ok)).toEqual([]);
        expect(ids).toContain(await store.getLock(fileId));
      });
    });

    describeIf(declared.has('admin'), 'administration: inspectLock and forceUnlock', () => {
      const inspect = (id: string): Promise<WopiLockInfo | null> => (store.inspectLock as (f: string) => Promise<WopiLockInfo | null>)(id);
      const forceUnlock = (id: string): Promise<boolean> => (store.forceUnlock as (f: string) => Promise<boolean>)(id);

      test('inspectLock is null for a file that was never locked', async () => {
        expect(await inspect(fileId)).toBeNull();
      });
      test('inspectLock reports the lock ID, when it was set and when it expires', async () => {
        const before = Date.now();
        await store.lock(fileId, 'A', LONG_TTL);
        const after = Date.now();
        const info = await inspect(fileId);
        expect(info?.lockId).toBe('A');
        expectWithin(info?.lockedAt ?? null, before, after);
        expectWithin(info?.expiresAt ?? null, before + LONG_TTL, Date.now() + LONG_TTL);
      });
      test('refreshing keeps lockedAt and moves expiresAt', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        const first = await inspect(fileId);
        await sleep(50);
        const before = Date.now();
        await store.refreshLock(fileId, 'A', LONG_TTL * 2);
        await store.lock(fileId, 'A', LONG_TTL * 2);
        const refreshed = await inspect(fileId);
        expect(refreshed?.lockedAt?.getTime()).toBe(first?.lockedAt?.getTime());
        expectWithin(refreshed?.expiresAt ?? null, before + LONG_TTL * 2, Date.now() + LONG_TTL * 2);
      });
      test('unlockAndRelock puts a new lock: new lock ID, new lockedAt', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        await sleep(50);
        const before = Date.now();
        await store.unlockAndRelock(fileId, 'A', 'B', LONG_TTL);
        const info = await inspect(fileId);
        expect(info?.lockId).toBe('B');
        expectWithin(info?.lockedAt ?? null, before, Date.now());
      });
      test('inspectLock is null once the lock is released or has expired', async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        await store.unlock(fileId, 'A');
        expect(await inspect(fileId)).toBeNull();
        await store.lock(fileId, 'B', shortTtl);
        await sleep(shortTtl * 2);
        expect(await inspect(fileId)).toBeNull();
      });
      test('inspectLock returns the lock ID exactly as it was set', async () => {
        const lockId = '{"S":"0136ad16","E":2} with spaces ';
        await store.lock(fileId, lockId, LONG_TTL);
        expect((await inspect(fileId))?.lockId).toBe(lockId);
      });
      test('forceUnlock removes any lock and says so; the file can then be locked by anyone', async () => {
        await store.lock(fileId, 'stuck', LONG_TTL);
        expect(await forceUnlock(fileId)).toBe(true);
        expect(await store.getLock(fileId)).toBeNull();
        expect(await inspect(fileId)).toBeNull();
        expect(await store.refreshLock(fileId, 'stuck', LONG_TTL)).toEqual({ ok: false, currentLockId: null });
        expect(await store.lock(fileId, 'next', LONG_TTL)).toEqual({ ok: true });
      });
      test('forceUnlock of an unlocked or expired lock answers false', async () => {
        expect(await forceUnlock(fileId)).toBe(false);
        await store.lock(fileId, 'A', shortTtl);
        await sleep(shortTtl * 2);
        expect(await forceUnlock(fileId)).toBe(false);
      });
      test('forceUnlock leaves other files alone', async () => {
        const other = `${fileId}-other`;
        await store.lock(fileId, 'A', LONG_TTL);
        await store.lock(other, 'B', LONG_TTL);
        expect(await forceUnlock(fileId)).toBe(true);
        expect(await store.getLock(other)).toBe('B');
        await forceUnlock(other);
      });
      test(`of ${concurrency} concurrent forceUnlocks of one lock exactly one answers true`, async () => {
        await store.lock(fileId, 'A', LONG_TTL);
        const outcomes = await Promise.all(Array.from({ length: concurrency }, () => forceUnlock(fileId)));
        expect(outcomes.filter(Boolean)).toHaveLength(1);
      });
    });

    describeIf(declared.has('list'), 'administration: listLocks', () => {
      /** Every listed lock of this test's files (a shared store holds other locks too). */
      const listed = async (): Promise<WopiListedLock[]> => {
        const mine: WopiListedLock[] = [];
        for await (const entry of (store.listLocks as () => AsyncIterable<WopiListedLock>)()) {
          if (entry.fileId.startsWith(fileId)) mine.push(entry);
        }
        return mine.sort((a, b) => (a.fileId < b.fileId ? -1 : 1));
      };

      test('lists every lock once, with its file ID, lock ID and expiry', async () => {
        const before = Date.now();
        const files = [`${fileId}-a`, `${fileId}-b`, `${fileId}-c`];
        for (const [i, file] of files.entries()) await store.lock(file, `L${i}`, LONG_TTL);
        const entries = await listed();
        expect(entries.map((e) => [e.fileId, e.lockId])).toEqual([
          [files[0], 'L0'],
          [files[1], 'L1'],
          [files[2], 'L2'],
        ]);
        for (const entry of entries) {
          expectWithin(entry.expiresAt, before + LONG_TTL, Date.now() + LONG_TTL);
          if (entry.lockedAt !== null) expectWithin(entry.lockedAt, before, Date.now());
        }
        for (const [i, file] of files.entries()) await store.unlock(file, `L${i}`);
      });
      test('leaves out released and expired locks', async () => {
        await store.lock(`${fileId}-kept`, 'K', LONG_TTL);
        await store.lock(`${fileId}-released`, 'R', LONG_TTL);
        await store.lock(`${fileId}-expired`, 'E', shortTtl);
        await store.unlock(`${fileId}-released`, 'R');
        await sleep(shortTtl * 2);
        expect((await listed()).map((e) => e.fileId)).toEqual([`${fileId}-kept`]);
        await store.unlock(`${fileId}-kept`, 'K');
      });
      test('lists a file ID with unusual characters exactly', async () => {
        const odd = `${fileId}-*?[x]\\ é:lock:`;
        await store.lock(odd, 'O', LONG_TTL);
        expect((await listed()).map((e) => [e.fileId, e.lockId])).toEqual([[odd, 'O']]);
        await store.unlock(odd, 'O');
      });
      test('can be left early (break) without error', async () => {
        await store.lock(`${fileId}-1`, 'A', LONG_TTL);
        await store.lock(`${fileId}-2`, 'B', LONG_TTL);
        let count = 0;
        for await (const entry of (store.listLocks as () => AsyncIterable<WopiListedLock>)()) {
          expect(typeof entry.fileId).toBe('string');
          count++;
          break;
        }
        expect(count).toBe(1);
        await store.unlock(`${fileId}-1`, 'A');
        await store.unlock(`${fileId}-2`, 'B');
      });
    });
  });
}

/** `describe` for a declared capability; for an undeclared one, nothing (the first test checks it is absent). */
function describeIf(condition: boolean, title: string, body: () => void): void {
  if (condition) describe(title, body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
