/**
 * A file shown in the page, its bytes read from the storage peers over WebRTC (the master only
 * says where they are): an image, the start of a text, a PDF, audio or video, with progress
 * while it arrives. A modal dialog like the questions: focus starts on Close, Escape closes
 * (and focus goes back to the name that opened it), and closing stops the read.
 *
 * Text shows as it arrives. Media is assembled into a Blob and shows once complete: playing a
 * video while it streams would need a Service Worker answering the player's range requests from
 * the mesh, as WebTorrent does. Left for later.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ByteSink, Manifest, MeshClient } from '@meshdrive/core';
import { blobSink } from '../browser-io.js';
import { formatBytes } from '../format.js';
import { describeError } from '../messages.js';
import { planPreview, TEXT_PREVIEW_BYTES, type PreviewPlan } from '../preview-kind.js';
import { TextPrefix, textBlocks } from '../text-prefix.js';
import type { FileActionEvent } from './md-file-list.js';
import { ModalQuestion } from './modal-question.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

/** How the dialog is left: closed, or closed to download the file instead. */
export type PreviewAnswer = 'close' | 'download';

type Stage =
  | { is: 'reading' }
  | { is: 'shown' }
  /** No preview, for the reason given; the download is offered instead. */
  | { is: 'declined'; reason: string }
  | { is: 'failed'; message: string; retryable: boolean };

