/**
 * Which sealed segments belong to sends that will never commit. A client that dies after some
 * of its segments were sealed leaves them pinned on their replicas, and no file names them, so
 * no removal will ever drop them. The master asks peers for their old pins (as an HDFS
 * NameNode reads block reports) and judges them here: a segment is abandoned when no file uses
 * it, it was sealed at least `graceMs` ago, and no send that began before it was sealed is
 * still open. Pure logic over times the caller passes in.
 */

export interface SendLeaseOptions {
  /** How old an unused segment must be to count as abandoned; also how long a gone client's sends stay open. */
  graceMs: number;
  /** A send open longer than this is taken for dead even if its client stays connected. */
  maxOpenMs: number;
  /** When the master started: sends begun before then are unknown to it. */
  startedAt: number;
}

interface OpenSend {
  startedAt: number;
  client: string;
  disconnectedAt?: number;
}

/** Sends remembered as expired, so their late commit is refused (oldest forgotten first). */
const MAX_EXPIRED_SENDS = 65_536;

export class SendLeases {
  private readonly open = new Map<string, OpenSend>();
  private readonly expired = new Set<string>();

  constructor(private readonly options: SendLeaseOptions) {}

  /**
   * `client` placed a write of `fileId`. A `fresh` placement (a send's first) opens the send
   * anew; a retry's keeps it open but cannot revive one that expired.
   */
  placed(client: string, fileId: string, fresh: boolean, now: number): void {
    const key = sendKey(client, fileId);
    if (fresh) this.expired.delete(key);
    if (!this.open.has(key) && !this.expired.has(key)) this.open.set(key, { startedAt: now, client });
  }

  /**
   * Closes the send. False if it had expired: some of its segments may have been dropped as
   * abandoned, so its commit must be refused.
   */
  committed(client: string, fileId: string): boolean {
    const key = sendKey(client, fileId);
    this.open.delete(key);
    return !this.expired.delete(key);
  }

  /** The client's connection closed: its sends stay open for the grace period, in case it comes back. */
  disconnected(client: string, now: number): void {
    for (const send of this.open.values()) if (send.client === client) send.disconnectedAt ??= now;
  }

  connected(client: string): void {
    for (const send of this.open.values()) if (send.client === client) delete send.disconnectedAt;
  }

  /**
   * The lists among `pins` (each with how long ago its peer sealed it) that may be dropped;
   * `used` holds those some file version names.
   */
  abandoned(pins: readonly { list: string; ageMs: number }[], used: ReadonlySet<string>, now: number): string[] {
    const { graceMs } = this.options;
    // Sends from before a restart are unknown: wait until any of them would have ended.
    if (now - this.options.startedAt < graceMs) return [];
    const oldestOpen = this.oldestOpenSend(now);
    return pins.filter((pin) => pin.ageMs >= graceMs && !used.has(pin.list) && now - pin.ageMs < oldestOpen).map((pin) => pin.list);
  }

  /** When the oldest send still open began (Infinity if none); sends found over expire. */
  private oldestOpenSend(now: number): number {
    let oldest = Infinity;
    for (const [key, send] of this.open) {
      const gone = send.disconnectedAt !== undefined && now - send.disconnectedAt >= this.options.graceMs;
      if (gone || now - send.startedAt >= this.options.maxOpenMs) this.expire(key);
      else oldest = Math.min(oldest, send.startedAt);
    }
    return oldest;
  }

  private expire(key: string): void {
    this.open.delete(key);
    this.expired.add(key);
    if (this.expired.size > MAX_EXPIRED_SENDS) this.expired.delete(this.expired.values().next().value!);
  }
}

const sendKey = (client: string, fileId: string): string => `${client}\u0000${fileId}`;
