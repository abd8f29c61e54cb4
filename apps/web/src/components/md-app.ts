/**
 * The application shell: header with the master link, banners for what is wrong, and three
 * views (Files, Network, This device). It owns no mesh state: it renders the MeshSession and
 * Transfers it is given and forwards what the person does to them.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FileSummary, MeshClient } from '@meshdrive/core';
import type { MeshSession, SessionState } from '../session.js';
import type { Transfer, Transfers } from '../transfers.js';
import { describeError } from '../messages.js';
import { listSome } from '../format.js';
import type { DeviceActionEvent, DeviceNameEvent } from './md-device-panel.js';
import type { FileActionEvent, FilesActionEvent } from './md-file-list.js';
import type { FilesChosenEvent } from './md-drop-zone.js';
import type { NameConflictEvent } from './md-name-conflict.js';
import type { ConfirmEvent } from './md-confirm.js';
import type { FilePasswordEvent, FilePasswordPurpose } from './md-file-password.js';
import { keepBothName, skippedSentence, type ChosenFile } from '../names.js';
import type { TransferActionEvent } from './md-transfer-list.js';
import { sharedStyles } from './shared-styles.js';
import './md-device-panel.js';
import './md-drop-zone.js';
import './md-file-list.js';
import './md-name-conflict.js';
import './md-confirm.js';
import './md-file-password.js';
import './md-preview.js';
import './md-file-details.js';
import { LockKeeper } from '../lock-keeper.js';
import './md-network-view.js';
import './md-transfer-list.js';

type View = 'files' | 'network' | 'device';
const VIEWS: { id: View; label: string }[] = [
  { id: 'files', label: 'Files' },
  { id: 'network', label: 'Network' },
  { id: 'device', label: 'This device' },
];
/** A tab holding more than this share of its offer gets a gentle warning. */
const NEARLY_FULL_SHARE = 0.95;

interface Banner {
  kind: 'bad' | 'warn';
  text: string;
  action?: { label: string; run: () => void };
}

