import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES, FileNotFoundError, QuotaExceededError } from '@meshdrive/core';
import { describeError, EXPLAINED_CODES } from './messages.js';

describe('web app error sentences', () => {
  it('has a sentence for every error class', () => {
    expect(ERROR_CLASSES.map((type) => type.code).filter((code) => !EXPLAINED_CODES.includes(code))).toEqual([]);
  });

  it('says whether retrying can help', () => {
    expect(describeError(new FileNotFoundError('a.txt'))).toEqual({ code: FileNotFoundError.code, message: 'No file named "a.txt" in the mesh; it may have just been deleted.', retryable: false });
    expect(describeError(new QuotaExceededError('this peer offers 1 MiB')).retryable).toBe(false);
  });
});
