/** The directory in memory: unit tests, and a master started without a data directory. */
import type { FileId, Manifest, PeerId } from '@meshdrive/core';
import type { Directory, FileRecord, KnownPeer } from './directory.js';

export class MemoryDirectory implements Directory {
  private readonly files = new Map<string, FileRecord>();
  private readonly manifests = new Map<string, Manifest>();
  private readonly peers = new Map<string, KnownPeer>();
  private readonly drops = new Map<string, Set<string>>();

  findFile(owner: string, name: string): Promise<FileRecord | undefined> {
    const file = this.files.get(`${owner}\u0000${name}`);
    return Promise.resolve(file && { ...file });
  }

  listFiles(owner: string): Promise<FileRecord[]> {
    return Promise.resolve([...this.files.values()].filter((file) => file.owner === owner).map((file) => ({ ...file })));
  }

  allFiles(): Promise<FileRecord[]> {
    return Promise.resolve([...this.files.values()].map((file) => ({ ...file })));
  }

  getManifest(fileId: FileId, version: number): Promise<Manifest | undefined> {
    return Promise.resolve(this.manifests.get(`${fileId}@${version}`));
  }

  commitVersion(manifest: Manifest, baseVersion: number): Promise<boolean> {
    const key = `${manifest.owner}\u0000${manifest.name}`;
    const current = this.files.get(key);
    if ((current?.version ?? 0) !== baseVersion) return Promise.resolve(false);
    if (current && current.fileId !== manifest.fileId) return Promise.resolve(false);
    this.files.set(key, { fileId: manifest.fileId, name: manifest.name, owner: manifest.owner, version: baseVersion + 1 });
    this.manifests.set(`${manifest.fileId}@${baseVersion + 1}`, { ...manifest, version: baseVersion + 1 });
    return Promise.resolve(true);
  }

  removeFile(owner: string, name: string): Promise<{ versions: number; orphanLists: string[] }> {
    const key = `${owner}\u0000${name}`;
    const file = this.files.get(key);
    if (!file) return Promise.resolve({ versions: 0, orphanLists: [] });
    this.files.delete(key);
    const lists = new Set<string>();
    let versions = 0;
    for (let version = 1; version <= file.version; version++) {
      const manifest = this.manifests.get(`${file.fileId}@${version}`);
      if (!manifest) continue;
      versions++;
      for (const segment of manifest.segments) lists.add(segment.listHash);
      this.manifests.delete(`${file.fileId}@${version}`);
    }
    for (const manifest of this.manifests.values()) for (const segment of manifest.segments) lists.delete(segment.listHash);
    return Promise.resolve({ versions, orphanLists: [...lists] });
  }

  usedLists(lists: readonly string[]): Promise<Set<string>> {
    const all = new Set<string>();
    for (const manifest of this.manifests.values()) for (const segment of manifest.segments) all.add(segment.listHash);
    return Promise.resolve(new Set(lists.filter((list) => all.has(list))));
  }

  queueDrops(peer: PeerId, lists: readonly string[]): Promise<void> {
    const queue = this.drops.get(peer) ?? new Set<string>();
    for (const list of lists) queue.add(list);
    this.drops.set(peer, queue);
    return Promise.resolve();
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
}