@customElement('md-app')
export class MdApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      .sealing {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1.5rem;
        align-items: center;
        justify-content: space-between;
        color: var(--text-muted);
        font-size: 0.9rem;
      }
      .sealing p {
        margin: 0;
      }
      header {
        background: var(--surface);
        border-bottom: 1px solid var(--border);
        position: sticky;
        top: 0;
        z-index: 2;
      }
      .bar {
        max-width: 1040px;
        margin: 0 auto;
        padding: 0.6rem 1rem 0;
        display: flex;
        align-items: center;
        gap: 0.75rem;
        flex-wrap: wrap;
      }
      .brand {
        margin: 0 auto 0 0;
        font-weight: 800;
        font-size: 1.15rem;
        letter-spacing: -0.01em;
        display: flex;
        align-items: center;
        gap: 0.45rem;
      }
      .user {
        font-weight: 600;
        font-size: 0.9rem;
      }
      .brand svg {
        width: 26px;
        height: 26px;
      }
      nav {
        max-width: 1040px;
        margin: 0 auto;
        padding: 0 1rem;
        display: flex;
        gap: 0.25rem;
        overflow-x: auto;
      }
      nav button {
        border: none;
        border-radius: 0;
        background: none;
        border-bottom: 3px solid transparent;
        padding: 0.6rem 0.8rem;
        color: var(--text-muted);
        font-weight: 600;
      }
      nav button[aria-selected='true'] {
        color: var(--accent);
        border-bottom-color: var(--accent);
      }
      main {
        max-width: 1040px;
        margin: 0 auto;
        padding: 1rem;
        display: grid;
        gap: 1.25rem;
      }
      .banner {
        display: flex;
        align-items: center;
        gap: 0.75rem;
        flex-wrap: wrap;
        padding: 0.7rem 0.9rem;
        border-radius: 10px;
        font-size: 0.92rem;
      }
      .banner.bad {
        background: var(--bad-soft);
        color: var(--bad);
        border: 1px solid color-mix(in srgb, var(--bad) 30%, transparent);
      }
      .banner.warn {
        background: var(--warn-soft);
        color: var(--warn);
        border: 1px solid color-mix(in srgb, var(--warn) 30%, transparent);
      }
      .banner span {
        flex: 1;
        min-width: 12rem;
      }
      .banners {
        display: grid;
        gap: 0.5rem;
      }
      .banners:empty {
        display: none;
      }
      @media (max-width: 480px) {
        .bar {
          padding-top: 0.5rem;
        }
        main {
          padding: 0.75rem;
        }
      }
    `,
  ];

  @property({ attribute: false }) session!: MeshSession;
  @property({ attribute: false }) transfers!: Transfers;
  /** Who is logged in; the header offers to log them out (a 'logout' event). */
  @property() user = '';
  @state() private view: View = 'files';
  @state() private snapshot: SessionState | null = null;
  @state() private transferList: readonly Transfer[] = [];
  @state() private actionError: string | null = null;
  /** Files chosen whose names are taken, waiting for Replace, Keep both or Cancel. */
  @state() private pendingUpload: { files: ChosenFile[]; taken: string[] } | null = null;
  /** Stopping would lower the safety of these many files: asked before it happens. */
  @state() private pendingStop: { files: number; soleCopies: number } | null = null;
  /** A file password being asked for, and where the answer goes. */
  @state() private passwordQuestion: { subject: string; purpose: FilePasswordPurpose; answer: (password: string | undefined) => void } | null = null;
  /** Uploads get a password of their own, asked for when they are chosen. */
  @state() private protectUploads = false;
  /** The file shown in the preview dialog. */
  @state() private previewing: { name: string; size: number } | null = null;
  /** The file whose versions, lock and sharing are shown. */
  @state() private detailsOf: FileSummary | null = null;
  private everConnected = false;
  /** Locks this tab holds, renewed while it is open. */
  private locks!: LockKeeper;

  override connectedCallback(): void {
    super.connectedCallback();
    this.locks = new LockKeeper(() => this.session.client);
    this.transfers.lockFor = (name) => this.locks.tokenFor(name);
    this.transfers.askPassword = (question) => this.askPassword(question);
    this.snapshot = this.session.state;
    this.transferList = [...this.transfers.list];
    this.session.addEventListener('change', this.onSessionChange);
    this.transfers.addEventListener('change', this.onTransfersChange);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.session.removeEventListener('change', this.onSessionChange);
    this.transfers.removeEventListener('change', this.onTransfersChange);
  }

  private readonly onSessionChange = (): void => {
    this.snapshot = this.session.state;
    if (this.snapshot.link === 'connected') this.everConnected = true;
  };

  private readonly onTransfersChange = (): void => {
    this.transferList = [...this.transfers.list];
  };

  override render() {
    const s = this.snapshot;
    if (!s) return nothing;
    return html`
      <header>
        <div class="bar">
          <h1 class="brand">
            <svg viewBox="0 0 32 32" aria-hidden="true">
              <circle cx="16" cy="16" r="11" fill="none" stroke="var(--accent)" stroke-width="3" />
              <circle cx="16" cy="5" r="3.5" fill="var(--accent)" />
              <circle cx="26.5" cy="21" r="3.5" fill="#0891b2" />
              <circle cx="5.5" cy="21" r="3.5" fill="#d97706" />
            </svg>
            Meshdrive
          </h1>
          ${this.renderLink(s)}
          ${s.role === 'client'
            ? html`<span class="pill" data-role="client" title="Tabs of one browser share one storage peer; this one uploads and downloads, and takes the peer over when that tab closes">Storage peer: in another tab</span>`
            : html`<span class="pill" data-role="peer" title="This tab keeps this browser's share of the mesh">Storage peer: this tab</span>`}
          <span class="user" data-user=${this.user}>${this.user}</span>
          <button @click=${() => this.dispatchEvent(new Event('logout'))}>Log out</button>
        </div>
        <nav role="tablist" aria-label="Views" @keydown=${this.onTabKey}>
          ${VIEWS.map(
            (view) => html`<button
              role="tab"
              id="tab-${view.id}"
              aria-selected=${this.view === view.id ? 'true' : 'false'}
              aria-controls="panel"
              tabindex=${this.view === view.id ? 0 : -1}
              @click=${() => (this.view = view.id)}
            >
              ${view.label}
            </button>`,
          )}
        </nav>
      </header>
      <main>
        <div class="banners" role="status">${this.banners(s).map((banner) => this.renderBanner(banner))}</div>
        <div id="panel" role="tabpanel" aria-labelledby="tab-${this.view}" style="display:grid;gap:1.25rem">${this.renderView(s)}</div>
      </main>
    `;
  }

  private renderLink(s: SessionState) {
    // A tab that cannot join never connects; the banner below says why.
    if (s.fatal) return html`<span class="pill bad" data-link="fatal">● Cannot join the mesh</span>`;
    const online = s.mesh?.peers.filter((peer) => peer.status === 'online').length ?? 0;
    if (s.link === 'connected') return html`<span class="pill ${online > 0 ? 'good' : 'warn'}" data-link="connected">● Connected · ${online} ${online === 1 ? 'peer' : 'peers'} online</span>`;
    if (s.link === 'unreachable') return html`<span class="pill bad" data-link="unreachable">● Master unreachable</span>`;
    return html`<span class="pill warn" data-link="connecting">● ${this.everConnected ? 'Reconnecting…' : 'Connecting…'}</span>`;
  }

  private renderView(s: SessionState) {
    switch (this.view) {
      case 'files':
        return html`
          <md-drop-zone ?disabled=${s.fatal !== null} @files-chosen=${this.onFilesChosen}></md-drop-zone>
          <div class="sealing">
            <p class="encrypted" data-encrypted>Files are encrypted on this device before they leave it: peers and the master hold only ciphertext.</p>
            <label><input type="checkbox" data-protect .checked=${this.protectUploads} @change=${(event: Event) => (this.protectUploads = (event.target as HTMLInputElement).checked)} /> Give new uploads a password of their own</label>
          </div>
          ${this.passwordQuestion
            ? html`<md-file-password .subject=${this.passwordQuestion.subject} .purpose=${this.passwordQuestion.purpose} @file-password=${this.onFilePassword}></md-file-password>`
            : nothing}
          ${this.pendingUpload ? html`<md-name-conflict .names=${this.pendingUpload.taken} @name-conflict=${this.onNameConflict}></md-name-conflict>` : nothing}
          <md-transfer-list .transfers=${this.transferList} @transfer-action=${this.onTransferAction}></md-transfer-list>
          <md-file-list .files=${s.mesh?.files ?? []} ?loaded=${s.mesh !== null} ?unavailable=${s.fatal !== null} @file-action=${this.onFileAction} @files-action=${this.onFilesAction}></md-file-list>
          ${this.previewing ? this.renderPreview(this.previewing) : nothing}
          ${this.detailsOf ? this.renderDetails(this.detailsOf) : nothing}
        `;
      case 'network':
        return html`<md-network-view .mesh=${s.mesh} .selfId=${s.contributing ? s.peerId : null}></md-network-view>`;
      case 'device':
        return html`<md-device-panel .session=${s} @device-action=${this.onDeviceAction} @device-name=${(event: DeviceNameEvent) => void this.session.setDeviceName(event.detail.name).catch((error: unknown) => (this.actionError = describeError(error).message))}></md-device-panel>
          ${this.pendingStop ? this.renderStopQuestion(s, this.pendingStop) : nothing}`;
    }
  }

  private banners(s: SessionState): Banner[] {
    const banners: Banner[] = [];
    if (s.fatal) banners.push({ kind: 'bad', text: `This tab cannot join the mesh: ${s.fatal}` });
    if (s.link === 'unreachable') {
      banners.push({
        kind: 'bad',
        text: `Cannot reach the master at ${s.masterUrl.split(',').join(' or ')}${s.linkError ? ` (${s.linkError})` : ''}. Retrying automatically; files will list again once it answers.`,
        action: { label: 'Reconnect now', run: () => this.session.reconnect() },
      });
    } else if (s.link === 'connecting' && this.everConnected) {
      banners.push({ kind: 'warn', text: 'Lost the master; reconnecting…', action: { label: 'Reconnect now', run: () => this.session.reconnect() } });
    }
    const online = s.mesh?.peers.filter((peer) => peer.status === 'online').length;
    if (s.link === 'connected' && online === 0) {
      banners.push({
        kind: 'warn',
        text: 'No storage peers are online, so nothing can be stored or read. Resume contributing here, open Meshdrive in another browser, or start `meshdrive peer`.',
      });
    }
    if (s.contributing && s.stats.bytes >= s.capacity * NEARLY_FULL_SHARE) {
      banners.push({
        kind: 'warn',
        text: 'This tab has used the space it offers; new chunks go to other peers. Offer more under “This device”.',
        action: { label: 'Offer more', run: () => (this.view = 'device') },
      });
    }
    if (this.actionError) banners.push({ kind: 'bad', text: this.actionError, action: { label: 'Dismiss', run: () => (this.actionError = null) } });
    return banners;
  }

  private renderBanner(banner: Banner) {
    return html`<div class="banner ${banner.kind}" data-banner=${banner.kind}>
      <span>${banner.text}</span>
      ${banner.action ? html`<button @click=${banner.action.run}>${banner.action.label}</button>` : nothing}
    </div>`;
  }

  /** The tab list as the ARIA tabs pattern has it: arrows step round, Home and End jump to the ends. */
  private readonly onTabKey = (event: KeyboardEvent): void => {
    const index = VIEWS.findIndex((view) => view.id === this.view);
    const last = VIEWS.length - 1;
    const targets: Partial<Record<string, number>> = { ArrowRight: index === last ? 0 : index + 1, ArrowLeft: index === 0 ? last : index - 1, Home: 0, End: last };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    this.view = VIEWS[target]!.id;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLButtonElement>(`#tab-${this.view}`)?.focus());
  };

  /** Asks for a file password in a dialog; resolves with undefined when the person cancels. */
  askPassword(question: { subject: string; purpose: FilePasswordPurpose }): Promise<string | undefined> {
    this.passwordQuestion?.answer(undefined);
    return new Promise((answer) => (this.passwordQuestion = { ...question, answer }));
  }

  private readonly onFilePassword = (event: FilePasswordEvent): void => {
    const question = this.passwordQuestion;
    this.passwordQuestion = null;
    question?.answer(event.detail.password);
  };

  /** Starts uploads, first asking for their password when they are to have one; cancelled there, nothing is sent. */
  private async upload(files: readonly { file: File; name: string }[]): Promise<void> {
    if (!this.protectUploads) return this.transfers.upload(files);
    const subject = files.length === 1 ? `“${files[0]!.name}”` : `${files.length} files`;
    const password = await this.askPassword({ subject, purpose: 'choose' });
    if (password !== undefined) this.transfers.upload(files, password);
  }

  /** Uploads at once, unless a chosen name is already in the mesh: then the person decides first. */
  private readonly onFilesChosen = (event: FilesChosenEvent): void => {
    const { files, skipped } = event.detail;
    if (skipped.length > 0) this.actionError = skippedSentence(skipped);
    // Only the person's own names are taken: an upload never writes a file someone shared with them.
    const existing = new Set(this.ownFiles().map((file) => file.name));
    const taken = files.map((file) => file.name).filter((name) => existing.has(name));
    if (taken.length === 0) void this.upload(files);
    else this.pendingUpload = { files, taken };
  };

  private readonly onNameConflict = (event: NameConflictEvent): void => {
    const pending = this.pendingUpload;
    this.pendingUpload = null;
    if (!pending || event.detail.choice === 'cancel') return;
    if (event.detail.choice === 'replace') {
      void this.upload(pending.files);
      return;
    }
    // Keep both: each taken name gets the first free "name (n).ext", counting the new names too.
    const names = new Set(this.ownFiles().map((file) => file.name));
    const uploads = pending.files.map(({ file, name: chosen }) => {
      const name = names.has(chosen) ? keepBothName(chosen, names) : chosen;
      names.add(name);
      return { file, name };
    });
    void this.upload(uploads);
  };

  private readonly onTransferAction = (event: TransferActionEvent): void => {
    const { id, action } = event.detail;
    if (action === 'cancel') this.transfers.cancel(id);
    else if (action === 'retry') this.transfers.retry(id);
    else if (action === 'dismiss') this.transfers.dismiss(id);
    else this.transfers.clearFinished();
  };

  private readonly onFileAction = (event: FileActionEvent): void => {
    const { name, size, action, owner } = event.detail;
    const version = (event.detail as { version?: number }).version;
    if (action === 'preview') {
      this.previewing = { name, size };
      return;
    }
    if (action === 'details') {
      this.detailsOf = this.snapshot?.mesh?.files.find((file) => file.name === name && file.shared?.owner === owner) ?? null;
      return;
    }
    if (action === 'download') this.transfers.download(name, size, { ...(version === undefined ? {} : { version }), ...(owner === undefined ? {} : { owner }) });
    else this.deleteFiles([name]);
  };

  /** Many files at once: downloads without a save picker each, and deletes with one line for what failed. */
  private readonly onFilesAction = (event: FilesActionEvent): void => {
    const { files, action } = event.detail;
    if (action === 'download') for (const { name, size, owner } of files) this.transfers.download(name, size, { ask: false, ...(owner === undefined ? {} : { owner }) });
    else this.deleteFiles(files.map((file) => file.name));
  };

  /** Deletes each file as a single delete does; what fails is told in one line, with the first reason. */
  private deleteFiles(names: readonly string[]): void {
    const client = this.session.client;
    if (!client) return;
    const deletes = names.map((name) => client.delete(name).then(() => null, (error: unknown) => ({ name, error })));
    void Promise.all(deletes).then((outcomes) => {
      const failed = outcomes.filter((outcome) => outcome !== null);
      if (failed.length > 0) this.actionError = `Could not delete ${listSome(failed.map(({ name }) => `“${name}”`))}: ${describeError(failed[0]!.error).message}`;
      return this.session.refresh();
    });
  }

  /** The preview asks for the client at each read: a reconnect replaces it. Its Download comes back as a file-action. */
  private renderPreview(file: { name: string; size: number }) {
    return html`<md-preview
      .name=${file.name}
      .size=${file.size}
      .client=${this.currentClient}
      @file-action=${this.onFileAction}
      @preview-closed=${() => (this.previewing = null)}
    ></md-preview>`;
  }

  private readonly currentClient = (): MeshClient | null => this.session.client;

  /** The person's own files, leaving out those others shared with them. */
  private ownFiles(): FileSummary[] {
    return (this.snapshot?.mesh?.files ?? []).filter((file) => !file.shared);
  }

  /** Versions, lock and sharing of one file; what changes there refreshes the list. */
  private renderDetails(file: FileSummary) {
    return html`<md-file-details
      .file=${file}
      .client=${this.currentClient}
      .locks=${this.locks}
      @file-action=${this.onFileAction}
      @file-changed=${() => void this.session.refresh()}
      @details-closed=${() => (this.detailsOf = null)}
    ></md-file-details>`;
  }

  private renderStopQuestion(s: SessionState, risk: { files: number; soleCopies: number }) {
    const files = `${risk.files} ${risk.files === 1 ? 'file' : 'files'}`;
    const sole = risk.soleCopies === 0 ? '' : ` ${risk.soleCopies === risk.files ? (risk.files === 1 ? 'It' : 'They') : `${risk.soleCopies} of them`} would have no copy online at all until this tab comes back.`;
    return html`<md-confirm
      heading="Stop contributing?"
      body=${`This tab keeps copies of ${files} that would drop below ${s.mesh?.replication ?? 'their'} copies while it is away.${sole}`}
      confirmLabel="Stop contributing"
      keepLabel="Keep contributing"
      @confirm=${this.onStopAnswer}
    ></md-confirm>`;
  }

  private readonly onStopAnswer = (event: ConfirmEvent): void => {
    this.pendingStop = null;
    if (event.detail.confirmed) this.session.stopContributing().catch((error: unknown) => (this.actionError = describeError(error).message));
  };

  private readonly onDeviceAction = (event: DeviceActionEvent): void => {
    const detail = event.detail;
    if (detail.action === 'stop') {
      // Say first what stopping would lower; stop at once when it lowers nothing.
      const self = this.snapshot?.mesh?.peers.find((peer) => peer.id === this.snapshot?.peerId);
      if (self && self.atRisk.files > 0) {
        this.pendingStop = self.atRisk;
        return;
      }
    }
    const done =
      detail.action === 'capacity' ? this.session.setCapacity(detail.bytes) : detail.action === 'stop' ? this.session.stopContributing() : this.session.resumeContributing();
    done.catch((error: unknown) => (this.actionError = describeError(error).message));
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'md-app': MdApp;
  }
}
