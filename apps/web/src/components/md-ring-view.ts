/**
 * The ring as a picture: every virtual node owns the arc from the previous node up to its own
 * position (a key belongs to the first node clockwise from it), coloured by peer, with each
 * peer's share of the ring in the legend.
 */
import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { MeshState } from '@meshdrive/core';
import { shortId } from '../format.js';
import { sharedStyles } from './shared-styles.js';

const RING_SPAN = 2 ** 32;
const SIZE = 240;
const CENTER = SIZE / 2;
const RADIUS = 92;
const WIDTH = 26;

@customElement('md-ring-view')
export class MdRingView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .layout {
        display: flex;
        flex-wrap: wrap;
        gap: 1rem 1.5rem;
        align-items: center;
      }
      svg {
        width: min(240px, 100%);
        height: auto;
        flex: 0 0 auto;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.35rem;
        font-size: 0.88rem;
        flex: 1;
        min-width: 12rem;
      }
      li {
        display: flex;
        align-items: center;
        gap: 0.5rem;
      }
      .swatch {
        width: 0.8rem;
        height: 0.8rem;
        border-radius: 3px;
        flex: none;
      }
      .share {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];

  @property({ attribute: false }) ring: MeshState['ring'] = [];
  @property({ attribute: false }) colors = new Map<string, string>();
  @property({ attribute: false }) labels = new Map<string, string>();

  override render() {
    const nodes = [...this.ring].sort((a, b) => a.position - b.position);
    const share = new Map<string, number>();
    const arcs = nodes.map((node, i) => {
      const previous = i === 0 ? nodes[nodes.length - 1]!.position - RING_SPAN : nodes[i - 1]!.position;
      share.set(node.peer, (share.get(node.peer) ?? 0) + (node.position - previous) / RING_SPAN);
      return svg`<path d=${arcPath(previous, node.position)} fill=${this.colors.get(node.peer) ?? '#888'}><title>${this.labels.get(node.peer) ?? shortId(node.peer)}</title></path>`;
    });
    const owners = [...share.entries()].sort((a, b) => b[1] - a[1]);
    return html`
      <div class="layout">
        <svg viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="Hash ring: ${nodes.length} virtual nodes over ${owners.length} peers">
          <circle cx=${CENTER} cy=${CENTER} r=${RADIUS} fill="none" stroke="var(--surface-muted)" stroke-width=${WIDTH}></circle>
          ${arcs}
          <text x=${CENTER} y=${CENTER - 4} text-anchor="middle" font-size="22" font-weight="700" fill="currentColor">${owners.length}</text>
          <text x=${CENTER} y=${CENTER + 16} text-anchor="middle" font-size="11" fill="var(--text-muted)">peers on the ring</text>
        </svg>
        <ul aria-label="Share of the ring per peer">
          ${owners.length === 0 ? html`<li class="muted">The ring is empty: no peer is online.</li>` : ''}
          ${owners.map(
            ([peer, fraction]) => html`<li>
              <span class="swatch" style="background:${this.colors.get(peer) ?? '#888'}"></span>
              <span>${this.labels.get(peer) ?? shortId(peer)}</span>
              <span class="share">${(fraction * 100).toFixed(1)}%</span>
            </li>`,
          )}
        </ul>
      </div>
    `;
  }
}

/** An annular sector from ring position `from` to `to` (clockwise from 12 o'clock). */
function arcPath(from: number, to: number): string {
  const start = (from / RING_SPAN) * 2 * Math.PI;
  const end = (to / RING_SPAN) * 2 * Math.PI;
  const outer = RADIUS + WIDTH / 2;
  const inner = RADIUS - WIDTH / 2;
  const point = (angle: number, radius: number): string => `${(CENTER + radius * Math.sin(angle)).toFixed(2)} ${(CENTER - radius * Math.cos(angle)).toFixed(2)}`;
  const large = end - start > Math.PI ? 1 : 0;
  return `M ${point(start, outer)} A ${outer} ${outer} 0 ${large} 1 ${point(end, outer)} L ${point(end, inner)} A ${inner} ${inner} 0 ${large} 0 ${point(start, inner)} Z`;
}

declare global {
  interface HTMLElementTagNameMap {
    'md-ring-view': MdRingView;
  }
}
