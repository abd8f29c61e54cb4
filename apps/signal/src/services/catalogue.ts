/**
 * The file catalogue: listing with health summaries, locating a version's manifest with its
 * holders' statuses, and removal, which answers with a drop plan (which peer unpins which
 * segments). Drops wait in the directory until each peer confirms them.
 */
import {
  FileNotFoundError,
  VersionNotFoundError,
  MAX_HELD_FILES,
  MAX_HELD_SEGMENT_INDICES,
  MAX_SEGMENT_POSITIONS,
  ringPosition,
  segmentKey,
  type FileSummary,
  type LocateResult,
  type PeerHoldings,
  type PeerId,
  type PeerStatus,
  type PeerView,
  type VersionSummary,
} from '@meshdrive/core';
import type { Directory, DropOrder, FileListing } from '../directory/directory.js';
import type { PeerLink } from './peer-link.js';
import type { TicketSource } from './tickets.js';
import type { LockService } from './lock-service.js';
import type { PeerRegistry } from './peer-registry.js';

export interface CatalogueOptions {
  directory: Directory;
  registry: PeerRegistry;
  /** Signs the read ticket each located segment comes with. */
  tickets: TicketSource;
  /** Who holds which file's lock, for listings. */
  locks?: LockService;
  log: (line: string) => void;
}

/**
 * A file's summary: `wanted` is the replicas it was written with, `replicas` the fewest
 * reachable holders (online or stale) over its segments, at most `wanted`: a file is as healthy as its weakest
 * segment, and a segment other files or versions also placed elsewhere is not healthier for it.
 */
export function summarize(file: Omit<FileListing, 'owner' | 'fence'>, statusOf: (peer: PeerId) => PeerStatus): FileSummary {
  const { wanted } = file;
  const live = (holders: readonly PeerId[]): number => Math.min(wanted, holders.filter((holder) => isReachable(statusOf(holder))).length);
  const replicas = file.holders.length === 0 ? wanted : Math.min(...file.holders.map(live));
  return { fileId: file.fileId, name: file.name, size: file.size, version: file.version, createdAt: file.createdAt, replicas, wanted, ...(file.sealed === undefined ? {} : { sealed: file.sealed }) };
}

/** A holder whose copy can be read now or soon: not dead, and not a tab that paused contributing. */
const isReachable = (status: PeerStatus): boolean => status === 'online' || status === 'stale';

/** Per peer, what its leaving would cost (PeerView.atRisk); peers that put nothing at risk are absent. */
export function atRiskByPeer(files: readonly Omit<FileListing, 'owner' | 'fence'>[], statusOf: (peer: PeerId) => PeerStatus): Map<PeerId, PeerView['atRisk']> {
  const risk = new Map<PeerId, PeerView['atRisk']>();
  const entry = (peer: PeerId): PeerView['atRisk'] => {
    let found = risk.get(peer);
    if (!found) risk.set(peer, (found = { files: 0, soleCopies: 0 }));
    return found;
  };
  for (const file of files) {
    const below = new Set<PeerId>();
    const sole = new Set<PeerId>();
    for (const holders of file.holders) {
      const live = holders.filter((holder) => isReachable(statusOf(holder)));
      if (live.length > file.wanted) continue;
      for (const holder of live) below.add(holder);
      if (live.length === 1) sole.add(live[0]!);
    }
    for (const peer of below) entry(peer).files++;
    for (const peer of sole) entry(peer).soleCopies++;
  }
  return risk;
}

/** The part of a peer's holdings that names files; the counts come from the directory's holder rows. */
export type HeldFiles = Pick<PeerHoldings, 'files' | 'moreFiles'>;

