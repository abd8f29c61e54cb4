/** Hand-driven stand-ins for the services' ports: a clock and peer links. No sockets, no timers. */
import { asPeerId, ephemeralIdentity, type Clock, type CopyOrder, type PeerStats, type PinReport } from '@meshdrive/core';
import type { PeerLink } from './peer-link.js';
import { TicketIssuer } from './tickets.js';

/** A ticket issuer with a key of its own, for services under test. */
export async function testTickets(clock: Pick<Clock, 'now'>): Promise<TicketIssuer> {
  return new TicketIssuer(await ephemeralIdentity(), clock);
}

/** The time as the services read it, set by the test. */
export class FakeClock implements Pick<Clock, 'now'> {
  constructor(public time = 0) {}
  now(): number {
    return this.time;
  }
}

/** A peer link that answers from fields the test sets and records what it was told. */
export class FakeLink implements PeerLink {
  readonly id;
  stats: PeerStats | undefined = { chunks: 0, bytes: 0 };
  /** Pages the peer answers `pins` with, in order; undefined: it does not answer. */
  pages: (PinReport | undefined)[] = [];
  /** Whether it confirms drops. */
  confirms = true;
  readonly asked: { olderThanMs: number; after?: string }[] = [];
  readonly abandonedOrders: { lists: string[]; olderThanMs: number }[] = [];
  readonly dropOrders: string[][] = [];
  readonly beats: number[] = [];

  constructor(id: string) {
    this.id = asPeerId(id);
  }

  heartbeat(seq: number): Promise<PeerStats | undefined> {
    this.beats.push(seq);
    return Promise.resolve(this.stats);
  }

  pins(question: { olderThanMs: number; after?: string }): Promise<PinReport | undefined> {
    this.asked.push(question);
    return Promise.resolve(this.pages.shift());
  }

  abandoned(order: { lists: string[]; olderThanMs: number }): void {
    this.abandonedOrders.push(order);
  }

  drop(lists: string[]): Promise<boolean> {
    this.dropOrders.push(lists);
    return Promise.resolve(this.confirms);
  }

  /** Segments it says it lacks when asked. */
  lacks = new Set<string>();
  readonly holdingQuestions: string[][] = [];

  holding(lists: string[]): Promise<string[] | undefined> {
    this.holdingQuestions.push(lists);
    return Promise.resolve(lists.filter((list) => this.lacks.has(list)));
  }

  /** Copy orders it was given; `copying` decides how each ends (it succeeds by default). */
  readonly copyOrders: CopyOrder[] = [];
  copying: (order: CopyOrder) => Promise<void> = () => Promise.resolve();

  copy(order: CopyOrder): Promise<void> {
    this.copyOrders.push(order);
    return this.copying(order);
  }
}
