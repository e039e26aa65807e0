import {
  isFileLocked,
  LockStoreUnavailableError,
  MemoryLockStore,
  WopiConfigError,
  type WopiLockOutcome,
  type MemoryLockStoreOptions,
} from '../../src';

const TTL = 1000;

/** A store whose clock only moves when the test says so. */
function setup(start = 1_000_000) {
  let now = start;
  const store = new MemoryLockStore({ now: () => now });
  return {
    store,
    at: (t: number) => {
      now = start + t;
    },
  };
}

const refused = (currentLockId: string | null): WopiLockOutcome => ({ ok: false, currentLockId });
const OK: WopiLockOutcome = { ok: true };

describe('MemoryLockStore', () => {
  describe('outcomes by current state', () => {
    // state: what is on file "f" before the call. 'A' means locked with A.
    type Op = 'lock' | 'refreshLock' | 'unlock' | 'unlockAndRelock';
    it.each<[Op, null | 'A', string, WopiLockOutcome, string | null]>([
      // op, state, lock id used (for relock: old id; new id is N), outcome, lock afterwards
      ['lock', null, 'A', OK, 'A'],
      ['lock', 'A', 'A', OK, 'A'],
      ['lock', 'A', 'B', refused('A'), 'A'],
      ['refreshLock', null, 'A', refused(null), null],
      ['refreshLock', 'A', 'A', OK, 'A'],
      ['refreshLock', 'A', 'B', refused('A'), 'A'],
      ['unlock', null, 'A', refused(null), null],
      ['unlock', 'A', 'A', OK, null],
      ['unlock', 'A', 'B', refused('A'), 'A'],
      ['unlockAndRelock', null, 'A', refused(null), null],
      ['unlockAndRelock', 'A', 'A', OK, 'N'],
      ['unlockAndRelock', 'A', 'B', refused('A'), 'A'],
    ])('%s on state %j with %j → %j, then lock is %j', async (op, state, id, outcome, after) => {
      const { store } = setup();
      if (state !== null) expect(await store.lock('f', state, TTL)).toStrictEqual(OK);
      let result: WopiLockOutcome;
      switch (op) {
        case 'lock':
          result = await store.lock('f', id, TTL);
          break;
        case 'refreshLock':
          result = await store.refreshLock('f', id, TTL);
          break;
        case 'unlock':
          result = await store.unlock('f', id);
          break;
        case 'unlockAndRelock':
          result = await store.unlockAndRelock('f', id, 'N', TTL);
          break;
      }
      expect(result).toStrictEqual(outcome);
      expect(await store.getLock('f')).toBe(after);
    });
  });

  it('compares lock IDs exactly (case, spaces, JSON-looking values)', async () => {
    const { store } = setup();
    const id = '{"S":"abc", "F":4}';
    await store.lock('f', id, TTL);
    expect(await store.lock('f', '{"S":"abc","F":4}', TTL)).toStrictEqual(refused(id));
    expect(await store.lock('f', ` ${id}`, TTL)).toStrictEqual(refused(id));
    expect(await store.unlock('f', id.toUpperCase())).toStrictEqual(refused(id));
    expect(await store.unlock('f', id)).toStrictEqual(OK);
  });

  it('keeps locks of different files apart', async () => {
    const { store } = setup();
    expect(await store.lock('f1', 'A', TTL)).toStrictEqual(OK);
    expect(await store.lock('f2', 'B', TTL)).toStrictEqual(OK);
    expect(await store.getLock('f1')).toBe('A');
    expect(await store.getLock('f2')).toBe('B');
    expect(await store.unlock('f1', 'A')).toStrictEqual(OK);
    expect(await store.getLock('f2')).toBe('B');
  });

  describe('expiry', () => {
    it.each<[number, string | null]>([
      [0, 'A'],
      [TTL - 1, 'A'],
      [TTL, null], // expiresAt <= now: expired exactly at the ttl boundary
      [TTL + 1, null],
    ])('lock at t=0 with ttl 1000; at t=%d getLock → %j', async (t, expected) => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(t);
      expect(await store.getLock('f')).toBe(expected);
    });

    it('an expired lock is the same as no lock for every operation', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(TTL);
      expect(await store.refreshLock('f', 'A', TTL)).toStrictEqual(refused(null));
      expect(await store.unlock('f', 'A')).toStrictEqual(refused(null));
      expect(await store.unlockAndRelock('f', 'A', 'N', TTL)).toStrictEqual(refused(null));
      expect(await store.lock('f', 'B', TTL)).toStrictEqual(OK);
      expect(await store.getLock('f')).toBe('B');
    });

    it('refreshLock extends the expiry to now + ttl', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(600);
      expect(await store.refreshLock('f', 'A', TTL)).toStrictEqual(OK);
      at(TTL + 599);
      expect(await store.getLock('f')).toBe('A');
      at(TTL + 600);
      expect(await store.getLock('f')).toBe(null);
    });

    it('lock with the same ID also resets the expiry', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(900);
      expect(await store.lock('f', 'A', TTL)).toStrictEqual(OK);
      at(1899);
      expect(await store.getLock('f')).toBe('A');
      at(1900);
      expect(await store.getLock('f')).toBe(null);
    });

    it('a refused request does not extend the lock', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(500);
      await store.lock('f', 'B', TTL);
      await store.refreshLock('f', 'B', TTL);
      await store.unlockAndRelock('f', 'B', 'C', TTL);
      at(TTL);
      expect(await store.getLock('f')).toBe(null);
    });

    it('unlockAndRelock gives the new lock a fresh ttl', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', TTL);
      at(900);
      expect(await store.unlockAndRelock('f', 'A', 'B', TTL)).toStrictEqual(OK);
      at(1899);
      expect(await store.getLock('f')).toBe('B');
      at(1900);
      expect(await store.getLock('f')).toBe(null);
    });

    it('honours the ttl passed to each call', async () => {
      const { store, at } = setup();
      await store.lock('f', 'A', 10);
      await store.lock('g', 'B', 30 * 60 * 1000);
      at(10);
      expect(await store.getLock('f')).toBe(null);
      at(30 * 60 * 1000 - 1);
      expect(await store.getLock('g')).toBe('B');
      at(30 * 60 * 1000);
      expect(await store.getLock('g')).toBe(null);
    });
  });

  describe('size', () => {
    it('counts unexpired locks and drops expired ones', async () => {
      const { store, at } = setup();
      expect(store.size).toBe(0);
      await store.lock('a', 'A', 100);
      await store.lock('b', 'B', 200);
      await store.lock('c', 'C', 300);
      expect(store.size).toBe(3);
      at(100);
      expect(store.size).toBe(2);
      at(250);
      expect(store.size).toBe(1);
      await store.unlock('c', 'C');
      expect(store.size).toBe(0);
    });

    it('drops expired locks that nobody touches again (no getLock needed)', async () => {
      const { store, at } = setup();
      for (let i = 0; i < 50; i++) await store.lock(`f${i}`, 'A', 100);
      at(100);
      expect(store.size).toBe(0);
    });
  });

  it('lets exactly one of 100 concurrent lock() calls with distinct IDs win', async () => {
    const { store } = setup();
    const ids = Array.from({ length: 100 }, (_, i) => `lock-${i}`);
    const outcomes = await Promise.all(ids.map((id) => store.lock('f', id, TTL)));
    const winners = ids.filter((_, i) => outcomes[i]!.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]!;
    expect(await store.getLock('f')).toBe(winner);
    for (const [i, outcome] of outcomes.entries()) {
      if (ids[i] !== winner) expect(outcome).toStrictEqual(refused(winner));
    }
  });

  it('lets exactly one of 100 concurrent unlockAndRelock() calls win', async () => {
    const { store } = setup();
    await store.lock('f', 'old', TTL);
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => store.unlockAndRelock('f', 'old', `new-${i}`, TTL)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    const current = await store.getLock('f');
    expect(current).toMatch(/^new-\d+$/);
    expect(outcomes.filter((o) => !o.ok).every((o) => !o.ok && o.currentLockId === current)).toBe(true);
  });

  describe('administration', () => {
    it('inspectLock reports lockedAt and expiresAt from the store clock', async () => {
      const { store, at } = setup(1_000_000);
      await store.lock('f', 'A', TTL);
      at(400);
      await store.refreshLock('f', 'A', TTL);
      expect(await store.inspectLock('f')).toStrictEqual({
        lockId: 'A',
        lockedAt: new Date(1_000_000),
        expiresAt: new Date(1_000_000 + 400 + TTL),
      });
      at(400 + TTL);
      expect(await store.inspectLock('f')).toBeNull();
    });

    it('a Lock matched on S (office) keeps lockedAt and the stored lock ID', async () => {
      let now = 5_000;
      const store = new MemoryLockStore({ now: () => now, lockIdComparison: 'office' });
      expect(store.lockIdComparison).toBe('office');
      await store.lock('f', '{"S":"s1","F":4}', TTL);
      now = 5_500;
      expect(await store.lock('f', '{"S":"s1","F":6}', TTL)).toStrictEqual(OK);
      expect(await store.inspectLock('f')).toStrictEqual({
        lockId: '{"S":"s1","F":4}',
        lockedAt: new Date(5_000),
        expiresAt: new Date(5_500 + TTL),
      });
    });

    it('listLocks is a snapshot: changing locks while iterating is safe', async () => {
      const { store } = setup();
      for (const f of ['a', 'b', 'c']) await store.lock(f, f.toUpperCase(), TTL);
      const seen: string[] = [];
      for await (const entry of store.listLocks()) {
        seen.push(entry.fileId);
        await store.forceUnlock(entry.fileId);
        await store.lock(`new-${entry.fileId}`, 'N', TTL);
      }
      expect(seen.sort()).toEqual(['a', 'b', 'c']);
      expect(store.size).toBe(3);
    });

    it('isFileLocked answers from getLock, for any store', async () => {
      const { store, at } = setup();
      expect(await isFileLocked(store, 'f')).toBe(false);
      await store.lock('f', 'A', TTL);
      expect(await isFileLocked(store, 'f')).toBe(true);
      at(TTL);
      expect(await isFileLocked(store, 'f')).toBe(false);
    });

    it('isFileLocked rejects when the store cannot answer (never "not locked")', async () => {
      const failing = new MemoryLockStore();
      failing.getLock = () => Promise.reject(new LockStoreUnavailableError('down'));
      await expect(isFileLocked(failing, 'f')).rejects.toBeInstanceOf(LockStoreUnavailableError);
    });
  });

  it('uses Date.now when no clock is given', async () => {
    const store = new MemoryLockStore();
    await store.lock('f', 'A', 60_000);
    expect(await store.getLock('f')).toBe('A');
    await store.lock('g', 'B', 1);
    await new Promise((r) => setTimeout(r, 5));
    expect(await store.getLock('g')).toBe(null);
  });
});

describe('MemoryLockStore options', () => {
  it.each<[string, unknown, string]>([
    ['null options', null, 'MemoryLockStore: options must be an object (or nothing), got null [WOPI_OPTION_TYPE]'],
    ['a clock that is not a function', { now: 1000 }, 'MemoryLockStore: `now` must be a function, got 1000 [WOPI_OPTION_TYPE]'],
    [
      'an unknown lockIdComparison',
      { lockIdComparison: 'strict' },
      'MemoryLockStore: `lockIdComparison` must be one of exact, office, got "strict" [WOPI_OPTION_VALUE]',
    ],
  ])('refuses %s', (_label, options, message) => {
    expect(() => new MemoryLockStore(options as MemoryLockStoreOptions)).toThrow(WopiConfigError);
    expect(() => new MemoryLockStore(options as MemoryLockStoreOptions)).toThrow(message);
  });

  it('takes no options, or an empty object', () => {
    expect(() => new MemoryLockStore()).not.toThrow();
    expect(() => new MemoryLockStore({})).not.toThrow();
  });
});
