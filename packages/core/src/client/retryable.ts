/** Which failures another replica or a fresh placement might cure. */
import { FileNotFoundError, MeshError, UnauthorizedError, ValidationError, VersionConflictError, isErrorOf } from '../errors.js';

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof MeshError)) return true;
  // A QuotaExceededError is a full peer: the master places around it once the peer says so.
  return !isErrorOf(error, ValidationError, FileNotFoundError, UnauthorizedError, VersionConflictError);
}
