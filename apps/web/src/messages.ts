/**
 * One clear sentence per failure, keyed by the stable error codes from @meshdrive/core, and
 * whether trying again could help. The UI never shows a stack trace.
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

export interface Explained {
  code: string;
  message: string;
  /** A retry button makes sense: the failure may pass when peers return or the master answers. */
  retryable: boolean;
}

const again = (message: string): Omit<Explained, 'code'> => ({ message, retryable: true });
const final = (message: string): Omit<Explained, 'code'> => ({ message, retryable: false });

const EXPLANATIONS: Readonly<Record<string, (error: MeshError) => Omit<Explained, 'code'>>> = {
  [InternalError.code]: (error) => again(`Something unexpected went wrong: ${error.message}.`),
  [ValidationError.code]: (error) => final(capitalize(error.message)),
  [ProtocolError.code]: (error) => again(`${capitalize(error.message)}. Reload the page: the master may have been updated.`),
  [FrameError.code]: (error) => again(`A peer sent a malformed message (${error.message}). Retrying asks another replica.`),
  [FrameTooLargeError.code]: (error) => again(`A peer sent an oversized message (${error.message}). Retrying asks another replica.`),
  [ChunkCorruptError.code]: () => again('A peer held or was sent corrupt data, so nothing was committed. Retry: another replica or a fresh placement is tried.'),
  [ChunkNotFoundError.code]: () => again('A peer no longer holds part of this file. Retry once its other replicas are online.'),
  [SegmentIncompleteError.code]: () => again('Part of the upload did not reach a peer, so it was not committed. Retry.'),
  [NoPeersError.code]: () => again('No storage peers are online. Keep this tab open and contributing, open Meshdrive in another browser, or start one with `meshdrive peer`.'),
  [MasterUnreachableError.code]: (error) => again(`${capitalize(error.message)}. Meshdrive keeps trying to reconnect.`),
  [QuotaExceededError.code]: (error) => final(`Out of space: ${error.message}.`),
  [ReplicasUnavailableError.code]: () => again('Every peer holding part of this file is offline right now. It comes back when one of them does: retry in a moment.'),
  [PeerUnavailableError.code]: (error) => again(`A peer was lost mid-transfer (${error.message}). Retrying finds another replica.`),
  [TimeoutError.code]: (error) => again(`A peer stopped answering (${error.message}). Retrying finds another replica.`),
  [ReplicationError.code]: () => again('Not enough peers confirmed the write, so it was not committed. Retry when more peers are online.'),
  [VersionConflictError.code]: () => again('Someone saved a new version of this file while you were uploading yours, so yours was not saved. Retry to save it as the newest version.'),
  [FileNotFoundError.code]: (error) => final(`${capitalize(error.message)}; it may have just been deleted.`),
  [NotServingError.code]: () => again('A transfer reached a device that does not store data. Retry.'),
  [NoReplyError.code]: () => again('A peer failed to answer a request. Retry.'),
  [StoreClosedError.code]: () => again('This tab’s storage was closed (stopping or resuming contribution). Retry.'),
  [StoreError.code]: (error) => again(`A peer’s storage failed (${error.message}). Retry.`),
  [UnauthorizedError.code]: (error) => final(`${capitalize(error.message)}.`),
  [SendExpiredError.code]: (error) => again(capitalize(error.message)),
  [AuthRequiredError.code]: () => final('Log in first: this mesh keeps each person’s files private.'),
  [BadCredentialsError.code]: () => final('Wrong user name or password.'),
  [UserExistsError.code]: (error) => final(`${capitalize(error.message)}: choose another name, or log in.`),
  [TokenExpiredError.code]: () => final('Your session has ended. Log in again.'),
  [TokenInvalidError.code]: () => final('Your session is no longer valid. Log in again.'),
  [TokenAlgorithmError.code]: () => final('Your session token was not made by this mesh. Log in again.'),
  [TokenSignatureError.code]: () => final('Your session token was not signed by this mesh. Log in again.'),
  [TokenClaimsError.code]: () => final('Your session token is for another service. Log in again.'),
  [UnconfirmedSegmentError.code]: () => again('A peer did not confirm storing part of this upload, so it was not saved. Retry.'),
  [RateLimitedError.code]: () => again('Too many requests at once. Wait a moment and retry.'),
  [PeerProofError.code]: () => again('The master could not confirm this browser’s peer key. Reload the page: the master may have been updated.'),
  [JoinSecretError.code]: (error) => final(`${capitalize(error.message)}.`),
  [TicketRequiredError.code]: () => again('A peer refused a transfer the master had not allowed. Retry.'),
  [TicketExpiredError.code]: () => again('The master’s permission for this transfer ran out. Retry.'),
  [TicketInvalidError.code]: () => again('A peer refused this transfer’s permission from the master. Retry; reload the page if it goes on.'),
  [TicketMismatchError.code]: () => again('A peer refused a transfer: its permission was for another part of a file. Retry.'),
  [DecryptError.code]: () => final('This file could not be decrypted: it was altered, or it was sealed with other keys. Nothing was saved.'),
  [FilePasswordRequiredError.code]: () => final('This file has a password of its own. Download it again and give the password.'),
  [WrongFilePasswordError.code]: () => final('Wrong password for this file. Nothing was saved.'),
  [ManifestMismatchError.code]: () => final('The master answered with another file’s or another version’s description, so the download was refused. Nothing was saved.'),
  [SegmentMismatchError.code]: () => final('The master’s list of this file’s parts does not match the file’s sealed description, so the download was refused. Nothing was saved.'),
  [KeysMissingError.code]: () => final('This browser has no keys for your account. Log out and log in again.'),
  [FileLockedError.code]: (error) => again(`${capitalize(error.message.replace(/; wait for it with --wait$/, ''))}. Retry once they unlock it.`),
  [LockLapsedError.code]: () => final('Your lock on this file ran out before the upload finished, and someone else may have written it since. Lock it again and upload again.'),
  [UserNotFoundError.code]: (error) => final(`${capitalize(error.message)}.`),
  [VersionNotFoundError.code]: (error) => final(`${capitalize(error.message.replace(/ \(see meshdrive versions NAME.*\)$/, ''))}.`),
  [StaleEpochError.code]: () => again('The masters changed which of them coordinates the mesh during this request. Retry.'),
};

/** Codes the table explains, so a test can check every error class has its sentence. */
export const EXPLAINED_CODES: readonly string[] = Object.keys(EXPLANATIONS);

export function describeError(error: unknown): Explained {
  if (isAbort(error)) return { code: 'ABORTED', message: 'Cancelled.', retryable: true };
  if (error instanceof MeshError) {
    const explain = EXPLANATIONS[error.code];
    return explain ? { code: error.code, ...explain(error) } : { code: error.code, message: capitalize(error.message), retryable: true };
  }
  if (error instanceof DOMException && error.name === 'QuotaExceededError') {
    return { code: QuotaExceededError.code, message: 'Out of space: the browser refused to store more for this site.', retryable: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: InternalError.code, message: capitalize(message), retryable: true };
}

export function isAbort(error: unknown): boolean {
  return (error instanceof DOMException || error instanceof Error) && error.name === 'AbortError';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
