/** Every peer the master knows (browser or headless): health, backup, what it holds, and the ring. */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { MeshState, PeerView } from '@meshdrive/core';
import { formatBytes, shortId } from '../format.js';
import { peerColors } from '../peer-colors.js';
import { fullName, peerName, type PeerName } from '../peer-names.js';
import { sharedStyles } from './shared-styles.js';
import './md-ring-view.js';

/** The mesh making lost copies again, or unable to: a pill while it lasts. */
function repairing(repair: MeshState['repair'] | undefined) {
  if (!repair) return nothing;
  const rate = repair.bytesPerSecond > 0 ? ` at ${formatBytes(repair.bytesPerSecond)}/s` : '';
  return html`
    ${repair.segments > 0 ? html`<span class="pill warn" data-repair>Repairing ${repair.segments} segments, ${formatBytes(repair.bytes)} left${rate}</span>` : nothing}
    ${repair.unavailable > 0 ? html`<span class="pill bad" data-repair-unavailable>${repair.unavailable} segments have no copy online</span>` : nothing}
  `;
}

const STATUS_CLASS = { online: 'good', stale: 'warn', paused: 'warn', dead: 'bad' } as const;
const STATUS_ORDER = { online: 0, stale: 1, paused: 2, dead: 3 } as const;

