/** The master's schemas refuse what would trick a person or cost the master unbounded work. */
import { describe, expect, it } from 'vitest';
import { commitSchema, fileNameSchema, MAX_FILE_SEGMENTS, placeSchema, signalRelaySchema } from './signal-protocol.js';

const layout = { chunkSize: 1024, segmentChunks: 1024 };
const MAX_EVENT_BYTES = 8 * 1024 * 1024; // create-master.ts

describe('file names', () => {
  it('keeps folders and normalizes to NFC', () => {
    expect(fileNameSchema.parse('photos/2024/beach.jpg')).toBe('photos/2024/beach.jpg');
    // "é" as e + combining acute becomes the one precomposed character.
    expect(fileNameSchema.parse('cafe\u0301.txt')).toBe('caf\u00e9.txt');
  });

  it('refuses path tricks, control, bidi and invisible characters', () => {
    for (const name of ['', '.', '..', '../x', 'a/../b', '/etc/passwd', 'a//b', 'a/', 'a\\b', 'a\u0000b', 'invoice\u202efdp.exe', 'zero\u200bwidth', 'bom\ufeff', 'x'.repeat(1025)]) {
      expect(fileNameSchema.safeParse(name).success, JSON.stringify(name)).toBe(false);
    }
  });
});

describe('placement and commit', () => {
  it('refuse files of more segments than one message can place', () => {
    const bytesAtLimit = MAX_FILE_SEGMENTS * 1024 * 1024;
    expect(placeSchema.safeParse({ name: 'big', size: bytesAtLimit, ...layout }).success).toBe(true);
    expect(placeSchema.safeParse({ name: 'big', size: bytesAtLimit + 1, ...layout }).success).toBe(false);
    // The attack that blocked the master for seconds: tiny chunks, one per segment, a huge size.
    expect(placeSchema.safeParse({ name: 'n', size: 2 ** 24, chunkSize: 16, segmentChunks: 1 }).success).toBe(false);
  });

  it('a commit at the limit, with three holders a segment, fits one socket.io message', () => {
    const segments = Array.from({ length: MAX_FILE_SEGMENTS }, () => ({
      listHash: 'f'.repeat(64), plainSize: 1024 * 1024, storedSize: 1024 * 1024, holders: Array.from({ length: 3 }, () => '0'.repeat(36)),
    }));
    const commit = { fileId: 'a'.repeat(36), name: 'n'.repeat(255), baseVersion: 1, size: MAX_FILE_SEGMENTS * 1024 * 1024, ...layout, segments };
    expect(commitSchema.safeParse(commit).success).toBe(true);
    expect(JSON.stringify(commit).length).toBeLessThan(MAX_EVENT_BYTES);
  });
});

describe('signal relays', () => {
  it('carry objects of a few KiB, nothing bigger', () => {
    expect(signalRelaySchema.safeParse({ to: 'p1', connectionId: 'c', data: { type: 'offer', sdp: 'v=0' } }).success).toBe(true);
    expect(signalRelaySchema.safeParse({ to: 'p1', connectionId: 'c', data: 'a string' }).success).toBe(false);
    expect(signalRelaySchema.safeParse({ to: 'p1', connectionId: 'c', data: { sdp: 'x'.repeat(20_000) } }).success).toBe(false);
  });
});
