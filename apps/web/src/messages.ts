/**
 * One clear sentence per failure, keyed by the stable error codes from @meshdrive/core, and
 * whether trying again could help. The UI never shows a stack trace.
 */
import { MeshError } from '@meshdrive/core';

export interface Explained {
  code: string;
  message: string;
  /** A retry button makes sense: the failure may pass when peers return or the master answers. */
  retryable: boolean;
}

const EXPLANATIONS: Record<string, (error: MeshError) => Omit<Explained, 'code'>> = {
  ERR_NO_PEERS: () => ({
    message: 'No storage peers are online. Keep this tab open and contributing, open Meshdrive in another browser, or start one with `meshdrive peer`.',
    retryable: true,
  }),
  ERR_MASTER_UNREACHABLE: (error) => ({ message: `${capitalize(error.message)}. Meshdrive keeps trying to reconnect.`, retryable: true }),
  ERR_QUOTA_EXCEEDED: (error) => ({ message: `Out of space: ${error.message}.`, retryable: false }),
  ERR_REPLICAS_UNAVAILABLE: () => ({
    message: 'Every peer holding part of this file is offline right now. It comes back when one of them does: retry in a moment.',
    retryable: true,
  }),
  ERR_PEER_UNAVAILABLE: (error) => ({ message: `A peer was lost mid-transfer (${error.message}). Retrying finds another replica.`, retryable: true }),
  ERR_TIMEOUT: (error) => ({ message: `A peer stopped answering (${error.message}). Retrying finds another replica.`, retryable: true }),
  ERR_REPLICATION: () => ({ message: 'Not enough peers confirmed the write, so it was not committed. Retry when more peers are online.', retryable: true }),
  ERR_INSUFFICIENT_REPLICAS: () => ({ message: 'Not enough peers confirmed the write, so it was not committed. Retry when more peers are online.', retryable: true }),
  ERR_VERSION_CONFLICT: (error) => ({ message: capitalize(error.message), retryable: true }),
  ERR_FILE_NOT_FOUND: (error) => ({ message: `${capitalize(error.message)}; it may have just been deleted.`, retryable: false }),
  ERR_VALIDATION: (error) => ({ message: capitalize(error.message), retryable: false }),
  ERR_STORE_CLOSED: () => ({ message: 'This tab’s storage was closed (stopping or resuming contribution). Retry.', retryable: true }),
};

export function describeError(error: unknown): Explained {
  if (isAbort(error)) return { code: 'ABORTED', message: 'Cancelled.', retryable: true };
  if (error instanceof MeshError) {
    const explain = EXPLANATIONS[error.code];
    return explain ? { code: error.code, ...explain(error) } : { code: error.code, message: capitalize(error.message), retryable: true };
  }
  if (error instanceof DOMException && error.name === 'QuotaExceededError') {
    return { code: 'ERR_QUOTA_EXCEEDED', message: 'Out of space: the browser refused to store more for this site.', retryable: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'ERR_INTERNAL', message: capitalize(message), retryable: true };
}

export function isAbort(error: unknown): boolean {
  return (error instanceof DOMException || error instanceof Error) && error.name === 'AbortError';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
