/**
 * A yes-or-no question before something that lowers safety or loses work: a modal dialog whose
 * focus starts on the safe answer; Escape answers it too.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

export type ConfirmEvent = CustomEvent<{ confirmed: boolean }>;

@customElement('md-confirm')
export class MdConfirm extends LitElement {
  static override styles = [
    sharedStyles,
    dialogStyles,
    css`
      .actions {
        margin-top: 1rem;
      }
    `,
  ];

  @property() heading = '';
  @property() body = '';
  /** The label of the risky answer; the safe one is `keepLabel`. */
  @property() confirmLabel = 'Continue';
  @property() keepLabel = 'Cancel';
  @query('dialog') private dialog!: HTMLDialogElement;
  @query('button.keep') private keepButton!: HTMLButtonElement;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.keepButton.focus();
  }

  override render() {
    return html`<dialog aria-labelledby="confirm-title" aria-describedby="confirm-body" @cancel=${this.onCancel}>
      <h2 id="confirm-title">${this.heading}</h2>
      <p id="confirm-body">${this.body}</p>
      <div class="actions">
        <button class="danger" @click=${() => this.answer(true)}>${this.confirmLabel}</button>
        <button class="primary keep" @click=${() => this.answer(false)}>${this.keepLabel}</button>
      </div>
    </dialog>`;
  }

  private readonly onCancel = (event: Event): void => {
    event.preventDefault();
    this.answer(false);
  };

  private answer(confirmed: boolean): void {
    this.dialog.close();
    this.dispatchEvent(new CustomEvent('confirm', { detail: { confirmed }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-confirm': MdConfirm;
  }
}
