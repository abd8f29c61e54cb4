/**
 * What md-confirm, md-name-conflict and md-preview share: a modal dialog that opens with focus
 * on its safe answer (the button with class "keep"), gives that answer on Escape, and closes
 * (focus going back where it was) before telling its host what was answered.
 */
import { LitElement } from 'lit';
import { query } from 'lit/decorators.js';

export abstract class ModalQuestion<Answer> extends LitElement {
  @query('dialog') private dialog!: HTMLDialogElement;
  @query('button.keep') private keepButton!: HTMLButtonElement;

  /** The answer that loses nothing: Escape gives it. */
  protected abstract readonly safeAnswer: Answer;

  /** Tells the host what was answered (an event that bubbles out of the shadow root). */
  protected abstract announce(answer: Answer): void;

  override firstUpdated(): void {
    this.dialog.showModal();
    this.keepButton.focus();
  }

  protected readonly onCancel = (event: Event): void => {
    event.preventDefault();
    this.answer(this.safeAnswer);
  };

  protected answer(answer: Answer): void {
    this.dialog.close();
    this.announce(answer);
  }
}
