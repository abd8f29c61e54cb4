/** The directory in memory: unit tests, and a master started with --volatile. */
import { segmentKey, type FileId, type Manifest, type PeerId } from '@meshdrive/core';
import { replicationOf, type SegmentInfo, type BackupCount, type Directory, type HoldingCount, type DropOrder, type FileListing, type FileRecord, type KnownPeer, type RemovedFile, type ShareRecord, type SharedListing, type VersionRecord } from './directory.js';

type StoredSegment = Omit<Manifest['segments'][number], 'holders'>;
type StoredVersion = Omit<Manifest, 'segments'> & { segments: StoredSegment[] };

export class MemoryDirectory implements Directory {
  private readonly files = new Map<string, FileRecord>();
  private readonly versions = new Map<string, StoredVersion>();
  /** The replicas each version was written with. */
  private readonly replication = new Map<string, number>();
  /** Holders of each segment list, primary first. */
  private readonly holders = new Map<string, PeerId[]>();
  /** How many (version, segment) entries name each list. */
  private readonly uses = new Map<string, number>();
  private readonly peers = new Map<string, KnownPeer>();
  private readonly drops = new Map<string, Set<string>>();
  private fences = 0;
  private readonly shares = new Map<string, ShareRecord>();
  /** Shared file keys, by shareKeyKey. */
  private readonly keys = new Map<string, string>();

  findFile(owner: string, name: string): Promise<FileRecord | undefined> {
    const file = this.files.get(fileKey(owner, name));
    return Promise.resolve(file && { ...file });
  }

  listFiles(owner?: string): Promise<FileListing[]> {
    const listings: FileListing[] = [];
    for (const file of this.files.values()) {
      if (owner !== undefined && file.owner !== owner) continue;
      const listing = this.listingOf(file);
      if (listing) listings.push(listing);
    }
    return Promise.resolve(listings.sort((a, b) => compare(a.owner, b.owner) || compare(a.name, b.name)));
  }

  sharedWith(user: string): Promise<SharedListing[]> {
    const listings: SharedListing[] = [];
    for (const share of this.shares.values()) {
      const file = share.user === user ? this.files.get(fileKey(share.owner, share.name)) : undefined;
      const listing = file && this.listingOf(file);
      if (!listing) continue;
      const shareKey = this.keys.get(shareKeyKey(file.fileId, file.version, user));
      listings.push({ ...listing, write: share.write, ...(shareKey === undefined ? {} : { shareKey }) });
    }
    return Promise.resolve(listings.sort((a, b) => compare(a.owner, b.owner) || compare(a.name, b.name)));
  }

  putShare(share: ShareRecord): Promise<void> {
    this.shares.set(shareKey(share.owner, share.name, share.user), { ...share });
    return Promise.resolve();
  }

  removeShare(owner: string, name: string, user: string): Promise<boolean> {
    const removed = this.shares.delete(shareKey(owner, name, user));
    const file = this.files.get(fileKey(owner, name));
    if (file) for (const key of [...this.keys.keys()]) if (key.startsWith(`${file.fileId}@`) && key.endsWith(`\u0000${user}`)) this.keys.delete(key);
    return Promise.resolve(removed);
  }

  sharesOf(owner: string, name: string): Promise<ShareRecord[]> {
    return Promise.resolve([...this.shares.values()].filter((share) => share.owner === owner && share.name === name).map((share) => ({ ...share })).sort((a, b) => compare(a.user, b.user)));
  }

  putShareKeys(fileId: FileId, keys: readonly { version: number; user: string; key: string }[]): Promise<void> {
    for (const key of keys) if (this.versions.has(versionKey(fileId, key.version))) this.keys.set(shareKeyKey(fileId, key.version, key.user), key.key);
    return Promise.resolve();
  }

