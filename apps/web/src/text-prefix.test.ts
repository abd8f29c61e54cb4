import { describe, expect, it } from 'vitest';
import { BINARY_SNIFF_BYTES, TextPrefix, textBlocks } from './text-prefix.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('TextPrefix', () => {
  it('decodes text as it arrives, a character split across writes included', () => {
    const prefix = new TextPrefix(1024);
    const bytes = utf8('naïve café ☕');
    const split = bytes.indexOf(0xe2) + 1; // inside the three bytes of ☕
    prefix.push(bytes.subarray(0, split));
    expect(prefix.text).toBe('naïve café ');
    prefix.push(bytes.subarray(split));
    prefix.end();
    expect(prefix.text).toBe('naïve café ☕');
    expect(prefix.enough).toBe(false);
  });

  it('keeps at most `limit` bytes and drops a character the limit cuts', () => {
    const prefix = new TextPrefix(5);
    prefix.push(utf8('abcdé')); // é is two bytes: the limit falls inside it
    expect(prefix.enough).toBe(true);
    expect(prefix.taken).toBe(5);
    expect(prefix.text).toBe('abcd');
    prefix.push(utf8('more'));
    expect(prefix.text).toBe('abcd');
  });

  it('shows invalid bytes as U+FFFD instead of failing', () => {
    const prefix = new TextPrefix(1024);
    prefix.push(new Uint8Array([0x61, 0xff, 0x62]));
    prefix.end();
    expect(prefix.text).toBe('a\uFFFDb');
  });

  it('turns a binary away: a NUL byte early on, even in a later write', () => {
    const prefix = new TextPrefix(1024 * 1024);
    prefix.push(utf8('MZ'));
    prefix.push(new Uint8Array([0x90, 0x00, 0x03]));
    expect(prefix.binary).toBe(true);
    expect(prefix.enough).toBe(true);
  });

  it('lets a NUL byte past the first BINARY_SNIFF_BYTES pass', () => {
    const prefix = new TextPrefix(1024 * 1024);
    const bytes = new Uint8Array(BINARY_SNIFF_BYTES + 10).fill(0x61);
    bytes[BINARY_SNIFF_BYTES + 1] = 0;
    prefix.push(bytes);
    expect(prefix.binary).toBe(false);
    expect(prefix.taken).toBe(bytes.length);
  });
});

describe('textBlocks', () => {
  it('cuts after the last line break that fits, losing nothing', () => {
    const text = 'one\ntwo\nthree\nfour';
    expect(textBlocks(text, 9)).toEqual(['one\ntwo\n', 'three\n', 'four']);
    expect(textBlocks(text, 9).join('')).toBe(text);
  });

  it('cuts a line longer than a block at the size, but never inside a surrogate pair', () => {
    expect(textBlocks('abcdefgh', 3)).toEqual(['abc', 'def', 'gh']);
    expect(textBlocks('ab😀cd', 3)).toEqual(['ab', '😀c', 'd']);
  });

  it('keeps earlier blocks as they were while the text grows', () => {
    const before = textBlocks('aaaa\nbbbb\ncc', 6);
    const after = textBlocks('aaaa\nbbbb\ncccc\ndd', 6);
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
  });

  it('has no block for no text', () => {
    expect(textBlocks('')).toEqual([]);
  });
});