/** Per peer, which of `files` (latest versions) it holds segments of, and which segments; peers holding none are absent. */
export function heldFilesByPeer(files: readonly Pick<FileListing, 'name' | 'holders'>[]): Map<PeerId, HeldFiles> {
  const held = new Map<PeerId, PeerHoldings['files']>();
  for (const file of files) {
    const mine = new Map<PeerId, PeerHoldings['files'][number]>();
    file.holders.forEach((holders, index) => {
      for (const peer of holders) {
        let entry = mine.get(peer);
        if (!entry) mine.set(peer, (entry = { name: file.name, segments: 0, indices: [] }));
        entry.segments++;
        if (entry.indices.length < MAX_HELD_SEGMENT_INDICES) entry.indices.push(index);
      }
    });
    for (const [peer, entry] of mine) {
      const entries = held.get(peer) ?? [];
      entries.push(entry);
      held.set(peer, entries);
    }
  }
  const listed = new Map<PeerId, HeldFiles>();
  for (const [peer, entries] of held) {
    entries.sort((a, b) => b.segments - a.segments || (a.name < b.name ? -1 : 1));
    listed.set(peer, { files: entries.slice(0, MAX_HELD_FILES), moreFiles: Math.max(0, entries.length - MAX_HELD_FILES) });
  }
  return listed;
}

/**
 * Where the segments of `files` sit on the ring (MeshState.segmentPositions): each one's
 * placement key, every n-th beyond `max` so the picture keeps the spread of a large catalogue.
 */
export function segmentPositions(files: readonly Pick<FileListing, 'fileId' | 'holders'>[], max = MAX_SEGMENT_POSITIONS): number[] {
  const total = files.reduce((sum, file) => sum + file.holders.length, 0);
  const every = Math.max(1, Math.ceil(total / max));
  const positions: number[] = [];
  let seen = 0;
  for (const file of files) {
    for (let index = 0; index < file.holders.length; index++) {
      if (seen++ % every === 0) positions.push(ringPosition(segmentKey(file.fileId, index)));
    }
  }
  return positions;
}

/** What the mesh view needs from the catalogue (see Catalogue.overview). */
export interface CatalogueOverview {
  files: (FileSummary & { owner: string })[];
  atRisk: Map<PeerId, PeerView['atRisk']>;
  heldFiles: Map<PeerId, HeldFiles>;
  segmentPositions: number[];
}

export class Catalogue {
  constructor(private readonly options: CatalogueOptions) {}

  /** `owner`'s files, or every owner's when undefined. */
  /** `owner`'s files, or every owner's when undefined. */
  async list(owner?: string): Promise<(FileSummary & { owner: string })[]> {
    const [files, statusOf, locks] = await Promise.all([this.options.directory.listFiles(owner), this.options.registry.statuses(), owner === undefined ? undefined : this.options.locks?.held(owner)]);
    return files.map((file) => {
      const lock = locks?.get(file.name);
      return { ...summarize(file, statusOf), owner: file.owner, ...(lock ? { lock } : {}), ...(file.ownerKey === undefined ? {} : { sharedKey: file.ownerKey }) };
    });
  }

  /** `user`'s files, then those other users shared with them, each with its lock holder and the file key sealed to `user`. */
  async listFor(user: string): Promise<(FileSummary & { owner: string })[]> {
    const [own, shared, statusOf] = await Promise.all([this.list(user), this.options.directory.sharedWith(user), this.options.registry.statuses()]);
    const owners = [...new Set(shared.map((file) => file.owner))];
    const locks = new Map(await Promise.all(owners.map(async (owner) => [owner, await this.options.locks?.held(owner)] as const)));
    return [
      ...own,
      ...shared.map((file) => {
        const lock = locks.get(file.owner)?.get(file.name);
        return { ...summarize(file, statusOf), owner: file.owner, shared: { owner: file.owner, write: file.write }, ...(lock ? { lock } : {}), ...(file.shareKey === undefined ? {} : { sharedKey: file.shareKey }) };
      }),
    ];
  }

  /** The kept versions of `owner`'s file, newest first, each with its file key sealed to `caller` where one was. */
  async versions(owner: string, name: string, caller = owner): Promise<VersionSummary[]> {
    const file = await this.options.directory.findFile(owner, name);
    if (!file) throw new FileNotFoundError(name);
    const [versions, keys] = await Promise.all([this.options.directory.listVersions(file.fileId), this.options.directory.shareKeys(file.fileId, caller)]);
    return versions.map((version) => {
      const shareKey = keys.get(version.version);
      return { fileId: file.fileId, ...version, ...(shareKey === undefined ? {} : { shareKey }) };
    });
  }

