/**
 * A yes-or-no question before something that lowers safety or loses work: a modal dialog whose
 * focus starts on the safe answer; Escape answers it too.
 */
import { css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ModalQuestion } from './modal-question.js';
import { dialogStyles, sharedStyles } from './shared-styles.js';

export type ConfirmEvent = CustomEvent<{ confirmed: boolean }>;

@customElement('md-confirm')
export class MdConfirm extends ModalQuestion<boolean> {
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
  protected readonly safeAnswer = false;

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

  protected announce(confirmed: boolean): void {
    this.dispatchEvent(new CustomEvent('confirm', { detail: { confirmed }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-confirm': MdConfirm;
  }
}
