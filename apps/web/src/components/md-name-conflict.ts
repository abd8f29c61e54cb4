/**
 * Asks what to do when files chosen for upload have the names of files already in the mesh:
 * replace them (a new version of each), keep both (the new ones get "name (2).ext"), or cancel.
 * A modal dialog: focus starts on Keep both, Escape cancels.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ModalQuestion } from './modal-question.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

export type NameConflictChoice = 'replace' | 'keep-both' | 'cancel';
export type NameConflictEvent = CustomEvent<{ choice: NameConflictChoice }>;

@customElement('md-name-conflict')
export class MdNameConflict extends ModalQuestion<NameConflictChoice> {
  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      ul {
        margin: 0.5rem 0 1rem;
        padding-left: 1.25rem;
        max-height: 10rem;
        overflow: auto;
        word-break: break-word;
      }
    `,
  ];

  /** The chosen names already in the mesh. */
  @property({ attribute: false }) names: readonly string[] = [];
  protected readonly safeAnswer = 'cancel';

  override render() {
    const one = this.names.length === 1;
    return html`<dialog aria-labelledby="conflict-title" @cancel=${this.onCancel}>
      <h2 id="conflict-title">${one ? `“${this.names[0]}” is already in the mesh` : `${this.names.length} files are already in the mesh`}</h2>
      ${one ? html`<p>Replace it with the new file (the old one stays as an earlier version), or keep both?</p>` : html`<p>Replace them with the new files (the old ones stay as earlier versions), or keep both?</p><ul>${this.names.map((name) => html`<li>${name}</li>`)}</ul>`}
      <div class="actions">
        <button @click=${() => this.answer('cancel')}>Cancel</button>
        <button @click=${() => this.answer('replace')}>Replace</button>
        <button class="primary keep" @click=${() => this.answer('keep-both')}>Keep both</button>
      </div>
    </dialog>`;
  }

  protected announce(choice: NameConflictChoice): void {
    this.dispatchEvent(new CustomEvent('name-conflict', { detail: { choice }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-name-conflict': MdNameConflict;
  }
}
