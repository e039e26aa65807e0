/**
 * Read buffers kept for the next transfer instead of left to the garbage collector.
 *
 * Every Buffer a file read allocates lives outside the JavaScript heap, and V8 answers a growing
 * amount of such memory with collections of the whole heap: a GetFile of 1 MiB in fresh 256 KiB
 * buffers spent more than a third of its main-thread time collecting (docs/performance.md). A
 * transfer that takes its buffers from here and gives them back once the socket has written them
 * allocates nothing after the first few requests.
 *
 * A buffer is given back only once nothing refers to its bytes any more (its write has called
 * back); one that a failed or abandoned write may still hold is simply dropped.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  /**
   * @param bufferBytes the size of every buffer
   * @param keep how many free buffers are kept at most; more are dropped
   */
  constructor(
    readonly bufferBytes: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `bufferBytes`, its content undefined (never zeroed: write before you send). */
  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  /** Returns `buffer` for reuse; the caller must not touch it again. */
  give(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.free.length < this.keep && !this.free.includes(buffer)) this.free.push(buffer);
  }

  /** How many free buffers are kept now (for tests). */
  get size(): number {
    return this.free.length;
  }
}
