import { KeyedMutex } from '../../src/util/keyed-mutex';

/** Lets every pending promise callback run (a macrotask turn), so a waiter that could go on has. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Starts `acquire(key)` and tracks whether it has resolved yet. */
function request(mutex: KeyedMutex, key: string): { granted: () => boolean; release: () => Promise<() => void> } {
  let granted = false;
  const pending = mutex.acquire(key).then((release) => {
    granted = true;
    return release;
  });
  return { granted: () => granted, release: () => pending };
}

describe('KeyedMutex', () => {
  it('grants a free key at once', async () => {
    const mutex = new KeyedMutex();
    const a = request(mutex, 'k');
    await settle();
    expect(a.granted()).toBe(true);
  });

  it('grants one key to one holder at a time, in the order they asked', async () => {
    const mutex = new KeyedMutex();
    const holders = ['first', 'second', 'third', 'fourth'].map((name) => ({ name, ...request(mutex, 'k') }));
    const grantedNow = (): string[] => holders.filter((h) => h.granted()).map((h) => h.name);

    await settle();
    expect(grantedNow()).toStrictEqual(['first']);
    for (let i = 0; i < holders.length; i++) {
      (await holders[i]!.release())();
      await settle();
      expect(grantedNow()).toStrictEqual(holders.slice(0, Math.min(i + 2, holders.length)).map((h) => h.name));
    }
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('keeps the order of many waiters under run()', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        mutex.run('k', async () => {
          events.push(`start ${i}`);
          await settle();
          events.push(`end ${i}`);
        }),
      ),
    );
    expect(events).toStrictEqual(Array.from({ length: 20 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('does not make one key wait for another', async () => {
    const mutex = new KeyedMutex();
    const a = request(mutex, 'a');
    const b = request(mutex, 'b');
    await settle();
    expect([a.granted(), b.granted()]).toStrictEqual([true, true]);
  });

  it('releases once: a second call of a release function frees nobody else’s hold', async () => {
    const mutex = new KeyedMutex();
    const first = request(mutex, 'k');
    const second = request(mutex, 'k');
    const third = request(mutex, 'k');
    await settle();
    const releaseFirst = await first.release();
    releaseFirst();
    await settle();
    expect([second.granted(), third.granted()]).toStrictEqual([true, false]);
    releaseFirst();
    releaseFirst();
    await settle();
    expect(third.granted()).toBe(false);
    expect(mutex.isHeld('k')).toBe(true);
    (await second.release())();
    await settle();
    expect(third.granted()).toBe(true);
    (await third.release())();
    expect(mutex.isHeld('k')).toBe(false);
  });

  it('a stale release from an earlier holder does not free the next holder of the same key', async () => {
    const mutex = new KeyedMutex();
    const releaseOld = await mutex.acquire('k');
    releaseOld();
    expect(mutex.isHeld('k')).toBe(false);
    const releaseNew = await mutex.acquire('k');
    const waiter = request(mutex, 'k');
    releaseOld();
    await settle();
    expect(waiter.granted()).toBe(false);
    expect(mutex.isHeld('k')).toBe(true);
    releaseNew();
    await settle();
    expect(waiter.granted()).toBe(true);
    (await waiter.release())();
    expect(mutex.isHeld('k')).toBe(false);
  });

  it.each<[string, number]>([
    ['one holder', 1],
    ['a holder and one waiter', 2],
    ['a holder and nine waiters', 10],
  ])('a key with no holder and no waiter takes no memory (%s)', async (_label, count) => {
    const mutex = new KeyedMutex();
    expect(mutex.isHeld('k')).toBe(false);
    const holders = Array.from({ length: count }, () => request(mutex, 'k'));
    expect(mutex.isHeld('k')).toBe(true);
    for (const holder of holders) {
      expect(mutex.isHeld('k')).toBe(true);
      (await holder.release())();
    }
    expect(mutex.isHeld('k')).toBe(false);
    expect((mutex as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });

  it('forgets every key after many keys were used', async () => {
    const mutex = new KeyedMutex();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => mutex.run(`file-${i % 100}`, async () => settle())));
    expect(Array.from({ length: 100 }, (_, i) => mutex.isHeld(`file-${i}`)).some(Boolean)).toBe(false);
    expect((mutex as unknown as { tails: Map<string, unknown> }).tails.size).toBe(0);
  });

  it('run() returns what the work returns, and holds the key meanwhile', async () => {
    const mutex = new KeyedMutex();
    const result = await mutex.run('k', async () => {
      expect(mutex.isHeld('k')).toBe(true);
      return 42;
    });
    expect(result).toBe(42);
    expect(mutex.isHeld('k')).toBe(false);
  });

  it.each<[string, () => Promise<never>]>([
    ['rejects', async () => Promise.reject(new Error('boom'))],
    [
      'throws inside an async function',
      async () => {
        await settle();
        throw new Error('boom');
      },
    ],
    [
      'throws before returning a promise',
      (() => {
        throw new Error('boom');
      }) as () => Promise<never>,
    ],
  ])('run() releases the key when the work %s, and passes the error on', async (_label, work) => {
    const mutex = new KeyedMutex();
    const waiter = mutex.run('k', async () => 'after');
    const failing = mutex.run('k', work);
    // The waiter asked first, so it runs first; the failing work then runs and throws.
    await expect(waiter).resolves.toBe('after');
    await expect(failing).rejects.toThrow('boom');
    expect(mutex.isHeld('k')).toBe(false);
    await expect(mutex.run('k', async () => 'next')).resolves.toBe('next');
  });

  it('run() releases the key on a throw while others wait, so they go on', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const failing = mutex.run('k', async () => {
      order.push('failing');
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => {
      order.push('next');
      return 'ok';
    });
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    expect(order).toStrictEqual(['failing', 'next']);
    expect(mutex.isHeld('k')).toBe(false);
  });
});
