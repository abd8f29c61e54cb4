/**
 * One clear line per failure, keyed by the error classes of @meshdrive/core: the error's own
 * message says what happened, and where a next step exists the line says it too. main.ts
 * prints it after "meshdrive: " and exits non-zero.
 */
import {
  ChunkCorruptError, ChunkNotFoundError, FileNotFoundError, FrameError, FrameTooLargeError, InternalError, MasterUnreachableError,
  MeshError, NoPeersError, NoReplyError, NotServingError, PeerUnavailableError, ProtocolError, QuotaExceededError,
  ReplicasUnavailableError, ReplicationError, SegmentIncompleteError, SendExpiredError, StoreClosedError, StoreError, TimeoutError,
  UnauthorizedError, ValidationError, VersionConflictError, AuthRequiredError, BadCredentialsError, UserExistsError, TokenExpiredError,
  TokenInvalidError, TokenAlgorithmError, TokenSignatureError, TokenClaimsError, RateLimitedError, UnconfirmedSegmentError,
  PeerProofError, JoinSecretError, TicketRequiredError, TicketExpiredError, TicketInvalidError, TicketMismatchError,
  DecryptError, FilePasswordRequiredError, WrongFilePasswordError, ManifestMismatchError, SegmentMismatchError, KeysMissingError,
  FileLockedError, LockLapsedError, VersionNotFoundError, UserNotFoundError, StaleEpochError,
} from '@meshdrive/core';

type Sentence = (message: string) => string;
const asIs: Sentence = (message) => message;
const logInAgain: Sentence = (message) => `${message}; log in again (meshdrive login --user NAME)`;

export const CLI_SENTENCES: Readonly<Record<string, Sentence>> = {
  [InternalError.code]: (message) => `unexpected error: ${message}`,
  [ValidationError.code]: asIs,
  [ProtocolError.code]: (message) => `${message} (is the master the same Meshdrive version as this CLI?)`,
  [FrameError.code]: (message) => `a peer sent a malformed message: ${message}; try again`,
  [FrameTooLargeError.code]: (message) => `a peer sent an oversized message: ${message}`,
  [ChunkCorruptError.code]: (message) => `${message}: a peer holds or was sent corrupt data, so nothing was committed; try again`,
  [ChunkNotFoundError.code]: (message) => `${message}; try again once its other replicas are online`,
  [SegmentIncompleteError.code]: (message) => `${message}; send again`,
  [FileNotFoundError.code]: asIs,
  [NoPeersError.code]: asIs,
  [PeerUnavailableError.code]: (message) => `${message}; try again`,
  [ReplicasUnavailableError.code]: asIs,
  [ReplicationError.code]: (message) => `${message}, so nothing was committed; try again when more peers are online`,
  [VersionConflictError.code]: asIs,
  [TimeoutError.code]: (message) => `${message}; try again`,
  [MasterUnreachableError.code]: (message) => `${message} (is \`meshdrive master\` running? set --signal or MESHDRIVE_SIGNAL)`,
  [NotServingError.code]: (message) => `a peer refused a request: ${message}`,
  [NoReplyError.code]: (message) => `a peer failed to answer: ${message}; try again`,
  [StoreClosedError.code]: asIs,
  [StoreError.code]: asIs,
  [QuotaExceededError.code]: (message) => `out of space: ${message}`,
  [UnauthorizedError.code]: asIs,
  [SendExpiredError.code]: asIs,
  [AuthRequiredError.code]: (message) => `${message} (meshdrive login --user NAME, or meshdrive signup --user NAME)`,
  [BadCredentialsError.code]: asIs,
  [UserExistsError.code]: (message) => `${message}; choose another name, or log in`,
  [TokenExpiredError.code]: (message) => `${message}: log in again (meshdrive login --user NAME)`,
  [TokenInvalidError.code]: logInAgain,
  [TokenAlgorithmError.code]: logInAgain,
  [TokenSignatureError.code]: logInAgain,
  [TokenClaimsError.code]: logInAgain,
  [UnconfirmedSegmentError.code]: (message) => `${message}, so nothing was committed; send again`,
  [RateLimitedError.code]: (message) => `${message}; wait a moment and try again`,
  [PeerProofError.code]: (message) => `${message} (is the master the same Meshdrive version as this CLI?)`,
  [JoinSecretError.code]: (message) => `${message}: give the master's with --join-secret or MESHDRIVE_JOIN_SECRET (a master keeps it in the join-secret file of its data directory)`,
  [TicketRequiredError.code]: (message) => `a peer refused a request: ${message}`,
  [TicketExpiredError.code]: (message) => `${message}; try again`,
  [TicketInvalidError.code]: (message) => `a peer refused a request: ${message}`,
  [TicketMismatchError.code]: (message) => `a peer refused a request: ${message}`,
  [DecryptError.code]: (message) => `${message}; nothing was written`,
  [FilePasswordRequiredError.code]: asIs,
  [WrongFilePasswordError.code]: (message) => `${message}; nothing was written`,
  [ManifestMismatchError.code]: (message) => `refused: ${message}; nothing was written`,
  [SegmentMismatchError.code]: (message) => `refused: ${message}; nothing was written`,
  [KeysMissingError.code]: logInAgain,
  [FileLockedError.code]: asIs,
  [LockLapsedError.code]: asIs,
  [VersionNotFoundError.code]: asIs,
  [UserNotFoundError.code]: asIs,
  [StaleEpochError.code]: (message) => `${message}; retry`,
};

/** The line the CLI prints for `error`: the class's sentence, or the message of a local error. */
export function explain(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  if (!(error instanceof MeshError)) return message;
  return (CLI_SENTENCES[error.code] ?? asIs)(message);
}
