/** A one-line progress bar (bytes, speed, ETA) on stderr, drawn only when stderr is a terminal. */
import type { TransferProgress } from '@meshdrive/core';
import { formatBytes, formatDuration } from './sizes.js';

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export class ProgressBar {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;
  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  update(progress: TransferProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < REDRAW_MS && progress.done < progress.total) return;
    this.lastDraw = now;
    const fraction = progress.total === 0 ? 1 : progress.done / progress.total;
    const seconds = (now - this.started) / 1000;
    const speed = seconds > 0 ? progress.done / seconds : 0;
    const eta = speed > 0 ? (progress.total - progress.done) / speed : Infinity;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
    const line = `${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(progress.done)}/${formatBytes(progress.total)} ${formatBytes(speed)}/s ETA ${formatDuration(eta)}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns || 100) - 1)}\u001b[K`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\u001b[K');
  }
}
