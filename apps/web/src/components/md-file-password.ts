/**
 * Asks for a file's own password: to download a file that has one (again, saying so plainly,
 * after a wrong one), or to give uploads one. A modal dialog with the focus in the field; Escape
 * or Cancel gives no password, which cancels the transfer.
 */
import { css, html, LitElement } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

export type FilePasswordPurpose = 'read' | 'wrong' | 'choose';
/** `password` undefined: cancelled. */
export type FilePasswordEvent = CustomEvent<{ password: string | undefined }>;

@customElement('md-file-password')
export class MdFilePassword extends LitElement {
  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      label {
        display: grid;
        gap: 0.25rem;
        margin: 0.75rem 0 1rem;
      }
      input {
        font: inherit;
        padding: 0.45rem 0.6rem;
        border: 1px solid var(--border);
        border-radius: 8px;
        background: var(--surface);
        color: var(--text);
      }
      .wrong {
        color: var(--bad);
        font-weight: 600;
      }
    `,
  ];

  /** The file (or, when choosing, how many files) the password is for. */
  @property() subject = '';
  @property() purpose: FilePasswordPurpose = 'read';
  @query('dialog') private dialog!: HTMLDialogElement;
  @query('input') private input!: HTMLInputElement;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.input.focus();
  }

  override render() {
    const choosing = this.purpose === 'choose';
    return html`<dialog aria-labelledby="password-title" @cancel=${this.onCancel}>
      <form method="dialog" @submit=${this.onSubmit}>
        <h2 id="password-title">${choosing ? `A password for ${this.subject}` : `“${this.subject}” has a password`}</h2>
        ${this.purpose === 'wrong' ? html`<p class="wrong" role="alert">Wrong password. Nothing was saved; try again.</p>` : null}
        <p>
          ${choosing
            ? 'Anyone who downloads these files will need this password as well as your account, on any device. It cannot be recovered: keep it somewhere safe.'
            : 'This file was given a password of its own when it was uploaded. Enter it to download the file.'}
        </p>
        <label>Password <input type="password" name="password" autocomplete=${choosing ? 'new-password' : 'current-password'} required minlength="1" /></label>
        <div class="actions">
          <button type="button" @click=${() => this.answer(undefined)}>Cancel</button>
          <button type="submit" class="primary">${choosing ? 'Upload' : 'Download'}</button>
        </div>
      </form>
    </dialog>`;
  }

  private readonly onCancel = (event: Event): void => {
    event.preventDefault();
    this.answer(undefined);
  };

  private readonly onSubmit = (event: Event): void => {
    event.preventDefault();
    if (this.input.value === '') return;
    this.answer(this.input.value);
  };

  private answer(password: string | undefined): void {
    this.dialog.close();
    this.dispatchEvent(new CustomEvent('file-password', { detail: { password }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-file-password': MdFilePassword;
  }
}
