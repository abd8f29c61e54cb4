/**
 * The first screen when nobody is logged in on this browser: log in, or create an account. Each
 * person's files are private, so the mesh needs to know who is asking. Errors are one sentence
 * (messages.ts) under the form; the password is never kept anywhere but the request.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { MIN_PASSWORD_LENGTH } from '@meshdrive/core';
import type { Account } from '../account.js';
import { describeError } from '../messages.js';
import { sharedStyles } from './shared-styles.js';

type Mode = 'login' | 'signup';

@customElement('md-login')
export class MdLogin extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        place-items: center;
        min-height: 100vh;
        padding: 1rem;
      }
      form {
        width: min(24rem, 100%);
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 14px;
        padding: 1.5rem;
        display: grid;
        gap: 0.9rem;
      }
      h1 {
        margin: 0;
        font-size: 1.35rem;
      }
      p {
        margin: 0;
      }
      label {
        display: grid;
        gap: 0.3rem;
        font-weight: 600;
        font-size: 0.9rem;
      }
      input {
        font: inherit;
        padding: 0.5rem 0.65rem;
        border-radius: 8px;
        border: 1px solid var(--border-strong);
        background: var(--surface);
        color: var(--text);
      }
      .hint {
        font-weight: 400;
        font-size: 0.8rem;
      }
      .error {
        color: var(--bad);
        background: var(--bad-soft);
        border-radius: 8px;
        padding: 0.5rem 0.7rem;
        font-size: 0.9rem;
      }
      .switch {
        font-size: 0.9rem;
      }
      .switch button {
        border: none;
        background: none;
        color: var(--accent);
        padding: 0;
        min-height: 0;
        text-decoration: underline;
      }
    `,
  ];

  @property({ attribute: false }) account!: Account;
  @state() private mode: Mode = 'login';
  @state() private busy = false;
  @state() private error: string | null = null;
  @query('#user') private userInput!: HTMLInputElement;
  @query('#password') private passwordInput!: HTMLInputElement;

  override render() {
    const signup = this.mode === 'signup';
    return html`
      <form @submit=${this.onSubmit} aria-labelledby="login-title" novalidate>
        <h1 id="login-title">${signup ? 'Create your Meshdrive account' : 'Log in to Meshdrive'}</h1>
        <p class="muted">Your files are yours alone: only you can list, read or delete them.</p>
        <label for="user">User name
          <input id="user" name="user" autocomplete="username" required maxlength="32" pattern="[a-z0-9][a-z0-9._\\-]*" autocapitalize="none" spellcheck="false" />
          ${signup ? html`<span class="hint muted">Lower-case letters, digits, “.”, “_” and “-”.</span>` : nothing}
        </label>
        <label for="password">Password
          <input id="password" name="password" type="password" required minlength=${signup ? MIN_PASSWORD_LENGTH : 1} autocomplete=${signup ? 'new-password' : 'current-password'} />
          ${signup ? html`<span class="hint muted">At least ${MIN_PASSWORD_LENGTH} characters.</span>` : nothing}
        </label>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        <button class="primary" type="submit" ?disabled=${this.busy}>${signup ? 'Create account' : 'Log in'}</button>
        <p class="switch muted">
          ${signup ? 'Already have an account?' : 'New here?'}
          <button type="button" @click=${this.toggleMode}>${signup ? 'Log in' : 'Create an account'}</button>
        </p>
      </form>
    `;
  }

  private readonly toggleMode = (): void => {
    this.mode = this.mode === 'login' ? 'signup' : 'login';
    this.error = null;
    void this.updateComplete.then(() => this.userInput.focus());
  };

  private readonly onSubmit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const user = this.userInput.value.trim().normalize('NFC');
    const password = this.passwordInput.value;
    if (!user || !password) {
      this.error = 'Enter a user name and a password.';
      return;
    }
    this.busy = true;
    this.error = null;
    try {
      if (this.mode === 'signup') await this.account.signup(user, password);
      else await this.account.login(user, password);
    } catch (error) {
      this.error = describeError(error).message;
      this.passwordInput.select();
    } finally {
      this.busy = false;
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'md-login': MdLogin;
  }
}
