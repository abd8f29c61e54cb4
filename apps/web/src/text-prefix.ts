/**
 * The start of a text file, decoded as its bytes arrive so a preview can show it while the
 * rest is still on the way: at most `limit` bytes, nothing that looks binary, and cut into
 * blocks the page can lay out one by one. Pure: bytes in, text out.
 */

/** Like git, a NUL byte among the first this many bytes marks a file as binary. */
export const BINARY_SNIFF_BYTES = 8_000;
/** Text is shown in blocks of about this many characters, so layout can skip those off screen. */
export const TEXT_BLOCK_CHARS = 16_384;

export class TextPrefix {
  /** The text so far. Not fatal: a stray invalid byte shows as U+FFFD, not as an error. */
  text = '';
  /** Bytes taken so far, at most `limit`. */
  taken = 0;
  /** A NUL byte came early on: showing the rest as text would only be noise. */
  binary = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly limit: number) {}

  /** True once no more bytes are wanted: the limit is reached, or the file looks binary. */
  get enough(): boolean {
    return this.binary || this.taken >= this.limit;
  }

  /** Takes the next bytes of the file, as much of them as fits under the limit. */
  push(bytes: Uint8Array): void {
    if (this.enough) return;
    const kept = bytes.subarray(0, this.limit - this.taken);
    if (this.taken < BINARY_SNIFF_BYTES && kept.subarray(0, BINARY_SNIFF_BYTES - this.taken).includes(0)) {
      this.binary = true;
      return;
    }
    this.taken += kept.length;
    // Streaming: a character cut across two writes, or by the limit, waits for its last bytes.
    this.text += this.decoder.decode(kept, { stream: true });
  }

  /** The file ended: a character it left unfinished shows as U+FFFD. */
  end(): void {
    this.text += this.decoder.decode();
  }
}

/**
 * `text` cut into blocks of at most `size` characters, each ending after its last line break
 * where it has one (never inside a surrogate pair). A block's bounds depend only on the text
 * before them, so blocks stay as they are while more text arrives.
 */
export function textBlocks(text: string, size = TEXT_BLOCK_CHARS): string[] {
  const blocks: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    if (end < text.length) {
      const newline = text.lastIndexOf('\n', end - 1);
      if (newline >= start) end = newline + 1;
      else if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
    }
    blocks.push(text.slice(start, end));
    start = end;
  }
  return blocks;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
