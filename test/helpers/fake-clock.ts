/** A hand-moved clock for MemoryLockStore({ now }), so that lock expiry is tested without waiting. */

export class FakeClock {
  constructor(public ms = Date.UTC(2030, 0, 1)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const MINUTE = 60_000;
