/** Uploads and downloads in flight and just finished: progress, speed, time left, cancel, retry. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { formatBytes, formatDuration, formatSpeed } from '../format.js';
import { FINISHED_PHASES, type Transfer } from '../transfers.js';
import { sharedStyles } from './shared-styles.js';

export type TransferActionEvent = CustomEvent<{ id: number; action: 'cancel' | 'retry' | 'dismiss' | 'clear-finished' }>;

const PHASE_LABEL = { queued: 'Waiting', running: '', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' } as const;

@customElement('md-transfer-list')
export class MdTransferList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      header {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 0.5rem;
        margin-bottom: 0.5rem;
      }
      h2 {
        margin: 0;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.5rem;
      }
      li {
        background: var(--surface);
        border: 1px solid var(--border);
        border-radius: 10px;
        padding: 0.6rem 0.75rem;
      }
      .row {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      .name {
        flex: 1;
        min-width: 0;
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .arrow {
        font-weight: 700;
        color: var(--accent);
        width: 1.2rem;
        text-align: center;
      }
      .bar {
        height: 6px;
        border-radius: 3px;
        background: var(--surface-muted);
        overflow: hidden;
        margin: 0.45rem 0 0.35rem;
      }
      .bar > div {
        height: 100%;
        background: var(--accent);
      }
      li.done .bar > div {
        background: var(--good);
      }
      li.failed .bar > div {
        background: var(--bad);
      }
      li.cancelled .bar > div {
        background: var(--border-strong);
      }
      .detail {
        font-size: 0.82rem;
        color: var(--text-muted);
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.9rem;
      }
      .note {
        font-size: 0.82rem;
        color: var(--warn);
        margin-top: 0.3rem;
      }
      .error {
        font-size: 0.85rem;
        color: var(--bad);
        margin-top: 0.3rem;
      }
      .actions {
        display: flex;
        gap: 0.35rem;
      }
      .actions button {
        min-height: 32px;
        padding: 0.25rem 0.6rem;
      }
    `,
  ];

  @property({ attribute: false }) transfers: readonly Transfer[] = [];

  override render() {
    if (this.transfers.length === 0) return nothing;
    const finished = this.transfers.some((t) => FINISHED_PHASES.has(t.phase));
    return html`
      <header>
        <h2>Transfers</h2>
        ${finished ? html`<button @click=${() => this.act(0, 'clear-finished')}>Clear finished</button>` : nothing}
      </header>
      <ul aria-live="polite">
        ${repeat(this.transfers, (t) => t.id, (t) => this.renderTransfer(t))}
      </ul>
    `;
  }

  private renderTransfer(t: Transfer) {
    const percent = t.size > 0 ? Math.min(100, (t.done / t.size) * 100) : t.phase === 'done' ? 100 : 0;
    const verb = t.kind === 'upload' ? 'Upload' : 'Download';
    return html`
      <li class=${t.phase} data-transfer=${t.name} data-phase=${t.phase}>
        <div class="row">
          <span class="arrow" aria-hidden="true">${t.kind === 'upload' ? '↑' : '↓'}</span>
          <span class="name" title=${t.name}>${t.name}</span>
          ${t.phase === 'running' ? nothing : html`<span class="pill ${this.pillClass(t)}">${PHASE_LABEL[t.phase]}</span>`}
          <span class="actions">
            ${t.phase === 'running' || t.phase === 'queued'
              ? html`<button @click=${() => this.act(t.id, 'cancel')} aria-label="Cancel ${verb.toLowerCase()} of ${t.name}">Cancel</button>`
              : nothing}
            ${(t.phase === 'failed' || t.phase === 'cancelled') && t.retryable
              ? html`<button @click=${() => this.act(t.id, 'retry')} aria-label="Retry ${verb.toLowerCase()} of ${t.name}">Retry</button>`
              : nothing}
            ${t.phase !== 'running' && t.phase !== 'queued'
              ? html`<button @click=${() => this.act(t.id, 'dismiss')} aria-label="Dismiss ${t.name}">✕</button>`
              : nothing}
          </span>
        </div>
        <div class="bar" role="progressbar" aria-label="${verb} of ${t.name}" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(percent)}>
          <div style="width: ${percent}%"></div>
        </div>
        <div class="detail">
          <span>${formatBytes(t.done)} of ${formatBytes(t.size)} (${Math.floor(percent)}%)</span>
          ${t.bytesPerSecond > 0 ? html`<span>${formatSpeed(t.bytesPerSecond)}${t.phase === 'done' ? ' average' : ''}</span>` : nothing}
          ${t.phase === 'running' && t.secondsLeft !== null ? html`<span>${formatDuration(t.secondsLeft)} left</span>` : nothing}
          ${t.destination && t.phase !== 'failed' ? html`<span>${t.destination}</span>` : nothing}
        </div>
        ${t.note && t.phase === 'running' ? html`<div class="note">${t.note}</div>` : nothing}
        ${t.error ? html`<div class="error" role="alert">${t.error}</div>` : nothing}
      </li>
    `;
  }

  private pillClass(t: Transfer): string {
    return t.phase === 'done' ? 'good' : t.phase === 'failed' ? 'bad' : t.phase === 'cancelled' ? 'warn' : '';
  }

  private act(id: number, action: 'cancel' | 'retry' | 'dismiss' | 'clear-finished'): void {
    this.dispatchEvent(new CustomEvent('transfer-action', { detail: { id, action }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-transfer-list': MdTransferList;
  }
}