  shareKeys(fileId: FileId, user: string): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    for (const [key, value] of this.keys) {
      const match = /^(.*)@(\d+)\u0000(.*)$/s.exec(key);
      if (match && match[1] === fileId && match[3] === user) found.set(Number(match[2]), value);
    }
    return Promise.resolve(found);
  }

  private listingOf(file: FileRecord): FileListing | undefined {
    const latest = this.versions.get(versionKey(file.fileId, file.version));
    if (!latest) return undefined;
    const ownerKey = this.keys.get(shareKeyKey(file.fileId, file.version, file.owner));
    return { ...file, size: latest.size, createdAt: latest.createdAt, wanted: this.replication.get(versionKey(file.fileId, file.version)) ?? 0, holders: latest.segments.map((segment) => this.holdersOf(segment.listHash)), ...(latest.sealed === undefined ? {} : { sealed: latest.sealed }), ...(ownerKey === undefined ? {} : { ownerKey }) };
  }

  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined> {
    const stored = this.versions.get(versionKey(fileId, version));
    if (!stored) return Promise.resolve(undefined);
    return Promise.resolve({ ...stored, segments: stored.segments.map((segment) => ({ ...segment, holders: this.holdersOf(segment.listHash) })) });
  }

  commitVersion(manifest: Manifest, baseVersion: number, fence = 0): Promise<boolean> {
    const key = fileKey(manifest.owner, manifest.name);
    const current = this.files.get(key);
    if ((current?.version ?? 0) !== baseVersion) return Promise.resolve(false);
    if (current && current.fileId !== manifest.fileId) return Promise.resolve(false);
    if (fence > 0 && fence < (current?.fence ?? 0)) return Promise.resolve(false);
    const version = baseVersion + 1;
    this.files.set(key, { fileId: manifest.fileId, name: manifest.name, owner: manifest.owner, version, fence: Math.max(fence, current?.fence ?? 0) });
    const segments = manifest.segments.map(({ listHash, plainSize, storedSize }) => ({ listHash, plainSize, storedSize }));
    this.versions.set(versionKey(manifest.fileId, version), { ...manifest, version, segments });
    this.replication.set(versionKey(manifest.fileId, version), replicationOf(manifest));
    for (const segment of manifest.segments) {
      this.uses.set(segment.listHash, (this.uses.get(segment.listHash) ?? 0) + 1);
      const holders = this.holders.get(segment.listHash) ?? [];
      for (const holder of segment.holders) if (!holders.includes(holder)) holders.push(holder);
      this.holders.set(segment.listHash, holders);
    }
    return Promise.resolve(true);
  }

  removeFile(owner: string, name: string): Promise<RemovedFile> {
    const key = fileKey(owner, name);
    const file = this.files.get(key);
    if (!file) return Promise.resolve({ versions: 0, drops: [] });
    this.files.delete(key);
    for (const share of [...this.shares.values()]) if (share.owner === owner && share.name === name) this.shares.delete(shareKey(owner, name, share.user));
    return Promise.resolve(this.forgetVersions(file.fileId, file.version));
  }

  listVersions(fileId: FileId): Promise<VersionRecord[]> {
    const kept = [...this.versions.values()].filter((stored) => stored.fileId === fileId).sort((a, b) => b.version - a.version);
    return Promise.resolve(kept.map((stored) => ({ version: stored.version, size: stored.size, createdAt: stored.createdAt, ...(stored.sealed === undefined ? {} : { sealed: stored.sealed }) })));
  }

  pruneVersions(fileId: FileId, keep: number): Promise<RemovedFile> {
    const file = [...this.files.values()].find((candidate) => candidate.fileId === fileId);
    if (!file || file.version <= keep) return Promise.resolve({ versions: 0, drops: [] });
    return Promise.resolve(this.forgetVersions(fileId, file.version - Math.max(1, keep)));
  }

  nextFence(): Promise<number> {
    return Promise.resolve(++this.fences);
  }

  /** Forgets versions 1..`last` of a file, and the segments nothing else names, queueing their drops. */
  private forgetVersions(fileId: FileId, last: number): RemovedFile {
    const orphans = new Set<string>();
    let versions = 0;
    for (let version = 1; version <= last; version++) {
      const stored = this.versions.get(versionKey(fileId, version));
      if (!stored) continue;
      versions++;
      this.versions.delete(versionKey(fileId, version));
      for (const key of [...this.keys.keys()]) if (key.startsWith(`${versionKey(fileId, version)}\u0000`)) this.keys.delete(key);
      this.replication.delete(versionKey(fileId, version));
      for (const { listHash } of stored.segments) {
        const left = (this.uses.get(listHash) ?? 1) - 1;
        if (left > 0) {
          this.uses.set(listHash, left);
          continue;
        }
        this.uses.delete(listHash);
        orphans.add(listHash);
      }
    }
    const byPeer = new Map<PeerId, string[]>();
    for (const list of orphans) {
      for (const holder of this.holdersOf(list)) byPeer.set(holder, [...(byPeer.get(holder) ?? []), list]);
      this.holders.delete(list);
    }
    const drops: DropOrder[] = [...byPeer].map(([peer, lists]) => ({ peer, lists }));
    for (const { peer, lists } of drops) for (const list of lists) this.queueDrop(peer, list);
    return { versions, drops };
  }

  segmentsHeldBy(peer: PeerId): Promise<string[]> {
    return Promise.resolve([...this.holders].filter(([, holders]) => holders.includes(peer)).map(([list]) => list).sort(compare));
  }

  replaceHolder(list: string, from: PeerId, to: PeerId): Promise<boolean> {
    const holders = this.holders.get(list);
    const at = holders?.indexOf(from) ?? -1;
    if (!holders || at < 0) return Promise.resolve(false);
    if (holders.includes(to)) holders.splice(at, 1);
    else holders[at] = to;
    this.queueDrop(from, list);
    return Promise.resolve(true);
  }

  removeHolder(list: string, peer: PeerId): Promise<boolean> {
    const holders = this.holders.get(list);
    const at = holders?.indexOf(peer) ?? -1;
    if (!holders || at < 0) return Promise.resolve(false);
    holders.splice(at, 1);
    this.queueDrop(peer, list);
    return Promise.resolve(true);
  }

  private queueDrop(peer: PeerId, list: string): void {
    const queue = this.drops.get(peer) ?? new Set<string>();
    queue.add(list);
    this.drops.set(peer, queue);
  }

  addHolder(list: string, peer: PeerId): Promise<boolean> {
    const holders = this.holders.get(list);
    if (!holders || holders.includes(peer)) return Promise.resolve(false);
    holders.push(peer);
    return Promise.resolve(true);
  }

  segmentInfo(lists: readonly string[]): Promise<Map<string, SegmentInfo>> {
    const wanted = new Set(lists);
    return Promise.resolve(this.infoWhere((list) => wanted.has(list)));
  }

  segmentsAfter(after: string, limit: number): Promise<[string, SegmentInfo][]> {
    return Promise.resolve([...this.infoWhere((list) => list > after)].sort(([a], [b]) => compare(a, b)).slice(0, limit));
  }

  private infoWhere(wanted: (list: string) => boolean): Map<string, SegmentInfo> {
    const info = new Map<string, SegmentInfo & { first: string }>();
    for (const version of this.versions.values()) {
      version.segments.forEach((segment, index) => {
        if (!wanted(segment.listHash)) return;
        const known = info.get(segment.listHash);
        // The same first naming as SQL's MIN(file_id), MIN(idx): by file id, then index.
        const first = `${version.fileId}\u0000${String(index).padStart(12, '0')}`;
        const key = known && known.first < first ? known.key : segmentKey(version.fileId, index);
        info.set(segment.listHash, {
          holders: this.holdersOf(segment.listHash),
          storedSize: Math.max(known?.storedSize ?? 0, segment.storedSize),
          key,
          first: known && known.first < first ? known.first : first,
        });
      });
    }
    return new Map([...info].map(([list, { holders, storedSize, key }]) => [list, { holders, storedSize, key }]));
  }

  backupCounts(): Promise<BackupCount[]> {
    const counts = new Map<string, BackupCount>();
    for (const [primary, ...backups] of this.holders.values()) {
      if (primary === undefined) continue;
      for (const backup of backups) {
        const key = `${primary}\u0000${backup}`;
        const count = counts.get(key) ?? { primary, backup, segments: 0 };
        count.segments++;
        counts.set(key, count);
      }
    }
    return Promise.resolve([...counts.values()]);
  }

  holdingCounts(): Promise<HoldingCount[]> {
    const counts = new Map<PeerId, HoldingCount>();
    for (const holders of this.holders.values()) {
      holders.forEach((peer, position) => {
        const count = counts.get(peer) ?? { peer, primary: 0, backup: 0 };
        if (position === 0) count.primary++;
        else count.backup++;
        counts.set(peer, count);
      });
    }
    return Promise.resolve([...counts.values()]);
  }

  pendingDrops(peer: PeerId): Promise<string[]> {
    return Promise.resolve([...(this.drops.get(peer) ?? [])]);
  }

  clearDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    const queue = this.drops.get(peer);
    for (const list of lists) queue?.delete(list);
    return Promise.resolve();
  }

  rememberPeer(peer: KnownPeer): Promise<void> {
    this.peers.set(peer.id, { ...peer });
    return Promise.resolve();
  }

  knownPeers(): Promise<KnownPeer[]> {
    return Promise.resolve([...this.peers.values()].map((peer) => ({ ...peer })));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private holdersOf(list: string): PeerId[] {
    return [...(this.holders.get(list) ?? [])];
  }
}

const fileKey = (owner: string, name: string): string => `${owner}\u0000${name}`;
const versionKey = (fileId: string, version: number): string => `${fileId}@${version}`;
const shareKey = (owner: string, name: string, user: string): string => `${owner}\u0000${name}\u0000${user}`;
const shareKeyKey = (fileId: string, version: number, user: string): string => `${versionKey(fileId, version)}\u0000${user}`;
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
