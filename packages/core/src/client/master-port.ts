/**
 * What a client asks of the master: where to write, what was written, where a file is, the
 * file list, removal and the mesh's state. MasterConnection (socket.io) implements it; unit
 * tests use an in-memory stand-in.
 */
import type { FileSummary } from '../chunking/manifest.js';
import type { CommitRequest, LocateResult, LockGrant, LockRequest, MeshState, PlaceRequest, PlaceResult, RestoreRequest, VersionSummary } from '../wire/signal-protocol.js';

export interface MasterPort {
  /** Replica sets for a write of every segment (again, with `fileId`, for a retry). */
  place(request: PlaceRequest): Promise<PlaceResult>;
  /** Records the written version; fails if the file changed since `baseVersion`. */
  commit(request: CommitRequest): Promise<FileSummary>;
  /** A version's manifest (the latest without `version`) and its holders' health. */
  locate(request: { name: string; version?: number }): Promise<LocateResult>;
  list(): Promise<FileSummary[]>;
  /** Removes every version of a file; resolves with how many there were. */
  remove(request: { name: string }): Promise<{ removed: number }>;
  status(): Promise<MeshState>;
  /** A file's kept versions, newest first. */
  versions(request: { name: string }): Promise<VersionSummary[]>;
  /** Makes a kept version the file's next version, where its segments are. */
  restore(request: RestoreRequest): Promise<FileSummary>;
  /** Takes a file's lock (a lease); with `wait`, resolves once it is this client's turn. */
  lock(request: LockRequest): Promise<LockGrant>;
  renew(request: { name: string; token: number; ttlMs: number }): Promise<LockGrant>;
  unlock(request: { name: string; token?: number }): Promise<{ released: boolean }>;
}
