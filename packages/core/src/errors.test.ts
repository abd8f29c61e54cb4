import { describe, expect, it } from 'vitest';
import { ChunkCorruptError, fromErrorPayload, InternalError, isErrorOf, MeshError, QuotaExceededError, ReplicationError, toErrorPayload, ValidationError } from './errors.js';

describe('errors', () => {
  it('gives every instance its class code', () => {
    expect(new ValidationError('bad').code).toBe('ERR_VALIDATION');
    expect(new ReplicationError('ab'.repeat(32), 1, 3).code).toBe(ReplicationError.code);
    expect(new QuotaExceededError('full').name).toBe('QuotaExceededError');
  });

  it('turns a payload back into its own class, keeping the message', () => {
    const original = new ChunkCorruptError('a'.repeat(64), 'b'.repeat(64));
    const back = fromErrorPayload(toErrorPayload(original));
    expect(back).toBeInstanceOf(ChunkCorruptError);
    expect(back).toBeInstanceOf(MeshError);
    expect(back.code).toBe('ERR_CHUNK_CORRUPT');
    expect(back.message).toBe(original.message);
    expect(isErrorOf(back, ChunkCorruptError, ValidationError)).toBe(true);
    expect(isErrorOf(back, ValidationError)).toBe(false);
  });

  it('makes an unknown code or a plain Error an internal error, keeping a code it does not know', () => {
    const future = fromErrorPayload({ code: 'ERR_FROM_THE_FUTURE', message: 'new' });
    expect(future).toBeInstanceOf(InternalError);
    expect(future.code).toBe('ERR_FROM_THE_FUTURE');
    expect(toErrorPayload(new Error('boom'))).toEqual({ code: 'ERR_INTERNAL', message: 'boom' });
  });
});
