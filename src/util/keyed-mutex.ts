/**
 * Mutual exclusion per key within one process: `acquire(key)` resolves once every earlier holder
 * of the same key has released it, in the order they asked. Keys nobody holds take no memory.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for `key`, then returns the function that releases it (call it exactly once). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.tails.set(key, tail);
    if (previous !== undefined) await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  /** Runs `work` holding `key`. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Whether anyone holds or waits for `key`; for tests and diagnostics. */
  isHeld(key: string): boolean {
    return this.tails.has(key);
  }
}
