/**
 * The peer registry: who is on the mesh (membership), the ring built from the online peers,
 * heartbeat rounds and the statuses they yield, and each peer's pairing (the peers that hold
 * copies of the segments it is primary for). Status changes go out through `announce`.
 * Membership is shared state behind an async interface, so the registry runs its updates one at
 * a time, in the order they were asked for: a peer's rejoin must never overtake its old socket's
 * disconnect.
 */
import { HashRing, type Clock, type PeerId, type PeerStatus, type PeerView } from '@meshdrive/core';
import type { Directory } from '../directory/directory.js';
import { isDurable, type Member, type MemberInfo, type Membership, type StatusChange } from '../state/membership.js';
import type { HeldFiles } from './catalogue.js';
import type { PeerLink } from './peer-link.js';

/** A status to tell everyone; `connected: false` when the peer's socket to the master closed. */
export interface PeerStatusEvent {
  id: PeerId;
  status: PeerStatus;
  connected: boolean;
}

export interface PeerRegistryOptions {
  membership: Membership;
  directory: Directory;
  /** Services only read the time. */
  clock: Pick<Clock, 'now'>;
  /** Whether the peer has a socket to this master right now. */
  isConnected: (peer: PeerId) => boolean;
  announce: (event: PeerStatusEvent) => void;
  log: (line: string) => void;
}

