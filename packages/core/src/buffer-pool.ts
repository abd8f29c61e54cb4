/**
 * Fixed-size buffers handed out and given back, so a transfer reuses a few instead of making one
 * per segment or message: large short-lived arrays live outside V8's heap, and V8 reclaims them
 * with full collections.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  /** Buffers of `bytes` each; at most `kept` of them wait for reuse. */
  constructor(
    private readonly bytes: number,
    private readonly kept = Infinity,
  ) {}

  /** A view of `length` bytes: of a pooled buffer, or of a new unpooled one past the pool's size. */
  take(length: number): Uint8Array {
    if (length > this.bytes) return new Uint8Array(length);
    return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.bytes), 0, length);
  }

  /** `view` must be one take() returned, and nothing may use it any more. */
  give(view: Uint8Array): void {
    if (view.buffer.byteLength === this.bytes && view.byteOffset === 0 && this.free.length < this.kept) this.free.push(view.buffer as ArrayBuffer);
  }
}
