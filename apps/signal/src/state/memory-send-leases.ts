/** Send leases in this master's memory: one master, or unit tests. */
import type { SendLeases, SendLeaseTiming } from './send-leases.js';

interface OpenSend {
  startedAt: number;
  client: string;
  disconnectedAt?: number;
}

/** Sends remembered as expired, so their late commit is refused (oldest forgotten first). */
const MAX_EXPIRED_SENDS = 65_536;

export class MemorySendLeases implements SendLeases {
  private readonly open = new Map<string, OpenSend>();
  private readonly expired = new Set<string>();

  constructor(private readonly timing: SendLeaseTiming) {}

  placed(client: string, fileId: string, fresh: boolean, now: number): Promise<void> {
    const key = sendKey(client, fileId);
    if (fresh) this.expired.delete(key);
    if (!this.open.has(key) && !this.expired.has(key)) this.open.set(key, { startedAt: now, client });
    return Promise.resolve();
  }

  committed(client: string, fileId: string): Promise<boolean> {
    const key = sendKey(client, fileId);
    this.open.delete(key);
    return Promise.resolve(!this.expired.delete(key));
  }

  disconnected(client: string, now: number): Promise<void> {
    for (const send of this.open.values()) if (send.client === client) send.disconnectedAt ??= now;
    return Promise.resolve();
  }

  connected(client: string): Promise<void> {
    for (const send of this.open.values()) if (send.client === client) delete send.disconnectedAt;
    return Promise.resolve();
  }

  oldestOpenSend(now: number): Promise<number> {
    let oldest = Infinity;
    for (const [key, send] of this.open) {
      const gone = send.disconnectedAt !== undefined && now - send.disconnectedAt >= this.timing.graceMs;
      if (gone || now - send.startedAt >= this.timing.maxOpenMs) this.expire(key);
      else oldest = Math.min(oldest, send.startedAt);
    }
    return Promise.resolve(oldest);
  }

  private expire(key: string): void {
    this.open.delete(key);
    this.expired.add(key);
    if (this.expired.size > MAX_EXPIRED_SENDS) this.expired.delete(this.expired.values().next().value!);
  }
}

const sendKey = (client: string, fileId: string): string => `${client}\u0000${fileId}`;
