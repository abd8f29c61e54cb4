/**
 * Open sends: a client placed a file's segments and has not committed yet. The abandoned-segment
 * sweep must not drop what an open send may still commit, and a send open too long is taken for
 * dead and its commit refused. State that several masters will share, so it sits behind this
 * interface (memory-send-leases.ts today).
 */
export interface SendLeaseTiming {
  /** How long a gone client's sends stay open, in case it comes back. */
  graceMs: number;
  /** A send open longer than this is taken for dead even if its client stays connected. */
  maxOpenMs: number;
}

export interface SendLeases {
  /**
   * `client` placed a write of `fileId`. A `fresh` placement (a send's first) opens the send
   * anew; a retry's keeps it open but cannot revive one that expired.
   */
  placed(client: string, fileId: string, fresh: boolean, now: number): Promise<void>;
  /**
   * Closes the send. False if it had expired: some of its segments may have been dropped as
   * abandoned, so its commit must be refused.
   */
  committed(client: string, fileId: string): Promise<boolean>;
  /** The client's connection closed: its sends stay open for the grace period, in case it comes back. */
  disconnected(client: string, now: number): Promise<void>;
  connected(client: string): Promise<void>;
  /** When the oldest send still open began (Infinity if none); sends found over their time expire. */
  oldestOpenSend(now: number): Promise<number>;
}
