/**
 * Where files come in: pickers for files and for a whole folder, and a drop target for many
 * files and folders at once. A file in a folder is named by its path from there
 * (`holiday/2024/a.jpg`); names the mesh would refuse are left out and listed with the event.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { droppedFiles } from '../dropped-files.js';
import { checkNames, chosenFile, type ChosenFile, type SkippedFile } from '../names.js';
import { sharedStyles } from './shared-styles.js';

/** `files` can be stored under their names; `skipped` were left out, each with the reason. */
export type FilesChosenEvent = CustomEvent<{ files: ChosenFile[]; skipped: SkippedFile[] }>;

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
      .choose {
        display: flex;
        gap: 0.5rem;
        justify-content: center;
        flex-wrap: wrap;
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
        <p class="title">${this.disabled ? 'Uploads are off: this tab cannot join the mesh' : 'Drop files or folders here to store them in the mesh'}</p>
        <div class="choose">
          <button class="primary" ?disabled=${this.disabled} @click=${() => this.choose(false)}>Choose files…</button>
          <button ?disabled=${this.disabled} @click=${() => this.choose(true)}>Choose folder…</button>
        </div>
        <input class="visually-hidden" type="file" multiple tabindex="-1" aria-label="Files to upload" ?disabled=${this.disabled} @change=${this.onPicked} @cancel=${this.backToFiles} />
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
    if (this.disabled || !event.dataTransfer) return;
    void droppedFiles(event.dataTransfer).then(({ files, unreadable }) => this.emit(files, unreadable));
  };

  /**
   * One input serves both pickers, switched by webkitdirectory just before it opens, so the
   * zone has a single file input to find (the browser tests fill it by `input[type=file]`).
   */
  private choose(folder: boolean): void {
    this.input.webkitdirectory = folder;
    this.input.click();
  }

  private readonly onPicked = (): void => {
    const files = [...(this.input.files ?? [])].map(chosenFile);
    this.input.value = '';
    this.backToFiles();
    this.emit(files, []);
  };

  /** Once a pick is over the input takes files again, as anything filling it expects. */
  private readonly backToFiles = (): void => {
    this.input.webkitdirectory = false;
  };

  /** Sends the files whose names the mesh takes; the rest, and `unreadable`, go along as skipped. */
  private emit(chosen: ChosenFile[], unreadable: SkippedFile[]): void {
    const { storable, skipped } = checkNames(chosen);
    if (storable.length === 0 && skipped.length === 0 && unreadable.length === 0) return;
    const detail = { files: storable, skipped: [...unreadable, ...skipped] };
    this.dispatchEvent(new CustomEvent('files-chosen', { detail, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-drop-zone': MdDropZone;
  }
}