  /**
   * What the mesh view needs from the files: `owner`'s files and those shared with them (every
   * owner's when undefined), which of their own each peer holds and where their segments sit on
   * the ring, and what each peer's leaving would cost, over every owner's files.
   */
  async overview(owner?: string | null): Promise<CatalogueOverview> {
    const [all, statusOf] = await Promise.all([this.options.directory.listFiles(), this.options.registry.statuses()]);
    // null: a caller with no account sees no one's files, names or segments.
    const mine = owner === undefined ? all : owner === null ? [] : all.filter((file) => file.owner === owner);
    // A person sees their files as their listing shows them: with locks, and the files shared with them.
    const files = typeof owner === 'string' ? await this.listFor(owner) : mine.map((file) => ({ ...summarize(file, statusOf), owner: file.owner }));
    return {
      files,
      atRisk: atRiskByPeer(all, statusOf),
      heldFiles: heldFilesByPeer(mine),
      segmentPositions: segmentPositions(mine),
    };
  }

  /**
   * A version's manifest (the latest by default), the status of every holder it names, and
   * `client`'s read ticket for each segment; with the version's file key sealed to `caller`, if one was.
   */
  async locate(client: PeerId, owner: string, request: { name: string; version?: number }, caller = owner): Promise<LocateResult> {
    const { directory, registry } = this.options;
    const file = await directory.findFile(owner, request.name);
    if (!file) throw new FileNotFoundError(request.name);
    const manifest = await directory.getManifest(file.fileId, request.version ?? file.version);
    if (!manifest) throw request.version === undefined ? new FileNotFoundError(request.name) : new VersionNotFoundError(request.name, request.version);
    const statusOf = await registry.statuses();
    const status: Record<string, PeerStatus> = {};
    for (const segment of manifest.segments) for (const holder of segment.holders) status[holder] = statusOf(holder);
    const [tickets, keys] = await Promise.all([Promise.all(manifest.segments.map((segment) => this.options.tickets.read(client, segment.listHash))), directory.shareKeys(file.fileId, caller)]);
    const shareKey = keys.get(manifest.version);
    return { manifest, status, tickets, ...(shareKey === undefined ? {} : { shareKey }) };
  }

  /** Removes every version; the drops are queued for the holders, to be delivered with deliverDrops. */
  async remove(owner: string, name: string): Promise<{ removed: number; drops: DropOrder[] }> {
    const { versions, drops } = await this.options.directory.removeFile(owner, name);
    if (versions === 0) throw new FileNotFoundError(name);
    this.options.log(`removed "${name}" (${versions} versions)`);
    return { removed: versions, drops };
  }

  /**
   * Sends a peer the drops queued for it; they are forgotten only once it confirms. A segment it
   * holds again since (written to it anew, or copied back by a repair) is not dropped: the order
   * is forgotten instead.
   */
  async deliverDrops(peer: PeerId, link: PeerLink | undefined): Promise<void> {
    const { directory, log } = this.options;
    const queued = await directory.pendingDrops(peer);
    if (!link || queued.length === 0) return;
    const info = await directory.segmentInfo(queued);
    const heldAgain = queued.filter((list) => info.get(list)?.holders.includes(peer) === true);
    if (heldAgain.length > 0) await directory.clearDrops(peer, heldAgain);
    const lists = queued.filter((list) => !heldAgain.includes(list));
    if (lists.length === 0) return;
    if (!(await link.drop(lists))) return;
    log(`peer ${peer.slice(0, 8)} dropped ${lists.length} segments it no longer holds for anyone`);
    await directory.clearDrops(peer, lists).catch((failure: unknown) => log(`could not clear drops: ${String(failure)}`));
  }
}
