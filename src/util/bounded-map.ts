/**
 * A Map with a size limit: the one cache policy of express-wopi (JwtAuth's verified tokens,
 * FileSystemStorage's ID records and resolved paths). When full, setting a new key drops the
 * oldest entry, so memory stays bounded whatever keys clients send. "Oldest" is the entry set
 * longest ago: setting a key that is already there replaces its value and makes it the newest
 * (a plain Map would keep its first place, and a value just refreshed would go first). Reading
 * (`get`, `has`) does not change the order.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** `maxSize` 0 keeps nothing (a cache turned off). */
  constructor(readonly maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 0) throw new RangeError('BoundedMap: maxSize must be a non-negative integer');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): this {
    if (this.maxSize === 0) return this;
    // Deleted first, so that a replaced value moves to the end of the insertion order.
    if (!this.entries.delete(key) && this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
