/** This tab as a peer: its name, id, what it holds, the space it offers, browser storage, stop/resume. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { MAX_LABEL_CHARS } from '@meshdrive/core';
import { formatBytes } from '../format.js';
import type { SessionState } from '../session.js';
import { sharedStyles } from './shared-styles.js';

/** Offers to choose from: a slider over these steps is easy with a keyboard and a thumb. */
export const CAPACITY_STEPS_BYTES = [128, 256, 512, 1024, 2048, 5120, 10240, 20480, 51200].map((mib) => mib * 1024 ** 2);
/**
 * The slider reaches at least this far however little the browser reports, so the default
 * offer (1 GiB) stays on it; beyond it, only steps the browser's quota can hold.
 */
const MIN_TOP_OFFER_BYTES = 1024 ** 3;

export type DeviceActionEvent = CustomEvent<{ action: 'stop' | 'resume' } | { action: 'capacity'; bytes: number }>;
/** The person saved a name for this device ('' to go by the browser's). */
export type DeviceNameEvent = CustomEvent<{ name: string }>;

@customElement('md-device-panel')
export class MdDevicePanel extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        gap: 1rem;
        grid-template-columns: repeat(auto-fit, minmax(17rem, 1fr));
        align-items: start;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.35rem 1rem;
        margin: 0 0 0.75rem;
        font-size: 0.92rem;
      }
      dt {
        color: var(--text-muted);
      }
      dd {
        margin: 0;
        word-break: break-all;
      }
      .meter {
        height: 10px;
        border-radius: 5px;
        background: var(--surface-muted);
        overflow: hidden;
        margin: 0.35rem 0 0.25rem;
      }
      .meter > div {
        height: 100%;
        background: var(--accent);
      }
      input[type='range'] {
        width: 100%;
        accent-color: var(--accent);
        margin: 0.5rem 0 0.25rem;
      }
      .offer {
        font-size: 1.4rem;
        font-weight: 700;
      }
      p {
        margin: 0.35rem 0;
        font-size: 0.88rem;
      }
      .warn-text {
        color: var(--warn);
      }
      .row {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      form {
        margin: 0 0 1rem;
      }
      label {
        display: block;
        font-size: 0.92rem;
        font-weight: 600;
        margin-bottom: 0.3rem;
      }
      input[type='text'] {
        flex: 1;
        min-width: 0;
        font: inherit;
        padding: 0.4rem 0.6rem;
        min-height: 36px;
        border-radius: 8px;
        border: 1px solid var(--border-strong);
        background: var(--surface);
        color: var(--text);
      }
      .row.name {
        flex-wrap: nowrap;
      }
    `,
  ];

  @property({ attribute: false }) session: SessionState | null = null;

  override render() {
    const s = this.session;
    if (!s) return nothing;
    const topStep = topOfferStep(s.quota);
    const step = Math.min(nearestStep(s.capacity), topStep);
    const overQuota = s.quota !== null && s.capacity > s.quota;
    // Stop and Resume are one button whose label flips, not two, so focus stays on it after a press.
    const heldShare = s.capacity > 0 ? Math.min(100, (s.stats.bytes / s.capacity) * 100) : 0;
    const usageShare = s.usage !== null && s.quota ? Math.min(100, (s.usage / s.quota) * 100) : 0;
    return html`
      <section class="card" aria-labelledby="peer-title">
        <h2 id="peer-title">This tab as a peer</h2>
        ${this.renderName(s)}
        <dl>
          <dt>Status</dt>
          <dd>
            ${s.fatal
              ? html`<span class="pill bad">cannot join</span>`
              : s.contributing
                ? html`<span class="pill good">contributing</span>`
                : html`<span class="pill warn">not contributing</span>`}
          </dd>
          <dt>Peer id</dt>
          <dd class="mono" data-peer-id=${s.peerId ?? ''}>${s.peerId ?? '…'}</dd>
          <dt>Holds</dt>
          <dd>${formatBytes(s.stats.bytes)} in ${s.stats.chunks.toLocaleString()} chunks</dd>
        </dl>
        <div class="meter" role="img" aria-label="${heldShare.toFixed(0)}% of the offered space is used"><div style="width:${heldShare}%"></div></div>
        <p class="muted">${heldShare.toFixed(1)}% of the space offered is in use.</p>
        <div class="row" style="margin-top:0.75rem">
          <button
            class=${s.contributing ? 'danger' : 'primary'}
            data-action="contributing"
            ?disabled=${s.fatal !== null}
            @click=${() => this.emit({ action: s.contributing ? 'stop' : 'resume' })}
          >
            ${s.contributing ? 'Stop contributing' : 'Resume contributing'}
          </button>
        </div>
        <p class="muted">
          ${s.contributing
            ? 'Stopping leaves the ring: files with copies here keep one fewer until you resume (the mesh does not yet make new copies elsewhere), and are readable while another copy is online. The chunks here are kept for when you resume.'
            : 'This tab only uploads and downloads. Its stored chunks are kept and rejoin the mesh when you resume.'}
        </p>
      </section>
      <section class="card" aria-labelledby="offer-title">
        <h2 id="offer-title">Space offered to the mesh</h2>
        <div class="offer" aria-live="polite">${formatBytes(s.capacity)}</div>
        <label class="visually-hidden" for="capacity">Space offered to the mesh</label>
        <input
          id="capacity"
          type="range"
          min="0"
          max=${topStep}
          step="1"
          .value=${String(step)}
          aria-valuetext=${formatBytes(CAPACITY_STEPS_BYTES[step]!)}
          @change=${this.onCapacity}
        />
        <div class="row muted" style="justify-content:space-between;font-size:0.8rem">
          <span>${formatBytes(CAPACITY_STEPS_BYTES[0]!)}</span><span data-top-offer>${formatBytes(CAPACITY_STEPS_BYTES[topStep]!)}</span>
        </div>
        ${overQuota
          ? html`<p class="warn-text">This is more than the ${formatBytes(s.quota!)} the browser allows this site; the browser will refuse chunks before the offer is full.</p>`
          : nothing}
        <p class="muted">Peers that offer more get a larger share of the ring. This tab refuses chunks beyond its offer.</p>
      </section>
      <section class="card" aria-labelledby="storage-title">
        <h2 id="storage-title">Browser storage</h2>
        ${s.usage !== null && s.quota !== null
          ? html`
              <div class="meter" role="img" aria-label="${usageShare.toFixed(0)}% of the browser quota used"><div style="width:${usageShare}%"></div></div>
              <p>${formatBytes(s.usage)} used of ${formatBytes(s.quota)} the browser allows this site.</p>
            `
          : html`<p class="muted">This browser does not report storage usage.</p>`}
        <p>
          Persistent storage:
          ${s.persisted === null
            ? html`<span class="muted">asking…</span>`
            : s.persisted
              ? html`<span class="pill good">granted</span>`
              : html`<span class="pill warn">not granted</span> <span class="muted">The browser may clear this site’s data when disk runs low; the copies it held are then gone, and files keep only their copies on other peers.</span>`}
        </p>
      </section>
    `;
  }

  /** The name other peers see, shared by every tab of this browser. */
  private renderName(s: SessionState) {
    return html`<form @submit=${this.onName}>
      <label for="device-name">Device name</label>
      <div class="row name">
        <input id="device-name" name="device-name" type="text" maxlength=${MAX_LABEL_CHARS} placeholder=${s.device} autocomplete="off" .value=${s.deviceName} />
        <button type="submit">Save</button>
      </div>
      <p class="muted" data-shown-as>
        ${s.deviceName
          ? `Every tab and peer sees this browser as “${s.deviceName}”; with no name it goes by “${s.device}”.`
          : `Every tab and peer sees this browser as “${s.device}” and the start of its id, to tell such browsers apart.`}
      </p>
    </form>`;
  }

  private readonly onName = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('device-name') as HTMLInputElement;
    this.dispatchEvent(new CustomEvent('device-name', { detail: { name: input.value }, bubbles: true, composed: true }));
  };

  private readonly onCapacity = (event: Event): void => {
    const index = Number((event.target as HTMLInputElement).value);
    const bytes = CAPACITY_STEPS_BYTES[index];
    if (bytes !== undefined) this.emit({ action: 'capacity', bytes });
  };

  private emit(detail: DeviceActionEvent['detail']): void {
    this.dispatchEvent(new CustomEvent('device-action', { detail, bubbles: true, composed: true }));
  }
}

/** The highest step the browser's quota can hold, but never below MIN_TOP_OFFER_BYTES. */
function topOfferStep(quota: number | null): number {
  const limit = Math.max(quota ?? Infinity, MIN_TOP_OFFER_BYTES);
  let top = 0;
  CAPACITY_STEPS_BYTES.forEach((step, index) => {
    if (step <= limit) top = index;
  });
  return top;
}

function nearestStep(bytes: number): number {
  let best = 0;
  CAPACITY_STEPS_BYTES.forEach((step, index) => {
    if (Math.abs(step - bytes) < Math.abs(CAPACITY_STEPS_BYTES[best]! - bytes)) best = index;
  });
  return best;
}

declare global {
  interface HTMLElementTagNameMap {
    'md-device-panel': MdDevicePanel;
  }
}