@customElement('md-network-view')
export class MdNetworkView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: grid;
        gap: 1rem;
      }
      .summary {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .peers {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 18rem), 1fr));
        gap: 0.6rem;
      }
      .peer {
        background: var(--surface);
        border: 1px solid var(--border);
        border-left: 5px solid var(--peer-color);
        border-radius: 10px;
        padding: 0.6rem 0.75rem;
        display: grid;
        gap: 0.3rem;
        min-width: 0;
      }
      /* A lost peer fades in its colour and border only: dimming the whole card put its text
         below AA contrast. */
      .peer.dead {
        border-style: dashed;
        border-left-color: var(--border-strong);
      }
      .peer.dead .label {
        color: var(--text-muted);
      }
      .peer.dead .meter > div {
        opacity: 0.5;
      }
      .peer.self {
        grid-column: 1 / -1;
      }
      .peer.self .label {
        white-space: normal;
        overflow-wrap: anywhere;
      }
      .top {
        display: flex;
        align-items: center;
        flex-wrap: wrap;
        gap: 0.25rem 0.5rem;
      }
      .label {
        font-weight: 600;
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.1rem 0.75rem;
        margin: 0;
        font-size: 0.85rem;
      }
      dt {
        color: var(--text-muted);
      }
      dd {
        margin: 0;
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .you {
        font-size: 0.72rem;
        font-weight: 700;
        color: var(--accent);
        text-transform: uppercase;
      }
      .meter {
        height: 5px;
        background: var(--surface-muted);
        border-radius: 3px;
        overflow: hidden;
      }
      .meter > div {
        height: 100%;
        background: var(--peer-color);
      }
      .explain {
        margin: 0 0 0.75rem;
        font-size: 0.88rem;
      }
    `,
  ];

  @property({ attribute: false }) mesh: MeshState | null = null;
  @property() selfId: string | null = null;

  override render() {
    const mesh = this.mesh;
    if (!mesh) return html`<p class="muted">Waiting for the master…</p>`;
    // This tab first, then live peers before lost ones.
    const isSelf = (peer: PeerView): number => (peer.id === this.selfId ? 0 : 1);
    const peers = [...mesh.peers].sort((a, b) => isSelf(a) - isSelf(b) || STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.id.localeCompare(b.id));
    const colors = peerColors(mesh.peers.map((peer) => peer.id));
    const names = new Map(mesh.peers.map((peer) => [peer.id as string, peerName(peer)]));
    const count = (status: PeerView['status']): number => peers.filter((peer) => peer.status === status).length;
    const held = peers.reduce((sum, peer) => sum + peer.bytes, 0);
    return html`
      <section class="card" aria-labelledby="ring-title">
        <h2 id="ring-title">Ring</h2>
        <p class="explain muted" data-ring-explain>
          Each arc is a peer's share of the ring (offering more space earns more), and each tick a segment of a file: it is stored on the peer whose arc it lands on, with copies on the next peers clockwise. Point at a peer, or tab to it, to see what it holds.
        </p>
        <md-ring-view .ring=${mesh.ring} .segmentPositions=${mesh.segmentPositions} .peers=${mesh.peers} .colors=${colors} .names=${names}></md-ring-view>
      </section>
      <section aria-labelledby="peers-title">
        <h2 id="peers-title">Peers</h2>
        <div class="summary">
          <span class="pill good">${count('online')} online</span>
          ${count('stale') ? html`<span class="pill warn">${count('stale')} stale</span>` : nothing}
          ${count('paused') ? html`<span class="pill warn">${count('paused')} paused</span>` : nothing}
          ${count('dead') ? html`<span class="pill bad">${count('dead')} dead</span>` : nothing}
          <span class="pill">${formatBytes(held)} held in total</span>
          <span class="pill">replication ${mesh.replication}</span>
          ${repairing(mesh.repair)}
        </div>
        ${peers.length === 0 ? html`<p class="muted">No peers have joined yet.</p>` : nothing}
        <div class="peers" style="margin-top:0.6rem">${peers.map((peer) => this.renderPeer(peer, colors, names))}</div>
      </section>
    `;
  }

  private renderPeer(peer: PeerView, colors: Map<string, string>, names: Map<string, PeerName>) {
    const nameOf = (id: string): string => {
      const name = names.get(id);
      return name ? fullName(name) : shortId(id);
    };
    const fill = peer.capacity > 0 ? Math.min(100, (peer.bytes / peer.capacity) * 100) : 0;
    return html`
      <article class="peer ${peer.status} ${peer.id === this.selfId ? 'self' : ''}" style="--peer-color:${colors.get(peer.id) ?? '#888'}" data-peer=${peer.id} data-status=${peer.status}>
        <div class="top">
          <span class="label" title=${peer.id}>${nameOf(peer.id)}</span>
          ${peer.id === this.selfId ? html`<span class="you">this tab</span>` : nothing}
          <span class="pill ${STATUS_CLASS[peer.status]}">${peer.status}</span>
          ${peer.full ? html`<span class="pill warn" title="Its storage refused a write for lack of space; new files go to other peers">full</span>` : nothing}
        </div>
        <dl>
          <dt>Id</dt>
          <dd class="mono">${shortId(peer.id)} · ${peer.kind === 'browser' ? 'browser tab' : 'headless'}</dd>
          <dt>Copies</dt>
          <dd data-durable=${String(peer.durable)}>${peer.durable
            ? 'durable: kept on disk'
            : html`<span title="Every file keeps a copy on a durable peer while one is online">${peer.kind === 'browser' ? 'kept while this tab is open' : 'in memory only'}</span>`}</dd>
          <dt>Backups</dt>
          <dd>${peer.backups.length === 0
            ? html`<span class="muted">none</span>`
            : peer.backups.map((backup, i) => html`${i > 0 ? ', ' : nothing}${nameOf(backup.peer)} <span class="muted">(${backup.segments} ${backup.segments === 1 ? 'segment' : 'segments'})</span>`)}</dd>
          <dt>Holds</dt>
          <dd>${formatBytes(peer.bytes)} in ${peer.chunks.toLocaleString()} chunks</dd>
          <dt>Offers</dt>
          <dd>${formatBytes(peer.capacity)}</dd>
        </dl>
        <div class="meter" role="img" aria-label="${fill.toFixed(0)}% of offered space used"><div style="width:${fill}%"></div></div>
      </article>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'md-network-view': MdNetworkView;
  }
}
