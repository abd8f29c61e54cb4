/**
 * Whether this peer is full: its store refused a write for lack of space. The master reads it
 * in heartbeats and places new writes elsewhere; freeing space here clears it.
 */
import { QuotaExceededError } from '../errors.js';

export class SpaceWatch {
  private refused = false;

  /** True once the store refused a write for lack of space, until space is freed here. */
  get full(): boolean {
    return this.refused;
  }

  /**
   * A write to this peer's own store: a refusal for lack of space marks the peer full (the
   * same error relayed from the next replica says nothing about this one).
   */
  watch(write: Promise<void>): Promise<void> {
    return write.catch((error: unknown) => {
      if (error instanceof QuotaExceededError) this.refused = true;
      throw error;
    });
  }

  /** Chunks were deleted here: the next write may fit again. */
  freed(): void {
    this.refused = false;
  }
}
