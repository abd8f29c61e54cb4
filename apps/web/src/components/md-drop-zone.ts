/** Where files come in: a file picker button and a drop target for many files at once. */
import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { sharedStyles } from './shared-styles.js';

export type FilesChosenEvent = CustomEvent<{ files: File[] }>;

@customElement('md-drop-zone')
export class MdDropZone extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .zone {
        border: 2px dashed var(--border-strong);
        border-radius: 14px;
        padding: 1.5rem 1rem;
        text-align: center;
        background: var(--surface);
        transition: background 120ms, border-color 120ms;
      }
      .zone.disabled {
        opacity: 0.6;
      }
      .zone.over {
        border-color: var(--accent);
        background: var(--accent-soft);
      }
      .title {
        font-weight: 600;
        margin: 0.25rem 0 0.75rem;
      }
      .hint {
        font-size: 0.85rem;
        margin: 0.75rem 0 0;
      }
      svg {
        width: 36px;
        height: 36px;
        color: var(--accent);
      }
    `,
  ];

  /** Nothing can be stored (the tab cannot join): the picker is off and drops are refused. */
  @property({ type: Boolean }) disabled = false;
  @state() private over = false;
  @query('input[type=file]') private input!: HTMLInputElement;

  override render() {
    return html`
      <div
        class="zone ${this.over ? 'over' : ''} ${this.disabled ? 'disabled' : ''}"
        @dragenter=${this.onDrag}
        @dragover=${this.onDrag}
        @dragleave=${() => (this.over = false)}
        @drop=${this.onDrop}
      >
        <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.8" aria-hidden="true">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v2a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-2" stroke-linecap="round" stroke-linejoin="round" />
        </svg>
        <p class="title">${this.disabled ? 'Uploads are off: this tab cannot join the mesh' : 'Drop files here to store them in the mesh'}</p>
        <button class="primary" ?disabled=${this.disabled} @click=${() => this.input.click()}>Choose files…</button>
        <input class="visually-hidden" type="file" multiple tabindex="-1" aria-label="Files to upload" ?disabled=${this.disabled} @change=${this.onPicked} />
        <p class="hint muted">Files are split into chunks and kept on several peers; nothing passes through the server.</p>
      </div>
    `;
  }

  private readonly onDrag = (event: DragEvent): void => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    // Refused drops still take the default away, or the browser would open the file instead.
    event.preventDefault();
    if (this.disabled) {
      event.dataTransfer.dropEffect = 'none';
      return;
    }
    event.dataTransfer.dropEffect = 'copy';
    this.over = true;
  };

  private readonly onDrop = (event: DragEvent): void => {
    event.preventDefault();
    this.over = false;
    if (this.disabled) return;
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) this.emit(files);
  };

  private readonly onPicked = (): void => {
    const files = [...(this.input.files ?? [])];
    this.input.value = '';
    if (files.length > 0) this.emit(files);
  };

  private emit(files: File[]): void {
    this.dispatchEvent(new CustomEvent('files-chosen', { detail: { files }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-drop-zone': MdDropZone;
  }
}
