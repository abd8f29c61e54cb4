/**
 * Every failure Meshdrive reports is a MeshError with a stable `code`, so tests assert on the
 * code, the CLI and the web app show `message` as one clear sentence, and the wire carries both.
 */
export class MeshError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ValidationError extends MeshError {
  constructor(message: string) { super('ERR_VALIDATION', message); }
}
export class FrameError extends MeshError {
  constructor(message: string) { super('ERR_FRAME', message); }
}
export class FrameTooLargeError extends MeshError {
  constructor(size: number, max: number) {
    super('ERR_FRAME_TOO_LARGE', `frame of ${size} bytes exceeds the ${max}-byte limit`);
  }
}
export class ChunkCorruptError extends MeshError {
  constructor(expected: string, actual: string) {
    super('ERR_CHUNK_CORRUPT', `chunk bytes hash to ${actual.slice(0, 12)}… but were named ${expected.slice(0, 12)}…`);
  }
}
export class ChunkNotFoundError extends MeshError {
  constructor(hash: string) { super('ERR_CHUNK_NOT_FOUND', `chunk ${hash.slice(0, 12)}… is not held here`); }
}
export class FileNotFoundError extends MeshError {
  constructor(name: string) { super('ERR_FILE_NOT_FOUND', `no file named "${name}" in the mesh`); }
}
export class NoPeersError extends MeshError {
  constructor() { super('ERR_NO_PEERS', 'no storage peers are online: start one with `meshdrive peer` or open the web app'); }
}
export class PeerUnavailableError extends MeshError {
  constructor(peerId: string, why: string) { super('ERR_PEER_UNAVAILABLE', `peer ${peerId.slice(0, 8)} is unavailable: ${why}`); }
}
export class ReplicasUnavailableError extends MeshError {
  constructor(what: string) { super('ERR_REPLICAS_UNAVAILABLE', `every replica of ${what} failed; the data may return when its peers do`); }
}
export class InsufficientReplicasError extends MeshError {
  constructor(got: number, wanted: number) {
    super('ERR_INSUFFICIENT_REPLICAS', `only ${got} of ${wanted} required replicas confirmed the write`);
  }
}
export class VersionConflictError extends MeshError {
  constructor(name: string, expected: number, actual: number) {
    super('ERR_VERSION_CONFLICT', `"${name}" changed while you were writing it (expected version ${expected}, found ${actual}); send again`);
  }
}
export class TimeoutError extends MeshError {
  constructor(what: string, ms: number) { super('ERR_TIMEOUT', `${what} did not answer within ${ms} ms`); }
}
export class MasterUnreachableError extends MeshError {
  constructor(url: string, why: string) { super('ERR_MASTER_UNREACHABLE', `cannot reach the master at ${url}: ${why}`); }
}
export class StoreClosedError extends MeshError {
  constructor() { super('ERR_STORE_CLOSED', 'the chunk store is closed'); }
}
export class QuotaExceededError extends MeshError {
  constructor(message: string) { super('ERR_QUOTA_EXCEEDED', message); }
}
export class UnauthorizedError extends MeshError {
  constructor(message = 'not authorized') { super('ERR_UNAUTHORIZED', message); }
}

export class SendExpiredError extends MeshError {
  constructor(name: string) {
    super('ERR_SEND_EXPIRED', `the send of "${name}" was interrupted for too long and its segments may have been freed; send it again`);
  }
}

/** Wire form of an error: what crosses socket.io and data channels. */
export interface ErrorPayload { code: string; message: string }

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof MeshError) return { code: error.code, message: error.message };
  return { code: 'ERR_INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** Rebuilds an error that crossed the wire; the code survives, the class becomes MeshError. */
export function fromErrorPayload(payload: ErrorPayload): MeshError {
  return new MeshError(payload.code, payload.message);
}