@customElement('md-preview')
export class MdPreview extends ModalQuestion<PreviewAnswer> {
  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      dialog {
        width: min(60rem, calc(100vw - 2rem));
        max-width: none;
        max-height: calc(100dvh - 2rem);
      }
      dialog[open] {
        display: flex;
        flex-direction: column;
        gap: 0.75rem;
      }
      header {
        display: flex;
        align-items: flex-start;
        gap: 0.75rem;
      }
      h2 {
        flex: 1;
        margin: 0;
        overflow-wrap: anywhere;
      }
      p {
        margin: 0;
      }
      .error {
        color: var(--bad);
      }
      progress {
        width: 100%;
        accent-color: var(--accent);
      }
      pre {
        margin: 0;
        min-height: 0;
        overflow: auto;
        padding: 0.75rem;
        border-radius: 8px;
        background: var(--surface-muted);
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      /* Off screen, a block is not laid out: a MiB of text in one piece stalled the page for seconds. */
      pre > span {
        display: block;
        content-visibility: auto;
        contain-intrinsic-block-size: auto calc(var(--lines) * 1lh);
      }
      .media {
        display: grid;
        place-items: center;
        min-height: 0;
      }
      img,
      video {
        max-width: 100%;
        max-height: 75dvh;
        object-fit: contain;
      }
      audio,
      iframe {
        width: 100%;
      }
      iframe {
        height: 75dvh;
        border: 1px solid var(--border);
        border-radius: 8px;
      }
      /* A phone gets the whole width: the file is what it opened the dialog for. */
      @media (max-width: 640px) {
        dialog {
          width: 100%;
          max-height: 100dvh;
          border-inline: none;
          border-radius: 0;
          padding: 1rem;
        }
      }
    `,
  ];

  @property() name = '';
  /** The size the file list shows; the file's own, once located, replaces it. */
  @property({ type: Number }) size = 0;
  /** The client of the moment: a reconnect brings a new one. */
  @property({ attribute: false }) client: () => MeshClient | null = () => null;
  @state() private plan: PreviewPlan = { kind: 'none', reason: 'unknown-kind' };
  @state() private stage: Stage = { is: 'reading' };
  @state() private total = 0;
  @state() private done = 0;
  @state() private url: string | null = null;
  /** A text's start as decoded so far; it grows in place, so each write asks for a render. */
  private text: TextPrefix | null = null;
  private reading = new AbortController();
  protected readonly safeAnswer = 'close';

  override connectedCallback(): void {
    super.connectedCallback();
    void this.show();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop();
  }

  override render() {
    return html`<dialog aria-labelledby="preview-title" @cancel=${this.onCancel}>
      <header>
        <h2 id="preview-title">${this.name}</h2>
        <button class="keep" @click=${() => this.answer('close')}>Close</button>
      </header>
      ${this.stage.is === 'reading' ? this.renderProgress() : nothing}
      ${this.renderBody(this.stage)}
    </dialog>`;
  }

  private renderProgress() {
    const wanted = this.plan.kind === 'text' ? Math.min(this.total, TEXT_PREVIEW_BYTES) : this.total;
    const done = Math.min(this.done, wanted);
    const percent = wanted > 0 ? Math.round((done / wanted) * 100) : 0;
    return html`<progress max=${Math.max(wanted, 1)} .value=${done} aria-label="Reading ${this.name}"></progress>
      <p class="muted">Reading from the mesh: ${formatBytes(done)} of ${formatBytes(wanted)} (${percent}%)</p>`;
  }

  private renderBody(stage: Stage) {
    switch (stage.is) {
      case 'reading':
        return this.text ? this.renderText(this.text) : nothing;
      case 'shown':
        return this.text ? this.renderText(this.text) : this.renderMedia();
      case 'declined':
        return html`<p>${stage.reason}</p>
          <div class="actions"><button class="primary" @click=${() => this.answer('download')}>Download</button></div>`;
      case 'failed':
        return html`<p class="error" role="alert">${stage.message}</p>
          ${stage.retryable ? html`<div class="actions"><button class="primary" @click=${() => void this.show()}>Retry</button></div>` : nothing}`;
    }
  }

  private renderText(text: TextPrefix) {
    if (text.taken === 0) return this.stage.is === 'shown' ? html`<p class="muted">This file is empty.</p>` : nothing;
    const cut = this.stage.is === 'shown' && text.taken < this.total;
    const blocks = textBlocks(text.text).map((block) => html`<span style="--lines: ${lineCount(block)}">${block}</span>`);
    return html`<pre class="mono" tabindex="0" aria-label="Text of ${this.name}">${blocks}</pre>
      ${cut
        ? html`<div class="actions">
            <p class="muted">Showing the first ${formatBytes(text.taken)} of ${formatBytes(this.total)}.</p>
            <button @click=${() => this.answer('download')}>Download all of it</button>
          </div>`
        : nothing}`;
  }

  private renderMedia() {
    const url = this.url ?? '';
    switch (this.plan.kind) {
      case 'image':
        return html`<div class="media"><img src=${url} alt=${this.name} @error=${this.onUnplayable} /></div>`;
      case 'pdf':
        // Chromium's own PDF viewer draws it: the Blob's type says application/pdf.
        return html`<iframe src=${url} title="PDF document ${this.name}"></iframe>`;
      case 'audio':
        return html`<audio controls src=${url} @error=${this.onUnplayable}></audio>`;
      case 'video':
        return html`<div class="media"><video controls src=${url} @error=${this.onUnplayable}></video></div>`;
      default:
        return nothing;
    }
  }

  /** Reads the file for its preview, from the start again on Retry. */
  private async show(): Promise<void> {
    this.stop();
    const reading = (this.reading = new AbortController());
    this.plan = planPreview(this.name, this.size);
    this.total = this.size;
    this.done = 0;
    this.text = null;
    if (this.plan.kind === 'none') {
      this.stage = { is: 'declined', reason: this.plan.reason === 'too-big' ? `Too big to preview: previews stop at ${formatBytes(this.plan.ceiling)}, and this file is ${formatBytes(this.size)}.` : 'No preview for this kind of file.' };
      return;
    }
    this.stage = { is: 'reading' };
    try {
      if (this.plan.kind === 'text') await this.readText(reading);
      else await this.readBlob(this.plan.mime, reading);
    } catch (error) {
      if (reading.signal.aborted) return; // closed, or started again
      const { message, retryable } = describeError(error);
      this.stage = { is: 'failed', message, retryable };
    }
  }

  /** Reads only the start of the file, showing it as it arrives. */
  private async readText(reading: AbortController): Promise<void> {
    const text = (this.text = new TextPrefix(TEXT_PREVIEW_BYTES));
    const sink: ByteSink = {
      write: (bytes) => {
        text.push(bytes);
        this.requestUpdate();
        // The client reads whole files: stopping the read once the start is in reads a prefix.
        if (text.enough) reading.abort();
        return Promise.resolve();
      },
    };
    try {
      await this.read(sink, reading.signal);
      text.end();
    } catch (error) {
      if (!text.enough) throw error; // else the abort was ours: the start is in
    }
    this.stage = text.binary ? { is: 'declined', reason: 'This looks like a binary file, so there is no text to show.' } : { is: 'shown' };
  }

  private async readBlob(mime: string, reading: AbortController): Promise<void> {
    const parts = blobSink();
    await this.read(parts, reading.signal);
    reading.signal.throwIfAborted(); // closed as the last bytes came: make no URL to leak
    this.url = URL.createObjectURL(parts.take(mime));
    this.stage = { is: 'shown' };
  }

  private async read(sink: ByteSink, signal: AbortSignal): Promise<Manifest> {
    const client = this.client();
    if (!client) throw new Error('not connected to the mesh yet');
    return client.read(this.name, sink, {
      signal,
      onLocated: (manifest) => (this.total = manifest.size),
      onProgress: (progress) => (this.done = progress.done),
    });
  }

  /** The browser could not decode what arrived: say so and offer the file itself. */
  private readonly onUnplayable = (): void => {
    this.stop();
    this.stage = { is: 'declined', reason: 'This browser cannot show this file: it may be damaged, or in a format the browser does not read.' };
  };

  /** Stops the read in flight and frees the Blob it made. */
  private stop(): void {
    this.reading.abort();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
  }

  protected announce(answer: PreviewAnswer): void {
    if (answer === 'download') {
      const detail: FileActionEvent['detail'] = { name: this.name, size: this.total, action: 'download' };
      this.dispatchEvent(new CustomEvent('file-action', { detail, bubbles: true, composed: true }));
    }
    this.dispatchEvent(new Event('preview-closed', { bubbles: true, composed: true }));
  }
}

/** Lines in a block, for the height it holds until laid out (long lines wrap, so it is a guess). */
function lineCount(block: string): number {
  return block.split('\n').length - (block.endsWith('\n') ? 1 : 0);
}

declare global {
  interface HTMLElementTagNameMap {
    'md-preview': MdPreview;
  }
}
