/**
 * Every failure Meshdrive reports is a MeshError subclass with a stable `code` (its class's
 * `static readonly code`), so tests assert on the code, the CLI and the web app show one clear
 * sentence per code, and the wire carries both. An error payload turns back into its own class
 * on the other side (fromErrorPayload), so `instanceof` works across peers and the master.
 */
export class MeshError extends Error {
  static readonly code: string = 'ERR_MESH';
  readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = new.target.code;
    this.name = new.target.name;
  }
}

/** Anything unexpected: a bug or a failure no other class names. */
export class InternalError extends MeshError {
  static override readonly code = 'ERR_INTERNAL';
}
export class ValidationError extends MeshError {
  static override readonly code = 'ERR_VALIDATION';
}
/** The other side broke the protocol: a malformed reply or an answer that makes no sense. */
export class ProtocolError extends MeshError {
  static override readonly code = 'ERR_PROTOCOL';
}
export class FrameError extends MeshError {
  static override readonly code = 'ERR_FRAME';
}
export class FrameTooLargeError extends MeshError {
  static override readonly code = 'ERR_FRAME_TOO_LARGE';
  constructor(size: number, max: number) {
    super(`frame of ${size} bytes exceeds the ${max}-byte limit`);
  }
}
export class ChunkCorruptError extends MeshError {
  static override readonly code = 'ERR_CHUNK_CORRUPT';
  constructor(expected: string, actual: string) {
    super(`chunk bytes hash to ${actual.slice(0, 12)}… but were named ${expected.slice(0, 12)}…`);
  }
}
export class ChunkNotFoundError extends MeshError {
  static override readonly code = 'ERR_CHUNK_NOT_FOUND';
  constructor(hash: string) {
    super(`chunk ${hash.slice(0, 12)}… is not held here`);
  }
}
/** A Seal found chunks of its segment missing: some Push never arrived. */
export class SegmentIncompleteError extends MeshError {
  static override readonly code = 'ERR_SEGMENT_INCOMPLETE';
  constructor(list: string, absent: number, total: number) {
    super(`segment ${list.slice(0, 12)}… is missing ${absent} of ${total} chunks`);
  }
}
export class FileNotFoundError extends MeshError {
  static override readonly code = 'ERR_FILE_NOT_FOUND';
  constructor(name: string) {
    super(`no file named "${name}" in the mesh`);
  }
}
export class NoPeersError extends MeshError {
  static override readonly code = 'ERR_NO_PEERS';
  constructor() {
    super('no storage peers are online: start one with `meshdrive peer` or open the web app');
  }
}
export class PeerUnavailableError extends MeshError {
  static override readonly code = 'ERR_PEER_UNAVAILABLE';
  constructor(peerId: string, why: string) {
    super(`peer ${peerId.slice(0, 8)} is unavailable: ${why}`);
  }
}
export class ReplicasUnavailableError extends MeshError {
  static override readonly code = 'ERR_REPLICAS_UNAVAILABLE';
  constructor(what: string, options?: { cause?: unknown }) {
    super(`every replica of ${what} failed; the data may return when its peers do`, options);
  }
}
/** A segment's Seal came back from fewer replicas than it was sent to. */
export class ReplicationError extends MeshError {
  static override readonly code = 'ERR_REPLICATION';
  constructor(list: string, got: number, wanted: number) {
    super(`only ${got} of ${wanted} replicas stored segment ${list.slice(0, 12)}…`);
  }
}
export class VersionConflictError extends MeshError {
  static override readonly code = 'ERR_VERSION_CONFLICT';
  constructor(name: string, expected: number, actual: number) {
    super(`"${name}" changed while you were writing it (expected version ${expected}, found ${actual}); send again`);
  }
}
export class TimeoutError extends MeshError {
  static override readonly code = 'ERR_TIMEOUT';
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}
export class MasterUnreachableError extends MeshError {
  static override readonly code = 'ERR_MASTER_UNREACHABLE';
  constructor(url: string, why: string) {
    super(`cannot reach the master at ${url}: ${why}`);
  }
}
/** A request reached an endpoint that only makes requests (a client, not a storage peer). */
export class NotServingError extends MeshError {
  static override readonly code = 'ERR_NOT_SERVING';
  constructor() {
    super('this endpoint does not serve requests');
  }
}
/** A request handler finished without answering: a bug on the serving side. */
export class NoReplyError extends MeshError {
  static override readonly code = 'ERR_NO_REPLY';
  constructor() {
    super('request handled without a reply');
  }
}
export class StoreClosedError extends MeshError {
  static override readonly code = 'ERR_STORE_CLOSED';
  constructor() {
    super('the chunk store is closed');
  }
}
/** Storage failed to read or write: a damaged pack, a failed disk write, a directory.db this master cannot open. */
export class StoreError extends MeshError {
  static override readonly code = 'ERR_STORE';
}
export class QuotaExceededError extends MeshError {
  static override readonly code = 'ERR_QUOTA_EXCEEDED';
}
export class UnauthorizedError extends MeshError {
  static override readonly code = 'ERR_UNAUTHORIZED';
  constructor(message = 'not authorized') {
    super(message);
  }
}
export class SendExpiredError extends MeshError {
  static override readonly code = 'ERR_SEND_EXPIRED';
  constructor(name: string) {
    super(`the send of "${name}" was interrupted for too long and its segments may have been freed; send it again`);
  }
}

