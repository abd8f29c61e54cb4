/**
 * What a client asks of the master: where to write, what was written, where a file is, the
 * file list, removal and the mesh's state. MasterConnection (socket.io) implements it; unit
 * tests use an in-memory stand-in.
 */
import type { FileSummary } from '../chunking/manifest.js';
import type { SharingKeys } from '../crypto/share-keys.js';
import type { CommitRequest, LocateResult, LockGrant, LockRequest, MeshState, PlaceRequest, PlaceResult, RenewRequest, RestoreRequest, ShareRequest, ShareView, UnlockRequest, VersionSummary } from '../wire/signal-protocol.js';

export interface MasterPort {
  /** Replica sets for a write of every segment (again, with `fileId`, for a retry). */
  place(request: PlaceRequest): Promise<PlaceResult>;
  /** Records the written version; fails if the file changed since `baseVersion`. */
  commit(request: CommitRequest): Promise<FileSummary>;
  /** A version's manifest (the latest without `version`) and its holders' health. */
  locate(request: { name: string; version?: number; owner?: string }): Promise<LocateResult>;
  list(): Promise<FileSummary[]>;
  /** Removes every version of a file; resolves with how many there were. */
  remove(request: { name: string }): Promise<{ removed: number }>;
  status(): Promise<MeshState>;
  /** A file's kept versions, newest first. */
  versions(request: { name: string; owner?: string }): Promise<VersionSummary[]>;
  /** Makes a kept version the file's next version, where its segments are. */
  restore(request: RestoreRequest): Promise<FileSummary>;
  /** Takes a file's lock (a lease); with `wait`, resolves once it is this client's turn. */
  lock(request: LockRequest): Promise<LockGrant>;
  renew(request: RenewRequest): Promise<LockGrant>;
  unlock(request: UnlockRequest): Promise<{ released: boolean }>;
  share(request: ShareRequest): Promise<{ shared: true }>;
  unshare(request: { name: string; with: string }): Promise<{ removed: boolean }>;
  sharees(request: { name: string }): Promise<ShareView[]>;
  userKey(request: { user: string }): Promise<{ user: string; publicKey: string }>;
  myKeys(): Promise<{ sharing?: SharingKeys }>;
  setMyKeys(request: { sharing: SharingKeys }): Promise<{ sharing: SharingKeys }>;
}
