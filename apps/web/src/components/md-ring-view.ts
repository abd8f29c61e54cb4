/**
 * The ring as a picture: each peer's arcs in its colour and labelled outside the band, a tick
 * where each stored segment lands, and each peer's share in a legend. Pointing at a peer, or
 * focusing its legend entry, lights up its arcs and shows what it holds.
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { MeshState, PeerView } from '@meshdrive/core';
import { formatSegmentNumbers, shortId } from '../format.js';
import { fullName, shortName, type PeerName } from '../peer-names.js';
import {
  arcPath,
  CENTER_X,
  CENTER_Y,
  BAND,
  ownerAt,
  placeLabels,
  RADIUS,
  ringArcs,
  ringShares,
  tickPath,
  VIEW_HEIGHT,
  VIEW_WIDTH,
  type Arc,
  type RingLabel,
} from '../ring-picture.js';
import { sharedStyles } from './shared-styles.js';

/** Peers with less of the ring go unlabelled in the picture, their arcs too thin to point at; the legend lists them. */
const MIN_LABELLED_SHARE = 0.04;
/** Characters of a label in the picture; the legend has the whole name. */
const LABEL_CHARS = 14;
const FALLBACK_COLOR = '#888';
/** The picture grows on wide screens up to this, a little past its view box, to be read at a glance. */
const RENDERED_MAX_WIDTH_PX = 520;

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
        align-items: flex-start;
      }
      svg {
        width: min(${RENDERED_MAX_WIDTH_PX}px, 100%);
        height: auto;
        flex: 0 0 auto;
      }
      .dim {
        opacity: 0.2;
      }
      .arcs path,
      .ticks path,
      .labels g {
        transition: opacity 0.15s;
      }
      .labels text {
        font-size: 13px;
      }
      /* A phone shrinks the picture by a third: larger text keeps the labels readable, and
         LABEL_CHARS of it still fit beside the ring (VIEW_WIDTH leaves room for them). */
      @media (max-width: 30rem) {
        .labels text {
          font-size: 14px;
        }
      }
      .ticks path {
        stroke: currentColor;
        stroke-opacity: 0.6;
      }
      .side {
        flex: 1;
        min-width: min(100%, 16rem);
        display: grid;
        gap: 0.75rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.1rem;
        font-size: 0.88rem;
      }
      button.owner {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        width: 100%;
        min-height: 32px;
        padding: 0.2rem 0.45rem;
        border-color: transparent;
        background: none;
        font-size: inherit;
        text-align: left;
        white-space: normal;
      }
      button.owner:hover,
      button.owner.active {
        background: var(--surface-hover);
        border-color: var(--border);
      }
      .swatch {
        width: 0.8rem;
        height: 0.8rem;
        border-radius: 3px;
        flex: none;
        display: inline-block;
      }
      .name {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .share {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
      .holdings {
        border-top: 1px solid var(--border);
        padding-top: 0.6rem;
        font-size: 0.88rem;
        display: grid;
        gap: 0.3rem;
      }
      .holdings p {
        margin: 0;
      }
      .holdings .who {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .holdings ul {
        gap: 0.2rem;
      }
      .file {
        overflow-wrap: anywhere;
      }
    `,
  ];

  @property({ attribute: false }) ring: MeshState['ring'] = [];
  @property({ attribute: false }) segmentPositions: MeshState['segmentPositions'] = [];
  /** Where each peer's holdings come from. */
  @property({ attribute: false }) peers: PeerView[] = [];
  @property({ attribute: false }) colors = new Map<string, string>();
  @property({ attribute: false }) names = new Map<string, PeerName>();
  /** The peer under the pointer, and the one whose legend entry has focus; the pointer wins. */
  @state() private pointed: string | null = null;
  @state() private focused: string | null = null;

  override render() {
    const arcs = ringArcs(this.ring);
    const shares = ringShares(arcs);
    const active = this.pointed ?? this.focused;
    const labelled = shares.filter(([, share]) => share >= MIN_LABELLED_SHARE).map(([peer]) => peer);
    return html`
      <div class="layout">
        <svg viewBox="0 0 ${VIEW_WIDTH} ${VIEW_HEIGHT}" role="img" aria-label="Hash ring: ${arcs.length} virtual nodes over ${shares.length} peers, ${this.segmentPositions.length} segments">
          <circle cx=${CENTER_X} cy=${CENTER_Y} r=${RADIUS} fill="none" stroke="var(--surface-muted)" stroke-width=${BAND}></circle>
          <g class="arcs">${arcs.map((arc) => this.renderArc(arc, active))}</g>
          <g class="ticks">${this.renderTicks(arcs, active)}</g>
          <g class="labels">${placeLabels(arcs, labelled).map((label) => this.renderLabel(label, active))}</g>
          <text x=${CENTER_X} y=${CENTER_Y - 4} text-anchor="middle" font-size="22" font-weight="700" fill="currentColor">${shares.length}</text>
          <text x=${CENTER_X} y=${CENTER_Y + 16} text-anchor="middle" font-size="11" fill="var(--text-muted)">peers on the ring</text>
        </svg>
        <div class="side">
          <ul aria-label="Share of the ring per peer">
            ${shares.length === 0 ? html`<li class="muted">The ring is empty: no peer is online.</li>` : nothing}
            ${shares.map(([peer, share]) => this.renderOwner(peer, share, active))}
          </ul>
          ${shares.length === 0 ? nothing : this.renderHoldings(active, shares)}
        </div>
      </div>
    `;
  }

  private renderArc(arc: Arc, active: string | null) {
    return svg`<path
      class=${dimUnless(arc.peer, active)}
      d=${arcPath(arc)}
      fill=${this.colorOf(arc.peer)}
      @pointerenter=${() => (this.pointed = arc.peer)}
      @pointerleave=${() => (this.pointed = null)}
    ><title>${this.nameOf(arc.peer)}</title></path>`;
  }

  /** One path per peer, of the segments landing on its arcs, so they light up with them. */
  private renderTicks(arcs: readonly Arc[], active: string | null) {
    const byPeer = new Map<string, number[]>();
    for (const position of this.segmentPositions) {
      const peer = ownerAt(arcs, position);
      if (peer === undefined) continue;
      const positions = byPeer.get(peer) ?? [];
      positions.push(position);
      byPeer.set(peer, positions);
    }
    return [...byPeer].map(([peer, positions]) => svg`<path class=${dimUnless(peer, active)} d=${tickPath(positions)} stroke-width="1.2"></path>`);
  }

  private renderLabel(label: RingLabel, active: string | null) {
    const { from, bend, text } = label;
    return svg`<g class=${dimUnless(label.peer, active)} data-ring-label=${label.peer}>
      <polyline points="${from.x.toFixed(1)},${from.y.toFixed(1)} ${bend.x.toFixed(1)},${bend.y.toFixed(1)}" fill="none" stroke=${this.colorOf(label.peer)} stroke-width="1.5"></polyline>
      <circle cx=${from.x.toFixed(1)} cy=${from.y.toFixed(1)} r="2" fill=${this.colorOf(label.peer)}></circle>
      <text x=${text.x.toFixed(1)} y=${text.y.toFixed(1)} text-anchor=${label.anchor} dominant-baseline="middle" fill="currentColor">${this.shortNameOf(label.peer)}</text>
    </g>`;
  }

  private renderOwner(peer: string, share: number, active: string | null) {
    return html`<li>
      <button
        type="button"
        class="owner ${peer === active ? 'active' : ''}"
        data-peer=${peer}
        aria-controls="holdings"
        @pointerenter=${() => (this.pointed = peer)}
        @pointerleave=${() => (this.pointed = null)}
        @focus=${() => (this.focused = peer)}
        @blur=${() => (this.focused = null)}
        @click=${() => (this.focused = peer)}
      >
        <span class="swatch" style="background:${this.colorOf(peer)}"></span>
        <span class="name">${this.nameOf(peer)}</span>
        <span class="share">${percent(share)}</span>
      </button>
    </li>`;
  }

  /** What the active peer holds: its share, its segments as primary and as backup, and which of your files they belong to. */
  private renderHoldings(active: string | null, shares: readonly [string, number][]) {
    if (active === null) {
      return html`<div id="holdings" class="holdings" aria-live="polite">
        <p class="muted">Point at a peer, or tab to it in this list, to see which segments it holds.</p>
      </div>`;
    }
    const share = shares.find(([peer]) => peer === active)?.[1] ?? 0;
    const holds = this.peers.find((peer) => peer.id === active)?.holds;
    return html`<div id="holdings" class="holdings" aria-live="polite" data-holdings=${active}>
      <p class="who"><span class="swatch" style="background:${this.colorOf(active)}"></span>${this.nameOf(active)}</p>
      <p>
        ${percent(share)} of the ring${holds
          ? html` · primary for ${count(holds.primary, 'segment')} · backup for ${holds.backup.toLocaleString()}`
          : nothing}
      </p>
      ${holds && holds.files.length > 0
        ? html`<ul aria-label="Files it holds segments of">
              ${holds.files.map((file) => html`<li><span class="file">${file.name}</span> <span class="muted">${segmentsOf(file)}</span></li>`)}
            </ul>
            ${holds.moreFiles > 0 ? html`<p class="muted">and ${count(holds.moreFiles, 'more file')}</p>` : nothing}`
        : html`<p class="muted">It holds no segment of your files yet.</p>`}
    </div>`;
  }

  private colorOf(peer: string): string {
    return this.colors.get(peer) ?? FALLBACK_COLOR;
  }

  private nameOf(peer: string): string {
    const name = this.names.get(peer);
    return name ? fullName(name) : shortId(peer);
  }

  private shortNameOf(peer: string): string {
    const name = this.names.get(peer);
    return name ? shortName(name, LABEL_CHARS) : shortId(peer);
  }
}

/** The class that fades a peer's marks while another peer is active. */
function dimUnless(peer: string, active: string | null): string {
  return active !== null && peer !== active ? 'dim' : '';
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString()} ${noun}${n === 1 ? '' : 's'}`;
}

/** "segment 1", "segments 1–3, 5", or with a long list cut short, "40 segments: 1–32, …". */
function segmentsOf(file: PeerView['holds']['files'][number]): string {
  const numbers = formatSegmentNumbers(file.indices, file.segments);
  if (file.segments > file.indices.length) return `${file.segments.toLocaleString()} segments: ${numbers}`;
  return `${file.segments === 1 ? 'segment' : 'segments'} ${numbers}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'md-ring-view': MdRingView;
  }
}