export class PeerRegistry {
  private ring = new HashRing([]);
  private ringTimer: NodeJS.Timeout | undefined;
  private ringBuiltAt = 0;
  private beatSeq = 0;
  private updates: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PeerRegistryOptions) {}

  /** The peers an earlier run of the master knew: listed as dead until they rejoin. */
  restore(): Promise<void> {
    return this.update(async () => {
      for (const peer of await this.options.directory.knownPeers()) await this.options.membership.remember(peer);
    });
  }

  /** The same id joined again before its old socket closed (a restarted process): links to the old one are dead. */
  replaced(id: PeerId): Promise<void> {
    return this.update(async () => this.options.announce({ id, status: await this.options.membership.status(id), connected: false }));
  }

  joined(info: MemberInfo): Promise<void> {
    return this.update(async () => {
      const now = this.options.clock.now();
      // Remembered for the next start, but a failed write must not keep a live peer off the ring.
      this.options.directory.rememberPeer({ ...info, lastSeen: now }).catch((error: unknown) => this.options.log(`could not remember peer ${info.id.slice(0, 8)}: ${String(error)}`));
      const change = await this.options.membership.join(info, now);
      await this.applied(change ? [change] : []);
    });
  }

  /**
   * A tab's storage peer stopped contributing (`paused` true, its client socket joined saying so)
   * or that client left (false); `by` is the person the client acts for, who must own the peer: shown as paused, not stale or dead, while the tab is open.
   */
  setPaused(id: PeerId, paused: boolean, by: string): Promise<void> {
    return this.update(async () => {
      // Only the person whose peer it is may say so: nobody else can make a live peer look paused.
      const member = (await this.options.membership.all()).find((candidate) => candidate.id === id);
      if (member?.owner === undefined || member.owner !== by) return;
      await this.options.membership.setPaused(id, paused);
      await this.applied(await this.options.membership.tick(this.options.clock.now()));
    });
  }

  /** Its socket closed: tell everyone now, not after the stale timeout, as their links to it are probably dead. */
  disconnected(id: PeerId): Promise<void> {
    return this.update(async () => {
      const { membership } = this.options;
      await membership.disconnect(id);
      this.options.announce({ id, status: await membership.status(id), connected: false });
      await this.applied(await membership.tick(this.options.clock.now()));
    });
  }

  /**
   * One heartbeat round: asks every peer for its stats and recomputes statuses at once; answers
   * count as they come. Resolves when every answer of the round is in (or timed out).
   */
  async heartbeat(links: readonly PeerLink[]): Promise<void> {
    const seq = ++this.beatSeq;
    const answers = links.map((link) => link.heartbeat(seq).then(
      (stats) => stats && this.update(() => this.options.membership.beat(link.id, stats, this.options.clock.now())),
      () => undefined,
    ));
    await this.update(async () => this.applied(await this.options.membership.tick(this.options.clock.now())));
    await Promise.all(answers);
  }

  /** Every known peer's status; peers never seen are dead. */
  async statuses(): Promise<(id: PeerId) => PeerStatus> {
    const known = new Map((await this.options.membership.all()).map((member) => [member.id, member.status]));
    return (id) => known.get(id) ?? 'dead';
  }

  /** The ring of the online peers as of the last status change. */
  currentRing(): HashRing {
    return this.ring;
  }

  online(): Promise<Member[]> {
    return this.options.membership.online();
  }

  /** Every known peer, whatever its status. */
  members(): Promise<Member[]> {
    return this.options.membership.all();
  }

  /**
   * Every known peer as the mesh view shows it: the peers that back it up in fact and what it
   * holds, from the directory, and from the catalogue what its leaving would cost and which files
   * it holds.
   */
  async peerViews(atRisk: ReadonlyMap<PeerId, PeerView['atRisk']>, heldFiles: ReadonlyMap<PeerId, HeldFiles>): Promise<PeerView[]> {
    const { membership, directory } = this.options;
    const [members, counts, holdings] = await Promise.all([membership.all(), directory.backupCounts(), directory.holdingCounts()]);
    const backups = new Map<PeerId, PeerView['backups']>();
    for (const count of counts) backups.set(count.primary, [...(backups.get(count.primary) ?? []), { peer: count.backup, segments: count.segments }]);
    const held = new Map(holdings.map((count) => [count.peer, count]));
    return members.map((peer) => ({
      id: peer.id,
      kind: peer.kind,
      status: peer.status,
      backups: (backups.get(peer.id) ?? []).sort((a, b) => b.segments - a.segments || (a.peer < b.peer ? -1 : 1)),
      atRisk: atRisk.get(peer.id) ?? { files: 0, soleCopies: 0 },
      chunks: peer.stats.chunks,
      bytes: peer.stats.bytes,
      capacity: peer.capacity,
      full: peer.stats.full === true,
      durable: isDurable(peer),
      label: peer.label,
      device: peer.device,
      holds: {
        primary: held.get(peer.id)?.primary ?? 0,
        backup: held.get(peer.id)?.backup ?? 0,
        ...(heldFiles.get(peer.id) ?? { files: [], moreFiles: 0 }),
      },
      lastSeen: peer.lastSeen,
    }));
  }

  /** Runs `change` after every update asked for before it. */
  private update<T>(change: () => Promise<T>): Promise<T> {
    const run = this.updates.then(change);
    this.updates = run.catch(() => undefined);
    return run;
  }

  private async applied(changes: readonly StatusChange[]): Promise<void> {
    for (const change of changes) {
      this.options.log(`peer ${change.id.slice(0, 8)} ${change.from} -> ${change.to}`);
      this.options.announce({ id: change.id, status: change.to, connected: this.options.isConnected(change.id) });
    }
    if (changes.length > 0) await this.ringChanged();
  }

  /**
   * Rebuilds the ring after a status change: at once while the mesh is small, at most every
   * RING_COALESCE_MS in a large one. A ring is every online peer's vnodes hashed and sorted (a
   * few hundred thousand at 1,000 peers), and thousands of peers joining at once would
   * otherwise rebuild it once per join.
   */
  private async ringChanged(): Promise<void> {
    const online = await this.options.membership.online();
    if (online.length <= RING_COALESCE_PEERS) {
      this.ring = ringOf(online);
      return;
    }
    if (this.ringTimer) return; // the rebuild already scheduled reads the membership as it is then
    const wait = Math.max(0, this.ringBuiltAt + RING_COALESCE_MS - Date.now());
    this.ringTimer = setTimeout(() => {
      void this.update(async () => {
        this.ringTimer = undefined;
        this.ring = ringOf(await this.options.membership.online());
        this.ringBuiltAt = Date.now();
      });
    }, wait);
    this.ringTimer.unref();
  }
}

/** Online peers past which ring rebuilds are coalesced, and how often they then happen at most. */
const RING_COALESCE_PEERS = 200;
const RING_COALESCE_MS = 250;

const ringOf = (members: readonly Member[]): HashRing => new HashRing(members.map((peer) => ({ id: peer.id, capacity: peer.capacity })));