/** The master needs an account and the request carried no access token. */
export class AuthRequiredError extends MeshError {
  static override readonly code = 'ERR_AUTH_REQUIRED';
  constructor(message = 'this master needs an account: sign in first') {
    super(message);
  }
}
/** Sign-in refused: the same answer for an unknown user and a wrong password, so names cannot be probed. */
export class BadCredentialsError extends MeshError {
  static override readonly code = 'ERR_BAD_CREDENTIALS';
  constructor() {
    super('wrong user name or password');
  }
}
export class UserExistsError extends MeshError {
  static override readonly code = 'ERR_USER_EXISTS';
  constructor(user: string) {
    super(`the user name "${user}" is taken`);
  }
}
export class TokenExpiredError extends MeshError {
  static override readonly code = 'ERR_TOKEN_EXPIRED';
  constructor(what = 'access token') {
    super(`the ${what} has expired`);
  }
}
/** Not a token this master issued: malformed, unknown or revoked. */
export class TokenInvalidError extends MeshError {
  static override readonly code = 'ERR_TOKEN_INVALID';
}
/** A token signed with an algorithm other than the one pinned (`none` included). */
export class TokenAlgorithmError extends MeshError {
  static override readonly code = 'ERR_TOKEN_ALGORITHM';
}
/** A token whose signature is not the master's: forged, altered or signed with another key. */
export class TokenSignatureError extends MeshError {
  static override readonly code = 'ERR_TOKEN_SIGNATURE';
}
/** A token issued by someone else or for another service (issuer or audience). */
export class TokenClaimsError extends MeshError {
  static override readonly code = 'ERR_TOKEN_CLAIMS';
}
/** Too many requests in too short a time from one connection or for one account; slow down. */
export class RateLimitedError extends MeshError {
  static override readonly code = 'ERR_RATE_LIMITED';
}
/** A commit named a segment or a holder the peers never confirmed: the master records only what peers say they hold. */
export class UnconfirmedSegmentError extends MeshError {
  static override readonly code = 'ERR_UNCONFIRMED_SEGMENT';
}

/** A join that did not prove it holds the key of the peer id it claims: no proof, a stale challenge, or a wrong signature. */
export class PeerProofError extends MeshError {
  static override readonly code = 'ERR_PEER_PROOF';
}
/** A headless peer without an account joined without the mesh's join secret, or with a wrong one. */
export class JoinSecretError extends MeshError {
  static override readonly code = 'ERR_JOIN_SECRET';
}
/** A data-channel request that writes or reads came without the master's ticket for it. */
export class TicketRequiredError extends MeshError {
  static override readonly code = 'ERR_TICKET_REQUIRED';
}
/** The request's ticket has expired: the client asks the master for a new one. */
export class TicketExpiredError extends MeshError {
  static override readonly code = 'ERR_TICKET_EXPIRED';
}
/** The ticket is not the master's: malformed, forged, or signed with another key. */
export class TicketInvalidError extends MeshError {
  static override readonly code = 'ERR_TICKET_INVALID';
}
/** A genuine ticket, but for another client, another segment or another replica chain. */
export class TicketMismatchError extends MeshError {
  static override readonly code = 'ERR_TICKET_MISMATCH';
}

/** Something sealed did not open: its authentication failed, so it was altered or the key is wrong. */
export class DecryptError extends MeshError {
  static override readonly code = 'ERR_DECRYPT';
  constructor(why: string, options?: { cause?: unknown }) {
    super(`could not decrypt: ${why}`, options);
  }
}
/** A file sealed under a password of its own was read without one. */
export class FilePasswordRequiredError extends MeshError {
  static override readonly code = 'ERR_FILE_PASSWORD_REQUIRED';
  constructor(name: string) {
    super(`"${name}" has a password of its own: give it with --password-file FILE or MESHDRIVE_FILE_PASSWORD`);
  }
}
export class WrongFilePasswordError extends MeshError {
  static override readonly code = 'ERR_WRONG_FILE_PASSWORD';
  constructor(name: string) {
    super(`wrong password for "${name}"`);
  }
}
/** The master answered with a manifest sealed for another file or another version than the one asked for. */
export class ManifestMismatchError extends MeshError {
  static override readonly code = 'ERR_MANIFEST_MISMATCH';
}
/** The master's segment records differ from those the file's sealed manifest names: segments swapped, replaced or reordered. */
export class SegmentMismatchError extends MeshError {
  static override readonly code = 'ERR_SEGMENT_MISMATCH';
}
/** This client has no keys for the account (logged in before encryption, or logged out). */
export class KeysMissingError extends MeshError {
  static override readonly code = 'ERR_KEYS_MISSING';
}

