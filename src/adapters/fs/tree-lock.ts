/**
 * The one in-process exclusion of FileSystemStorage: RenameContainer and DeleteContainer move or
 * remove a folder and everything in it, so they run alone (`exclusive`), while every other step
 * that resolves an ID to a path and acts on that path (looking a file up, publishing a save,
 * claiming a name, assigning an ID) runs `shared`, many at once. A path found in a shared step
 * stays true until the step ends: a save that resolved `a/x.docx` publishes there before `a` can
 * be renamed, or, if the rename came first, resolves `b/x.docx` after it.
 *
 * Steps are short: nothing holds the lock while a request body arrives or while the router's
 * commit step runs. A waiting exclusive step goes before shared steps that ask after it, so a
 * stream of saves cannot starve a rename. Shared steps never nest (one that waited behind an
 * exclusive one could never run).
 *
 * Other processes serving the same root are not covered: see the cross-process notes in
 * containers.ts.
 */
export class TreeLock {
  private sharedHolders = 0;
  private exclusiveHeld = false;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  /** Runs `work` with other shared steps, never during an exclusive one. */
  async shared<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await work();
    } finally {
      this.release(false);
    }
  }

  /** Runs `work` alone, once every step that started before it has ended. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await work();
    } finally {
      this.release(true);
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.free(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push({
        exclusive,
        grant: () => {
          this.take(exclusive);
          resolve();
        },
      });
    });
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.exclusiveHeld = false;
    else this.sharedHolders--;
    for (let next = this.waiting[0]; next !== undefined && this.free(next.exclusive); next = this.waiting[0]) {
      this.waiting.shift();
      next.grant();
    }
  }

  private free(exclusive: boolean): boolean {
    return !this.exclusiveHeld && (!exclusive || this.sharedHolders === 0);
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.exclusiveHeld = true;
    else this.sharedHolders++;
  }
}
