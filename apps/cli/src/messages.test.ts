import { describe, expect, it } from 'vitest';
import { ERROR_CLASSES, fromErrorPayload, MasterUnreachableError, NoPeersError } from '@meshdrive/core';
import { CLI_SENTENCES, explain } from './messages.js';

describe('CLI error sentences', () => {
  it('has a sentence for every error class', () => {
    expect(ERROR_CLASSES.map((type) => type.code).filter((code) => !(code in CLI_SENTENCES))).toEqual([]);
  });

  it('prints one line, with the next step where there is one', () => {
    expect(explain(new MasterUnreachableError('http://127.0.0.1:1', 'no answer'))).toBe(
      'cannot reach the master at http://127.0.0.1:1: no answer (is `meshdrive master` running? set --signal or MESHDRIVE_SIGNAL)',
    );
    expect(explain(fromErrorPayload({ code: NoPeersError.code, message: 'no storage peers are online' }))).toBe('no storage peers are online');
    expect(explain(new Error('first\nsecond'))).toBe('first');
  });
});