export class VersionNotFoundError extends MeshError {
  static override readonly code = 'ERR_VERSION_NOT_FOUND';
  constructor(name: string, version: number) {
    super(`"${name}" has no version ${version} (see meshdrive versions NAME for the versions kept)`);
  }
}
export class UserNotFoundError extends MeshError {
  static override readonly code = 'ERR_USER_NOT_FOUND';
  constructor(user: string) {
    super(`no user named "${user}" on this mesh`);
  }
}
/** Someone else holds the file's lock: a write (or a lock without --wait) is refused, saying who and until when. */
export class FileLockedError extends MeshError {
  static override readonly code = 'ERR_FILE_LOCKED';
  constructor(name: string, holder: { user: string; device: string }, expiresAt: number) {
    super(`"${name}" is locked by ${holder.user}${holder.device ? ` (${holder.device})` : ''} until ${new Date(expiresAt).toISOString().slice(11, 19)} UTC; wait for it with --wait`);
  }
}
/** A write or renewal under a lock whose lease lapsed (its fencing token is no longer the file's lock). */
export class LockLapsedError extends MeshError {
  static override readonly code = 'ERR_LOCK_LAPSED';
  constructor(name: string, token: number) {
    super(`your lock on "${name}" (fencing token ${token}) lapsed before the write: lock it again and send again`);
  }
}
/**
 * A coordinator's order (a repair's change of a segment's holders) made under an epoch another
 * master's takeover has since ended: refused, as the new coordinator decides now.
 */
export class StaleEpochError extends MeshError {
  static override readonly code = 'ERR_STALE_EPOCH';
  constructor(epoch: number, current: number) {
    super(`an order of coordinator epoch ${epoch} was refused: epoch ${current} coordinates the mesh now`);
  }
}

export type ErrorClass = { readonly code: string; readonly name: string; readonly prototype: MeshError };
/** Every class whose errors may cross the wire: the CLI and the web app have a sentence for each. */
export const ERROR_CLASSES: readonly ErrorClass[] = [
  InternalError, ValidationError, ProtocolError, FrameError, FrameTooLargeError, ChunkCorruptError, ChunkNotFoundError,
  SegmentIncompleteError, FileNotFoundError, NoPeersError, PeerUnavailableError, ReplicasUnavailableError, ReplicationError,
  VersionConflictError, TimeoutError, MasterUnreachableError, NotServingError, NoReplyError, StoreClosedError, StoreError,
  QuotaExceededError, UnauthorizedError, SendExpiredError, AuthRequiredError, BadCredentialsError, UserExistsError,
  TokenExpiredError, TokenInvalidError, TokenAlgorithmError, TokenSignatureError, TokenClaimsError, RateLimitedError,
  UnconfirmedSegmentError, PeerProofError, JoinSecretError, TicketRequiredError, TicketExpiredError, TicketInvalidError, TicketMismatchError,
  DecryptError, FilePasswordRequiredError, WrongFilePasswordError, ManifestMismatchError, SegmentMismatchError, KeysMissingError,
  FileLockedError, LockLapsedError, VersionNotFoundError, UserNotFoundError, StaleEpochError,
];
const BY_CODE = new Map<string, ErrorClass>(ERROR_CLASSES.map((type) => [type.code, type]));

/** Wire form of an error: what crosses socket.io and data channels. */
export interface ErrorPayload { code: string; message: string }

export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof MeshError) return { code: error.code, message: error.message };
  return { code: InternalError.code, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Rebuilds an error that crossed the wire as an instance of its own class, with the sender's
 * message; an unknown code (a newer peer's) becomes an InternalError that keeps the sender's
 * code and message.
 */
export function fromErrorPayload(payload: ErrorPayload): MeshError {
  const type = BY_CODE.get(payload.code) ?? InternalError;
  const error = Object.create(type.prototype) as MeshError & { code: string; message: string; name: string };
  Object.defineProperties(error, {
    code: { value: payload.code, enumerable: true },
    message: { value: payload.message, writable: true, configurable: true },
    name: { value: type.name, writable: true, configurable: true },
    stack: { value: `${type.name}: ${payload.message}`, writable: true, configurable: true },
  });
  return error;
}

/** True when `error` is a MeshError of one of `types`. */
export function isErrorOf(error: unknown, ...types: ErrorClass[]): error is MeshError {
  return error instanceof MeshError && types.some((type) => error.code === type.code);
}
